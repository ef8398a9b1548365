// The managers' dashboard: loads everything for the chosen window, draws it, and loads it
// again every 60 seconds (the server prepares everything; the page only re-fetches).

import {
  getDashboard, getEvents, getForecast, getProducts, getReorder, getReorderCsv, getSegments, getSyncStatus, getTrends,
} from './api.js';
import { askForKey, initAuth } from './auth.js';
import { initCalendar, loadEvents, setToday } from './calendar.js';
import './customers.js';
import { byId, el, renderIfChanged, replace, saveBlob } from './dom.js';
import { addDays, daysBetween, formatDaySpan, formatTime, localToday, setCurrency } from './format.js';
import { renderFreshness, renderKpis } from './kpis.js';
import { renderProducts, renderReorder, renderSegments, renderUpcoming } from './panels.js';
import { renderTrend } from './trend.js';

const REFRESH_MS = 60_000;
const FORECAST_DAYS = 28;
const MAX_RANGE_DAYS = 365;

const main = byId('main');
const banner = byId('banner');
const updated = byId('updated');
const rangeFrom = byId('range-from');
const rangeTo = byId('range-to');
const productsSort = byId('products-sort');

let chosen = { days: 30 }; // the chosen window: {days} (a preset, ending today) or {from, to}
let loading = null; // the running load: refreshes never overlap
let again = false; // a load was asked for while one ran
let last = null; // the last {dash, span}, to rank the products again alone
let storeToday = null; // the store's today: the last day of a preset window

/**
 * The window the dashboard answered for: `from` its first day, `asOf` its last. A server
 * that predates custom windows names no `from` and answers the last `days` days.
 */
function windowOf(dash) {
  const to = dash.to ?? dash.asOf;
  const from = dash.from ?? dash.salesTrend[0]?.date ?? addDays(to, 1 - dash.days);
  return { from, to, days: daysBetween(from, to) + 1, customIgnored: Boolean(chosen.from) && !dash.from };
}

/** Waits for every promise; a failed one gives null (its panel shows what it can). */
const settle = (promises) => Promise.all(promises.map((p) => p.catch((error) => {
  if (error?.status !== 401) console.warn(error);
  return null;
})));

/** A banner: kind is 'error', 'warn' or 'info'. */
const bannerBox = (kind, ...content) =>
  el('div', { className: `banner banner--${kind}`, attrs: { role: kind === 'error' ? 'alert' : null } }, ...content);

/** Loads and draws everything (once at a time; a call during a load runs after it). */
function load() {
  if (loading) { again = true; return loading; }
  loading = loadOnce().finally(() => {
    loading = null;
    if (again) { again = false; load(); }
  });
  return loading;
}

async function loadOnce() {
  main.setAttribute('aria-busy', 'true');
  const syncPromise = getSyncStatus().catch(() => null); // the freshness tile is optional
  let dash;
  try {
    dash = await getDashboard(chosen);
  } catch (error) {
    main.setAttribute('aria-busy', 'false');
    updated.textContent = 'Not loaded';
    renderIfChanged(banner, error.status === 401 ? 'key' : error.message, () => replace(banner, error.status === 401
      ? bannerBox('warn', 'This server needs an API key to show the dashboard.',
        el('button', { type: 'button', on: { click: () => askForKey().then((ok) => ok && reloadAll()) } }, 'Enter an API key'))
      : bannerBox('error', `The dashboard could not be loaded: ${error.message}`,
        el('button', { type: 'button', on: { click: load } }, 'Try again'))));
    return;
  }
  setCurrency(dash.currency);
  if (chosen.days) storeToday = dash.asOf;
  const today = storeToday ?? localToday();
  const span = windowOf(dash);
  const forecastOn = span.to === today; // the forecast continues a window that ends today
  const [sync, trends, forecast, calendar, segments, reorder, products] = await settle([
    syncPromise,
    getTrends(span.from, span.to), // with the API's 7-day averages (they reach before `from`)
    forecastOn ? getForecast(FORECAST_DAYS) : null,
    getEvents(span.from, Math.min(730, span.days + (forecastOn ? FORECAST_DAYS : 0))),
    getSegments(),
    getReorder(20),
    productsFor(span),
  ].map((p) => Promise.resolve(p)));
  last = { dash, span };

  const events = new Map([...(calendar?.events ?? []), ...dash.upcomingEvents].map((ev) => [ev.id, ev]));

  byId('store-line').textContent = `${formatDaySpan(span.from, span.to, 'long')} · store time zone ${dash.timeZone}`
    + (dash.currency ? ` · ${dash.currency}` : '');
  renderKpis(dash, span);
  const warnings = renderFreshness(sync, dash);
  renderTrend({
    dash, span, trends, forecast, events: [...events.values()],
    latestSaleDay: sync?.sales.maxCreatedAt?.slice(0, 10), onShowRange: showCustom,
  });
  showProducts(products);
  renderSegments(dash.customerStats.bySegment, segments?.rfmSegments);
  renderUpcoming(dash.upcomingEvents, today);
  renderReorder(reorder, dash.reorder);
  setToday(today);
  renderBanner(sync, span, warnings);
  updated.textContent = `Updated ${formatTime(new Date())}`;
  main.setAttribute('aria-busy', 'false');
}

/** Above everything: an empty install, stale data, a custom range the server ignored. */
function renderBanner(sync, span, warnings) {
  const empty = sync && sync.sales.records === 0 && sync.customers.records === 0;
  renderIfChanged(banner, { empty, warnings, ignored: span.customIgnored && span.days }, () => replace(banner,
    empty && bannerBox('info', el('strong', {}, 'No data yet. '),
      'Have the POS push customers, sales and products to ', el('code', {}, 'POST /api/sync/customers'), ', ',
      el('code', {}, '/api/sync/sales'), ' and ', el('code', {}, '/api/sync/products'),
      ' (see the ', el('a', { href: '/swagger-ui/' }, 'API documentation'), '), or fill a trial database with ',
      el('code', {}, 'crm-trends demo'), '.'),
    !empty && warnings.length > 0 && bannerBox('warn', el('strong', {}, 'Data may be stale. '), warnings.join(' ')),
    span.customIgnored && bannerBox('warn', `This server does not take a custom range yet; showing the last ${span.days} days.`)));
}

// --- Top products ------------------------------------------------------------------------

/** Products of the window ranked by units or revenue; null for "popularity now". */
const productsFor = (span) => (productsSort.value === 'popularity' ? null
  : getProducts({ from: span.from, to: span.to, sort: productsSort.value, limit: 10 }));

function showProducts(answer) {
  const sort = productsSort.value;
  const windowed = answer?.products.every((p) => Number.isFinite(p.units));
  const note = byId('products-note');
  if (answer && windowed) {
    note.textContent = `Best sellers ${formatDaySpan(last.span.from, last.span.to)}, by ${sort}; arrows: units over the last 28 days.`;
    renderProducts(answer.products, sort);
  } else {
    note.textContent = sort !== 'popularity' && answer
      ? 'This server ranks by popularity only, not yet by window; showing popularity now.'
      : 'Popularity now (recent sales count more); arrows: units over the last 28 days.';
    renderProducts(answer?.products.length ? answer.products : last.dash.topProducts, 'popularity');
  }
}

productsSort.addEventListener('change', async () => {
  if (last) showProducts(await Promise.resolve(productsFor(last.span)).catch(() => null));
});

// --- The window -----------------------------------------------------------------------------

function showCustom(from, to) {
  byId('wcustom').checked = true;
  byId('custom-range').hidden = false;
  [rangeFrom.value, rangeTo.value] = [from, to];
  chosen = { from, to };
  load();
}

byId('window-form').addEventListener('change', (event) => {
  if (event.target.name !== 'window') return;
  const custom = event.target.value === 'custom';
  byId('custom-range').hidden = !custom;
  if (!custom) {
    chosen = { days: Number(event.target.value) };
    load();
    return;
  }
  const end = storeToday ?? localToday();
  rangeTo.value ||= end;
  rangeFrom.value ||= addDays(end, -29);
  rangeFrom.focus();
});

byId('window-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const [from, to] = [rangeFrom.value, rangeTo.value];
  const problem = !from || !to ? 'Choose both days.'
    : from > to ? 'The first day is after the last.'
      : daysBetween(from, to) >= MAX_RANGE_DAYS ? `A range is at most ${MAX_RANGE_DAYS} days.` : '';
  byId('range-error').textContent = problem;
  for (const input of [rangeFrom, rangeTo]) input.setAttribute('aria-invalid', String(Boolean(problem)));
  if (problem) return;
  chosen = { from, to };
  load();
});

// --- Buttons and the clock --------------------------------------------------------------------

/** The dashboard and the calendar list (at start, on request, after a key was entered). */
function reloadAll() {
  load();
  loadEvents();
}

byId('refresh-now').addEventListener('click', reloadAll);

byId('reorder-csv').addEventListener('click', async () => {
  const status = byId('reorder-download');
  status.textContent = 'Preparing the order list…';
  try {
    saveBlob(await getReorderCsv(), `reorder-${storeToday ?? localToday()}.csv`);
    status.textContent = '';
  } catch (error) {
    status.textContent = `The order list could not be downloaded: ${error.message}`;
  }
});

initAuth(reloadAll);
initCalendar(load);
setInterval(() => { if (!document.hidden) reloadAll(); }, REFRESH_MS);
document.addEventListener('visibilitychange', () => { if (!document.hidden) reloadAll(); });
reloadAll();

// The managers' dashboard: loads everything for the chosen window, draws it, and loads it
// again every 60 seconds (the server prepares everything; the page only re-fetches).

import {
  getDashboard, getForecast, getEvents, getProducts, getReorder, getReorderCsv, getSegments,
  getSyncStatus, getTrends,
} from './api.js';
import { initAuth } from './auth.js';
import { initCalendar, loadEvents, setToday } from './calendar.js';
import './customers.js';
import { byId, el, replace, saveBlob } from './dom.js';
import {
  addDays, daysBetween, formatDaySpan, formatTime, localToday, setCurrency,
} from './format.js';
import { renderFreshness, renderKpis } from './kpis.js';
import { renderProducts, renderReorder, renderSegments, renderUpcoming } from './panels.js';
import { renderTrend } from './trend.js';

const REFRESH_MS = 60_000;
const FORECAST_DAYS = 28;
const MAX_RANGE_DAYS = 365;

const main = byId('main');
const banner = byId('banner');
const updated = byId('updated');
const windowForm = byId('window-form');
const customRange = byId('custom-range');
const rangeFrom = byId('range-from');
const rangeTo = byId('range-to');
const rangeError = byId('range-error');
const productsSort = byId('products-sort');

/** The chosen window: {days} (a preset ending today) or {from, to} (a custom range). */
let chosen = { days: 30 };
let loading = null; // the running load, so refreshes never overlap
let again = false; // a load was asked for while one ran
let last = null; // the last dashboard and span, for re-rendering the products alone

/** A banner message: kind is 'error', 'warn' or 'info'. */
const bannerBox = (kind, ...content) => el('div', { className: `banner banner--${kind}`, attrs: { role: kind === 'error' ? 'alert' : null } }, ...content);

/**
 * The window the dashboard answered for. A server without `from`/`to` answers the last
 * `days` days; then the custom range is reported as not applied.
 */
function windowOf(dash) {
  const first = dash.salesTrend[0]?.date;
  const from = dash.from ?? first ?? addDays(dash.asOf, -(dash.days - 1));
  const to = dash.to ?? dash.salesTrend.at(-1)?.date ?? dash.asOf;
  return { from, to, days: daysBetween(from, to) + 1, customIgnored: Boolean(chosen.from) && !dash.from };
}

/** Waits for every promise; a rejected one gives null (its panel shows what it can). */
const settle = (promises) => Promise.all(promises.map((p) => p.catch((error) => {
  if (error?.status !== 401) console.warn(error);
  return null;
})));

/** Loads and draws everything. */
async function load() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    try { await loadOnce(); } finally { loading = null; }
    if (again) { again = false; await load(); }
  })();
  return loading;
}

async function loadOnce() {
  main.setAttribute('aria-busy', 'true');
  let dash;
  const syncPromise = getSyncStatus().catch(() => null);
  try {
    dash = await getDashboard(chosen);
  } catch (error) {
    main.setAttribute('aria-busy', 'false');
    updated.textContent = 'Not loaded';
    replace(banner, error.status === 401
      ? bannerBox('warn', 'This server needs an API key. Enter it to see the dashboard.')
      : bannerBox('error', `The dashboard could not be loaded: ${error.message} `,
        el('button', { type: 'button', className: 'button', on: { click: load } }, 'Try again')));
    return;
  }
  setCurrency(dash.currency);
  const span = windowOf(dash);
  const forecastOn = span.to === dash.asOf;
  const eventDays = Math.min(730, span.days + (forecastOn ? FORECAST_DAYS : 0));
  const [sync, trends, forecast, calendar, segments, reorder, products] = await settle([
    syncPromise,
    getTrends(addDays(span.from, -span.days), span.to),
    forecastOn ? getForecast(FORECAST_DAYS) : Promise.resolve(null),
    getEvents(span.from, eventDays),
    getSegments(),
    getReorder(20),
    productsFor(span),
  ]);
  last = { dash, span };

  // The previous window's totals and the window's own points, from one trends call.
  const previousPoints = trends?.points.filter((p) => p.period < span.from) ?? null;
  const previous = previousPoints && {
    revenue: previousPoints.reduce((sum, p) => sum + p.revenue, 0),
    salesCount: previousPoints.reduce((sum, p) => sum + p.salesCount, 0),
  };

  const eventsById = new Map([...(calendar?.events ?? []), ...dash.upcomingEvents].map((ev) => [ev.id, ev]));
  const latestSale = sync?.sales.maxCreatedAt?.slice(0, 10) ?? null;

  byId('store-line').textContent = `${formatDaySpan(span.from, span.to, 'long')} · store time zone ${dash.timeZone}`
    + (dash.currency ? ` · ${dash.currency}` : '');
  renderKpis(dash, span, previous);
  const warnings = renderFreshness(sync, dash);
  renderTrend({
    dash, span, trends, forecast, events: [...eventsById.values()], latestSaleDay: latestSale,
    onShowRange: (from, to) => showCustom(from, to),
  });
  showProducts(products);
  renderSegments(dash.customerStats.bySegment, segments?.rfmSegments);
  renderUpcoming(dash.upcomingEvents, dash.asOf);
  renderReorder(reorder, dash.reorder);
  setToday(dash.asOf);
  renderBanner(sync, span, warnings);

  updated.textContent = `Updated ${formatTime(new Date())}`;
  main.setAttribute('aria-busy', 'false');
}

/** Empty install, stale data and an ignored custom range, above everything. */
function renderBanner(sync, span, warnings) {
  const boxes = [];
  if (sync && sync.sales.records === 0 && sync.customers.records === 0) {
    boxes.push(bannerBox('info',
      el('strong', {}, 'No data yet. '),
      'Have the POS push customers, sales and products to ', el('code', {}, 'POST /api/sync/customers'), ', ',
      el('code', {}, '/api/sync/sales'), ' and ', el('code', {}, '/api/sync/products'),
      ' (see the ', el('a', { href: '/swagger-ui/' }, 'API documentation'), '), or fill a trial database with ',
      el('code', {}, 'crm-trends demo'), '.'));
  } else if (warnings.length) {
    boxes.push(bannerBox('warn', el('strong', {}, 'Data may be stale. '), warnings.join(' ')));
  }
  if (span.customIgnored) {
    boxes.push(bannerBox('warn', `This server does not take a custom range yet; showing the last ${span.days} days.`));
  }
  replace(banner, boxes);
}

// --- Top products ------------------------------------------------------------------------

/** Products for the window, ranked by units or revenue; null for "popularity now". */
function productsFor(span) {
  const sort = productsSort.value;
  if (sort === 'popularity') return Promise.resolve(null);
  return getProducts({ from: span.from, to: span.to, sort, limit: 10 });
}

function showProducts(answer) {
  const sort = productsSort.value;
  const note = byId('products-note');
  const windowed = answer?.products.every((p) => Number.isFinite(p.units) || Number.isFinite(p.revenue));
  if (answer && windowed) {
    note.textContent = `Best sellers ${formatDaySpan(last.span.from, last.span.to)}, by ${sort}; arrows: units over the last 28 days.`;
    renderProducts(answer.products, sort);
  } else {
    note.textContent = sort === 'popularity' || !answer
      ? 'Popularity now (recent sales count more); arrows: units over the last 28 days.'
      : 'This server ranks by popularity only, not yet by window; showing popularity now.';
    renderProducts(answer?.products.length ? answer.products : last.dash.topProducts, 'popularity');
  }
}

productsSort.addEventListener('change', async () => {
  if (!last) return;
  showProducts(await productsFor(last.span).catch(() => null));
});

// --- The window ---------------------------------------------------------------------------

function showCustom(from, to) {
  byId('wcustom').checked = true;
  customRange.hidden = false;
  rangeFrom.value = from;
  rangeTo.value = to;
  chosen = { from, to };
  load();
}

windowForm.addEventListener('change', (event) => {
  if (event.target.name !== 'window') return;
  const value = event.target.value;
  customRange.hidden = value !== 'custom';
  if (value === 'custom') {
    const end = last?.dash.asOf ?? localToday();
    rangeTo.value ||= end;
    rangeFrom.value ||= addDays(end, -29);
    rangeFrom.focus();
    return;
  }
  chosen = { days: Number(value) };
  load();
});

windowForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const from = rangeFrom.value;
  const to = rangeTo.value;
  let problem = '';
  if (!from || !to) problem = 'Choose both days.';
  else if (from > to) problem = 'The first day is after the last.';
  else if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) problem = `A range is at most ${MAX_RANGE_DAYS} days.`;
  rangeError.textContent = problem;
  for (const node of [rangeFrom, rangeTo]) {
    if (problem) node.setAttribute('aria-invalid', 'true');
    else node.removeAttribute('aria-invalid');
  }
  if (problem) return;
  chosen = { from, to };
  load();
});

// --- Buttons and the clock ----------------------------------------------------------------

byId('refresh-now').addEventListener('click', () => { load(); loadEvents(); });

byId('reorder-csv').addEventListener('click', async () => {
  const out = byId('reorder-download-status');
  out.textContent = 'Preparing the order list…';
  try {
    saveBlob(await getReorderCsv(), `reorder-${last?.dash.asOf ?? localToday()}.csv`);
    out.textContent = '';
  } catch (error) {
    out.textContent = `The order list could not be downloaded: ${error.message}`;
  }
});

initAuth(() => { load(); loadEvents(); });
initCalendar(load);

setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
document.addEventListener('visibilitychange', () => { if (!document.hidden) load(); });

load();
loadEvents();

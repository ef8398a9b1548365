// The managers' dashboard: loads everything for the chosen window, draws it, and loads it
// again every 60 seconds (the server prepares everything; the page only re-fetches).

import {
  getDashboard, getEvents, getExportCsv, getForecast, getForecastAccuracy, getProducts, getReorder, getReorderCsv,
  getSegments, getSyncStatus, getTrends,
} from './api.js';
import { askForKey, initAuth } from './auth.js';
import { CALENDAR_CHANGED, loadEvents } from './calendar.js';
import './customers.js';
import { byId, el, renderError, renderIfChanged, replace, saveBlob } from './dom.js';
import { addDays, daysBetween, formatDaySpan, formatTime, localToday } from './format.js';
import { renderFreshness, renderKpis } from './kpis.js';
import { renderProducts, renderReorder, renderSegments, renderUpcoming } from './panels.js';
import { state } from './state.js';
import { renderTrend } from './trend.js';
import { loadValue } from './value.js';

const REFRESH_MS = 60_000;
const FORECAST_DAYS = 28;
const MAX_RANGE_DAYS = 365;

const main = byId('main');
const banner = byId('banner');
const updated = byId('updated');
const rangeFrom = byId('range-from');
const rangeTo = byId('range-to');
const productsSort = byId('products-sort');

/** The store's today: the dashboard's, or the browser's before the first dashboard. */
const today = () => state.today ?? localToday();

/**
 * A call's outcome, `{value}` or `{error}` (an ApiError): never rejects, so one failed call
 * does not stop the others, and its panel shows the error while the rest draw.
 */
const outcome = (promise) => Promise.resolve(promise).then((value) => ({ value }), (error) => ({ error }));

/** A banner: kind is 'error', 'warn' or 'info'. */
const bannerBox = (kind, ...content) =>
  el('div', { className: `banner banner--${kind}`, attrs: { role: kind === 'error' ? 'alert' : null } }, ...content);

/** Loads and draws everything (once at a time; a call during a load runs after it). */
function load() {
  if (state.loading) { state.loadAgain = true; return state.loading; }
  state.loading = loadOnce().finally(() => {
    state.loading = null;
    if (state.loadAgain) { state.loadAgain = false; load(); }
  });
  return state.loading;
}

async function loadOnce() {
  main.setAttribute('aria-busy', 'true');
  const syncCall = outcome(getSyncStatus());
  let dash;
  try {
    dash = await getDashboard(state.window);
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
  state.currency = dash.currency;
  // A preset window ends on the store's today; the calendar list starts from it.
  if (state.window.days) {
    const newDay = dash.asOf !== today();
    state.today = dash.asOf;
    if (newDay) loadEvents();
  }
  const span = { from: dash.from, to: dash.asOf, days: dash.days };
  const forecastOn = span.to === today(); // the forecast continues a window that ends today
  const [sync, trends, forecast, accuracy, calendar, segments, reorder, products] = await Promise.all([
    syncCall,
    outcome(getTrends(span.from, span.to)), // with the API's 7-day averages (they reach before `from`)
    outcome(forecastOn ? getForecast(FORECAST_DAYS) : null),
    outcome(forecastOn ? getForecastAccuracy() : null),
    outcome(getEvents(span.from, span.days + (forecastOn ? FORECAST_DAYS : 0))),
    outcome(getSegments()),
    outcome(getReorder(20)),
    outcome(productsFor(span)),
  ]);
  state.shown = { dash, span };

  byId('store-line').textContent = `${formatDaySpan(span.from, span.to, 'long')} · store time zone ${dash.timeZone} · ${dash.currency}`;
  renderKpis(dash, span);
  const warnings = renderFreshness(sync, dash);
  renderTrend({
    dash, span, trends, forecast, accuracy, calendar,
    latestSaleDay: sync.value?.sales.maxCreatedAt?.slice(0, 10), onShowRange: showCustom,
  });
  showProducts(products);
  renderSegments(dash.customerStats.bySegment, segments);
  renderUpcoming(dash.upcomingEvents, today());
  renderReorder(reorder);
  renderBanner(sync, warnings);
  updated.textContent = `Updated ${formatTime(new Date())}`;
  main.setAttribute('aria-busy', 'false');
}

/** Above everything: an empty install, or stale data. */
function renderBanner(sync, warnings) {
  const empty = sync.value?.sales.records === 0 && sync.value.customers.records === 0;
  renderIfChanged(banner, { empty, warnings }, () => replace(banner,
    empty && bannerBox('info', el('strong', {}, 'No data yet. '),
      'Have the POS push customers, sales and products to ', el('code', {}, 'POST /api/sync/customers'), ', ',
      el('code', {}, '/api/sync/sales'), ' and ', el('code', {}, '/api/sync/products'),
      ' (see the ', el('a', { href: '/swagger-ui/' }, 'API documentation'), '), or fill a trial database with ',
      el('code', {}, 'crm-trends demo'), '.'),
    !empty && warnings.length > 0 && bannerBox('warn', el('strong', {}, 'Data may be stale. '), warnings.join(' '))));
}

// --- Top products ------------------------------------------------------------------------

/** Products of the window ranked by units or revenue; null for "popularity now" (the dashboard has it). */
const productsFor = (span) => (productsSort.value === 'popularity' ? null
  : getProducts({ from: span.from, to: span.to, sort: productsSort.value, limit: 10 }));

/** The products panel from the outcome of productsFor(). */
function showProducts({ value, error }) {
  const sort = productsSort.value;
  const { dash, span } = state.shown;
  byId('products-note').textContent = sort === 'popularity'
    ? 'Popularity now (recent sales count more); arrows: units over the last 28 days.'
    : `Best sellers ${formatDaySpan(span.from, span.to)}, by ${sort}; arrows: units over the last 28 days.`;
  if (error) renderError(byId('products'), 'The products', error);
  else renderProducts(value?.products ?? dash.topProducts, sort);
}

productsSort.addEventListener('change', async () => {
  if (state.shown) showProducts(await outcome(productsFor(state.shown.span)));
});

// --- The window -----------------------------------------------------------------------------

function showCustom(from, to) {
  byId('wcustom').checked = true;
  byId('custom-range').hidden = false;
  [rangeFrom.value, rangeTo.value] = [from, to];
  state.window = { from, to };
  load();
}

byId('window-form').addEventListener('change', (event) => {
  if (event.target.name !== 'window') return;
  const custom = event.target.value === 'custom';
  byId('custom-range').hidden = !custom;
  if (!custom) {
    state.window = { days: Number(event.target.value) };
    load();
    return;
  }
  rangeTo.value ||= today();
  rangeFrom.value ||= addDays(today(), -29);
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
  state.window = { from, to };
  load();
});

// --- Buttons and the clock --------------------------------------------------------------------

/** The dashboard, the calendar list and customer value (at start, on request, after a key was entered). */
function reloadAll() {
  load();
  loadEvents();
  loadValue();
}

byId('refresh-now').addEventListener('click', reloadAll);

byId('reorder-csv').addEventListener('click', async () => {
  const status = byId('reorder-download');
  status.textContent = 'Preparing the order list…';
  try {
    saveBlob(await getReorderCsv(), `reorder-${today()}.csv`);
    status.textContent = '';
  } catch (error) {
    status.textContent = `The order list could not be downloaded: ${error.message}`;
  }
});

// Exports: the sales and daily totals of the window on show, the other tables whole.
byId('exports').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-export]');
  if (!button) return;
  const table = button.dataset.export;
  const status = byId('export-status');
  const shown = state.shown?.span;
  const span = button.hasAttribute('data-windowed') && shown ? { from: shown.from, to: shown.to } : {};
  const name = span.from ? `${table}-${span.from}-to-${span.to}.csv` : `${table}-${today()}.csv`;
  status.textContent = `Preparing ${name}…`;
  button.disabled = true;
  try {
    saveBlob(await getExportCsv(table, span), name);
    status.textContent = `${name} downloaded.`;
  } catch (error) {
    status.textContent = `The ${table} export could not be downloaded: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

initAuth(reloadAll);
document.addEventListener(CALENDAR_CHANGED, load); // the chart marks the events
setInterval(() => { if (!document.hidden) reloadAll(); }, REFRESH_MS);
document.addEventListener('visibilitychange', () => { if (!document.hidden) reloadAll(); });
reloadAll();

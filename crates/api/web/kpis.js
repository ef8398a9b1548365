// The key-figure tiles: revenue, sales, average basket, active customers, segments, reorder,
// and data freshness (last sync of each kind, last analytics refresh, stale warnings).

import { byId, el, renderError, renderIfChanged, replace } from './dom.js';
import { formatAgo, formatChange, formatDay, formatInt, formatMoney } from './format.js';

const pairs = (rows) => el('ul', { className: 'pairs' }, rows.map(([label, value]) => el('li', {}, el('span', {}, label), el('strong', {}, value))));

/** Sets a tile's value and note; `trend` ('up', 'down' or null) colours the note. */
function setTile(name, value, [note, trend] = ['', null]) {
  byId(`kpi-${name}`).textContent = value;
  const node = byId(`kpi-${name}-note`);
  node.textContent = note;
  node.className = trend ? `note note--${trend}` : 'note';
}

/** [note, trend] for a change against the previous window: "▲ +12.5% vs previous 30 days (€1,000.00)". */
function change(now, before, days, format, pct = (100 * (now - before)) / before) {
  if (!(before > 0)) return [`no sales in the previous ${days} days`, null];
  const [arrow, trend] = pct > 0 ? ['▲', 'up'] : pct < 0 ? ['▼', 'down'] : ['▶', null];
  return [`${arrow} ${formatChange(pct)} vs previous ${days} days (${format(before)})`, trend];
}

/**
 * Fills the tiles from `dash`, the dashboard (its `totals` carry this window's and the
 * previous window's revenue, sales and average basket), for the window `span`.
 */
export function renderKpis(dash, span) {
  const { trend, totals, customerStats: stats, reorder } = dash;
  setTile('revenue', formatMoney(totals.revenue), change(totals.revenue, totals.previousRevenue, span.days, formatMoney, trend.changePercent));
  setTile('sales', formatInt(totals.salesCount), change(totals.salesCount, totals.previousSalesCount, span.days, formatInt));
  const basket = totals.averageBasket ?? null;
  setTile('basket', formatMoney(basket), basket === null ? ['no sales in the window', null]
    : change(basket, totals.previousAverageBasket ?? 0, span.days, formatMoney));
  const share = stats.total ? Math.round((100 * stats.activeInWindow) / stats.total) : 0;
  setTile('active', formatInt(stats.activeInWindow), [`bought in the window: ${share}% of ${formatInt(stats.total)} customers`]);
  const seg = stats.bySegment;
  replace(byId('kpi-segments'), pairs([['New', seg.new], ['Regular', seg.regular], ['VIP', seg.vip], ['Prospect', seg.prospect]]
    .map(([label, n]) => [label, formatInt(n)])));
  setTile('reorder', `${formatInt(reorder.orderNow)} product${reorder.orderNow === 1 ? '' : 's'}`,
    [reorder.orderNow ? `orders cost ${formatMoney(reorder.orderCost)}` : 'nothing to order now']);
}

/**
 * The freshness tile: the last sync of each kind and the last refresh, against the server's
 * clock, from the outcome of GET /api/sync/status (`{value}` or `{error}`). Returns
 * the stale warnings the server gives (its `stale`; the banner repeats them).
 */
export function renderFreshness({ value: sync, error }, dash) {
  const body = byId('kpi-fresh');
  const warnings = error ? [] : sync.stale;
  byId('fresh-tile').classList.toggle('tile--warn', warnings.length > 0);
  if (error) {
    renderError(body, 'The sync status', error);
    return warnings;
  }
  const now = new Date(sync.serverTime);
  const refreshed = sync.analytics?.finishedAt;
  const asOf = dash.customerStats.analyticsAsOf ?? sync.analytics?.asOf;
  renderIfChanged(body, { sync, asOf }, () => replace(body,
    pairs([['Sales synced', sync.sales.lastSyncAt], ['Customers synced', sync.customers.lastSyncAt],
      ['Products synced', sync.products.lastSyncAt], ['Analytics refreshed', refreshed]].map(([label, iso]) => [label, formatAgo(iso, now)])),
    warnings.length ? el('p', { className: 'note note--warn' }, `⚠ ${warnings.join(' ')}`)
      : asOf && el('p', { className: 'note' }, `Analytics as of ${formatDay(asOf)}`)));
  return warnings;
}

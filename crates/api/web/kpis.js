// The key-figure tiles: revenue, sales, average basket, active customers, segments, reorder,
// and data freshness (last sync of each kind, last analytics refresh, stale warnings).

import { byId, el, replace } from './dom.js';
import { addDays, formatAgo, formatChange, formatDay, formatInt, formatMoney } from './format.js';

const DAY_MS = 86_400_000;

/** Sets a tile's value and its note; `trend` ('up'|'down'|null) colours the note. */
function setTile(name, value, note = '', trend = null) {
  byId(`kpi-${name}`).textContent = value;
  const noteNode = byId(`kpi-${name}-note`);
  noteNode.textContent = note;
  noteNode.className = `tile__note${trend ? ` tile__note--${trend}` : ''}`;
}

/** "▲ +12.5% vs previous 30 days" for a change in percent (null: nothing). */
function changeNote(pct, days, previousText) {
  if (!Number.isFinite(pct)) return ['', null];
  const arrow = pct > 0 ? '▲' : pct < 0 ? '▼' : '▶';
  return [`${arrow} ${formatChange(pct)} vs previous ${days} days${previousText ? ` (${previousText})` : ''}`,
    pct > 0 ? 'up' : pct < 0 ? 'down' : null];
}

const percentChange = (now, before) => (before > 0 ? (100 * (now - before)) / before : null);

/**
 * Fills the tiles. `dash` is the dashboard response, `span` the window ({days}), `previous`
 * the previous window's totals from the trends API ({revenue, salesCount}) or null.
 */
export function renderKpis(dash, span, previous) {
  const { trend, customerStats: stats, salesTrend, reorder } = dash;
  const sales = salesTrend.reduce((sum, p) => sum + p.salesCount, 0);
  const revenue = trend.revenue;

  setTile('revenue', formatMoney(revenue),
    ...(trend.previousRevenue > 0 || Number.isFinite(trend.changePercent)
      ? changeNote(trend.changePercent, span.days, formatMoney(trend.previousRevenue))
      : [`no sales in the previous ${span.days} days`]));

  const prevSales = previous?.salesCount;
  setTile('sales', formatInt(sales),
    ...(prevSales !== undefined ? changeNote(percentChange(sales, prevSales), span.days, formatInt(prevSales)) : []));

  const basket = sales ? revenue / sales : null;
  const prevBasket = prevSales ? previous.revenue / prevSales : null;
  setTile('basket', basket === null ? '—' : formatMoney(basket),
    ...(basket !== null && prevBasket !== null
      ? changeNote(percentChange(basket, prevBasket), span.days, formatMoney(prevBasket))
      : [sales ? '' : 'no sales in the window']));

  const share = stats.total ? Math.round((100 * stats.activeInWindow) / stats.total) : 0;
  setTile('active', formatInt(stats.activeInWindow),
    `bought in the window: ${share}% of ${formatInt(stats.total)} customers`);

  const seg = stats.bySegment;
  replace(byId('kpi-segments'), el('ul', { className: 'mini-list' },
    [['New', seg.new], ['Regular', seg.regular], ['VIP', seg.vip], ['Prospect', seg.prospect]]
      .map(([label, n]) => el('li', {}, el('span', {}, label), el('strong', {}, formatInt(n))))));

  setTile('reorder', `${formatInt(reorder.orderNow)} ${reorder.orderNow === 1 ? 'product' : 'products'}`,
    reorder.orderNow ? `orders cost ${formatMoney(reorder.orderCost)}` : 'nothing to order now');
}

/**
 * Freshness: last sync per kind and last refresh, against the server's clock. Returns the
 * stale warnings (also shown in the banner).
 */
export function renderFreshness(sync, dash) {
  const tile = byId('fresh-tile');
  const body = byId('kpi-fresh');
  if (!sync) {
    replace(body, el('p', { className: 'tile__note' }, 'Sync status unavailable.'));
    return [];
  }
  const now = new Date(sync.serverTime);
  const age = (iso) => (iso ? now - new Date(iso) : Infinity);
  const warnings = [];
  if (!sync.sales.lastSyncAt) warnings.push('No sales have been synced yet.');
  else if (age(sync.sales.lastSyncAt) > DAY_MS) {
    warnings.push(`No sales synced in the last 24 hours (last ${formatAgo(sync.sales.lastSyncAt, now)}).`);
  }
  const refreshedAt = sync.analytics?.finishedAt;
  const asOf = dash?.customerStats.analyticsAsOf ?? sync.analytics?.asOf;
  if (sync.sales.records > 0 && (age(refreshedAt) > DAY_MS || (asOf && dash && asOf < addDays(dash.asOf, -1)))) {
    warnings.push(`Analytics were last refreshed ${refreshedAt ? formatAgo(refreshedAt, now) : 'never'}${asOf ? ` (as of ${formatDay(asOf)})` : ''}.`);
  }

  const row = (label, iso) => el('li', {}, el('span', {}, label), el('strong', {}, formatAgo(iso, now)));
  replace(body,
    el('ul', { className: 'mini-list' },
      row('Sales synced', sync.sales.lastSyncAt),
      row('Customers synced', sync.customers.lastSyncAt),
      row('Products synced', sync.products.lastSyncAt),
      row('Analytics refreshed', refreshedAt)),
    warnings.length
      ? el('p', { className: 'tile__note tile__note--warn' }, `⚠ ${warnings.join(' ')}`)
      : el('p', { className: 'tile__note' }, asOf ? `Analytics as of ${formatDay(asOf)}` : ''));
  tile.classList.toggle('tile--warn', warnings.length > 0);
  return warnings;
}

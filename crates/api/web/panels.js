// The list panels: top products, customer segments (doughnuts with HTML legends), upcoming
// events and the reorder list.

import { drawDoughnut } from './charts.js';
import { byId, el, errorMessage, renderError, renderIfChanged, replace, stateMessage, table } from './dom.js';
import { formatDay, formatDaySpan, formatDaysFrom, formatInt, formatMoney, formatNumber } from './format.js';

const DIRECTIONS = { up: ['▲', 'rising'], down: ['▼', 'falling'], flat: ['▶', 'steady'] };

/** "×1.8", or "closed" for a multiplier of 0. */
export const multiplierText = (m) => (m === 0 ? 'closed' : `×${formatNumber(m)}`);

/** An impact level as a badge. */
export const impactBadge = (level) => el('span', { className: `badge badge--${level}` }, `${level} impact`);

/** A trend arrow, its meaning in words for screen readers (and as a tooltip). */
function arrow(direction) {
  const [symbol, words] = DIRECTIONS[direction];
  return el('span', { className: `arrow arrow--${direction}`, title: words },
    el('span', { attrs: { 'aria-hidden': 'true' } }, symbol), el('span', { className: 'visually-hidden' }, words));
}

/**
 * Top products. `sort` is 'units' or 'revenue' for a window ranking (lines carry `units` and
 * `revenue`), else 'popularity' (`recentUnits`, the last 28 days).
 */
export function renderProducts(products, sort) {
  renderIfChanged(byId('products'), { products, sort }, (node) => {
    if (!products.length) {
      replace(node, stateMessage('empty', 'No product sales in this window. Sales with line items fill this list.'));
      return;
    }
    // The ranking's measure in bold, the other in grey: "120 units · €1,234.00".
    const metric = (p) => {
      if (sort === 'popularity') return [el('strong', {}, formatInt(p.recentUnits)), ' units in 28 days'];
      const [units, revenue] = [`${formatInt(p.units)} units`, formatMoney(p.revenue)];
      const [first, second] = sort === 'revenue' ? [revenue, units] : [units, revenue];
      return [el('strong', {}, first), el('span', { className: 'muted' }, ` · ${second}`)];
    };
    replace(node, el('ol', { className: 'ranks' }, products.map((p, i) => el('li', {},
      el('span', { className: 'rank' }, String(i + 1)),
      el('span', { className: 'name' }, p.name, p.category && el('span', { className: 'muted' }, ` · ${p.category}`)),
      el('span', { className: 'metric' }, metric(p)),
      arrow(p.direction)))));
  });
}

/** A doughnut and its legend list (the list is also its text alternative). */
function doughnut(name, slices, what) {
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  const canvas = byId(`${name}-chart`);
  canvas.setAttribute('aria-label', total
    ? `Doughnut chart of customers ${what}: ${slices.map((s) => `${s.label} ${formatInt(s.value)}`).join(', ')}.`
    : `No customers ${what} yet.`);
  renderIfChanged(byId(`${name}-legend`), slices, (legend) => replace(legend,
    slices.map((s, i) => el('li', {},
      el('span', { className: `swatch swatch--${i % 10}`, attrs: { 'aria-hidden': 'true' } }),
      el('span', {}, s.label),
      el('strong', {}, formatInt(s.value)),
      el('span', { className: 'share muted' }, total ? `${formatNumber(Math.round((1000 * s.value) / total) / 10)}%` : ''))),
    !total && el('li', { className: 'muted' }, 'No customers yet.')));
  // Without customers, or without Chart.js, the legend stands alone.
  canvas.parentElement.hidden = !drawDoughnut(canvas, total ? slices : []) || !total;
}

/**
 * Segment doughnuts: new/regular/VIP/prospect (the dashboard's `seg`), and the RFM segments
 * from the outcome of GET /api/analytics/segments (`{value}` or `{error}`, shown as such).
 */
export function renderSegments(seg, { value: segments, error }) {
  doughnut('segment', [
    { label: 'New', value: seg.new }, { label: 'Regular', value: seg.regular },
    { label: 'VIP', value: seg.vip }, { label: 'Prospect', value: seg.prospect },
  ], 'by segment');
  const rfmState = byId('rfm-state');
  renderIfChanged(rfmState, error?.message ?? null, () => replace(rfmState, error && errorMessage('The RFM segments', error)));
  byId('rfm-legend').hidden = Boolean(error);
  if (error) byId('rfm-chart').parentElement.hidden = true;
  else doughnut('rfm', segments.rfmSegments.map((s) => ({ label: s.segment, value: s.customers })), 'by RFM segment');
}

/** The dashboard's upcoming events (the next 30 days). */
export function renderUpcoming(events, today) {
  renderIfChanged(byId('upcoming'), { events, today }, (node) => replace(node, events.length
    ? el('ul', { className: 'events' }, events.map((ev) => el('li', { className: 'event' },
      el('div', { className: 'when' },
        el('strong', {}, formatDaySpan(ev.date, ev.endDate, 'short')),
        el('span', { className: 'muted' }, formatDaysFrom(today, ev.date))),
      el('div', { className: 'what' }, ev.name, el('span', { className: 'muted' }, ` · ${ev.eventType}`)),
      el('div', { className: 'impact' }, impactBadge(ev.impactLevel), multiplierText(ev.expectedDemandMultiplier)))))
    : stateMessage('empty', 'No events in the next 30 days. Add festivals, holidays and promotions in the calendar below: the forecast uses them.')));
}

const STATUS = {
  order_now: 'Order now', enough: 'Enough', no_stock_data: 'No stock data',
  no_sales_history: 'No recent sales', discontinued: 'Discontinued',
};

/**
 * The reorder list, most urgent first, from the outcome of GET /api/analytics/reorder
 * (`{value}` or `{error}`, shown as such).
 */
export function renderReorder({ value: reorder, error }) {
  const summary = byId('reorder-summary');
  if (error) {
    summary.textContent = '';
    renderError(byId('reorder'), 'The reorder list', error);
    return;
  }
  const { summary: s, items } = reorder;
  summary.textContent = `${formatInt(s.orderNow)} of ${formatInt(s.products)} products to order now`
    + (s.orderNow ? `; the orders cost ${formatMoney(s.orderCost)}` : '')
    + (s.ordersWithoutCost ? ` (${formatInt(s.ordersWithoutCost)} without a known unit cost)` : '')
    + `. Planned on ${formatDay(reorder.asOf)}; most urgent first.`;
  const known = (v, format) => (Number.isFinite(v) ? format(v) : '—');
  renderIfChanged(byId('reorder'), items, (node) => replace(node, items.length
    ? table({
      className: 'cards',
      columns: [{ label: 'Product' }, { label: 'Status' }, { label: 'Stock', numeric: true },
        { label: 'Days of cover', numeric: true }, { label: 'Order', numeric: true }, { label: 'Cost', numeric: true }],
      rows: items.map((line) => [
        [line.name, el('span', { className: 'muted' }, ` · ${line.productId}`)],
        el('span', { className: `status--${line.status}` }, STATUS[line.status]),
        known(line.stockOnHand, formatInt),
        known(line.daysOfCover, (d) => formatNumber(Math.round(d * 10) / 10)),
        line.orderQuantity ? formatInt(line.orderQuantity) : '—',
        known(line.orderCost, formatMoney),
      ]),
    })
    : stateMessage('empty', 'No products yet. The POS sends the catalogue and stock levels to /api/sync/products.')));
}

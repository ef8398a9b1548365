// The list panels: top products, customer segments (two doughnuts with HTML legends),
// upcoming events and the reorder list.

import { drawDoughnut } from './charts.js';
import { byId, el, renderIfChanged, replace, stateMessage, table } from './dom.js';
import { formatDay, formatDaySpan, formatDaysFrom, formatInt, formatMoney, formatNumber } from './format.js';
import { multiplierText } from './trend.js';

const DIRECTIONS = {
  up: ['▲', 'rising'],
  down: ['▼', 'falling'],
  flat: ['▶', 'steady'],
};

/** A trend arrow with its meaning in words (visible to screen readers, as a tooltip to others). */
function arrow(direction) {
  const [symbol, words] = DIRECTIONS[direction] ?? ['•', direction ?? 'unknown'];
  return el('span', { className: `arrow arrow--${direction}`, title: words },
    el('span', { attrs: { 'aria-hidden': 'true' } }, symbol),
    el('span', { className: 'visually-hidden' }, words));
}

/**
 * Top products. `sort` is 'units', 'revenue' or 'popularity'; products carry `units` and
 * `revenue` (window totals) when the server ranks by window.
 */
export function renderProducts(products, sort) {
  renderIfChanged(byId('products'), { products, sort }, (node) => {
    if (!products.length) {
      replace(node, stateMessage('empty', 'No product sales yet. Sales with line items fill this list.'));
      return;
    }
    const metric = (p) => {
      if (sort === 'revenue' && Number.isFinite(p.revenue)) return formatMoney(p.revenue);
      if (sort === 'units' && Number.isFinite(p.units)) return `${formatInt(p.units)} units`;
      return `${formatInt(p.recentUnits)} recent units`;
    };
    replace(node, el('ol', { className: 'rank-list' }, products.map((p, i) => el('li', {},
      el('span', { className: 'rank-list__rank' }, String(i + 1)),
      el('span', { className: 'rank-list__name' }, p.name,
        p.category && el('span', { className: 'muted' }, ` · ${p.category}`)),
      el('span', { className: 'rank-list__metric' }, metric(p)),
      arrow(p.direction)))));
  });
}

/** A doughnut with its legend list (the list is the text alternative). */
function doughnut(canvasId, legendId, slices, what) {
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  const canvas = byId(canvasId);
  const legend = byId(legendId);
  const describe = slices.map((s) => `${s.label} ${formatInt(s.value)}`).join(', ');
  canvas.setAttribute('aria-label', total ? `Doughnut chart of customers ${what}: ${describe}.` : `No customers ${what} yet.`);
  renderIfChanged(legend, slices, () => {
    replace(legend, slices.map((s, i) => el('li', {},
      el('span', { className: `swatch swatch--${i % 10}`, attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'legend__label' }, s.label),
      el('strong', {}, formatInt(s.value)),
      el('span', { className: 'muted' }, total ? ` ${formatNumber((100 * s.value) / total)}%` : ''))));
    if (!total) legend.append(el('li', { className: 'muted' }, 'No customers yet.'));
  });
  drawDoughnut(canvas, total ? slices : []);
}

/** Segment doughnuts: new/regular/VIP/prospect, and the RFM segments (if loaded). */
export function renderSegments(bySegment, rfmSegments) {
  doughnut('segment-chart', 'segment-legend', [
    { label: 'New', value: bySegment.new },
    { label: 'Regular', value: bySegment.regular },
    { label: 'VIP', value: bySegment.vip },
    { label: 'Prospect', value: bySegment.prospect },
  ], 'by segment');
  doughnut('rfm-chart', 'rfm-legend',
    (rfmSegments ?? []).map((s) => ({ label: s.segment, value: s.customers })), 'by RFM segment');
}

/** An impact level as a badge. */
export const impactBadge = (level) => el('span', { className: `badge badge--${level}` }, `${level} impact`);

/** The dashboard's upcoming events (next 30 days). */
export function renderUpcoming(events, today) {
  renderIfChanged(byId('upcoming'), { events, today }, (node) => {
    if (!events.length) {
      replace(node, stateMessage('empty', 'No events in the next 30 days. Add festivals, holidays and promotions in the calendar below: the forecast uses them.'));
      return;
    }
    replace(node, el('ul', { className: 'event-list' }, events.map((ev) => el('li', { className: 'event' },
      el('div', { className: 'event__when' },
        el('strong', {}, formatDaySpan(ev.date, ev.endDate, 'short')),
        el('span', { className: 'muted' }, formatDaysFrom(today, ev.date))),
      el('div', { className: 'event__what' },
        el('span', { className: 'event__name' }, ev.name),
        el('span', { className: 'muted' }, ` · ${ev.eventType}`)),
      el('div', { className: 'event__impact' }, impactBadge(ev.impactLevel),
        el('span', { className: 'event__mult' }, multiplierText(ev.expectedDemandMultiplier)))))));
  });
}

const STATUS = {
  order_now: 'Order now',
  enough: 'Enough',
  no_stock_data: 'No stock data',
  no_sales_history: 'No recent sales',
  discontinued: 'Discontinued',
};

/**
 * The reorder list by urgency. `reorder` is GET /api/analytics/reorder's answer, or, when it
 * failed, null and the dashboard's summary `fallback` ({orderNow, orderCost, mostUrgent}).
 */
export function renderReorder(reorder, fallback) {
  const items = reorder ? reorder.items : fallback.mostUrgent;
  const summary = byId('reorder-summary');
  if (reorder) {
    const s = reorder.summary;
    summary.textContent = `${formatInt(s.orderNow)} of ${formatInt(s.products)} products to order now`
      + (s.orderNow ? `; the orders cost ${formatMoney(s.orderCost)}` : '')
      + (s.ordersWithoutCost ? ` (${formatInt(s.ordersWithoutCost)} without a known unit cost)` : '')
      + `. Planned on ${formatDay(reorder.asOf)}; most urgent first.`;
  } else {
    summary.textContent = `${formatInt(fallback.orderNow)} products to order now; the full list is unavailable.`;
  }
  renderIfChanged(byId('reorder'), items, (node) => {
    if (!items.length) {
      replace(node, stateMessage('empty', 'No products yet. The POS sends the catalogue and stock levels to /api/sync/products.'));
      return;
    }
    const num = (v, digits) => (Number.isFinite(v) ? formatNumber(Number(v.toFixed(digits))) : '—');
    replace(node, table({
      caption: 'Reorder list, most urgent first',
      captionHidden: true,
      className: 'data data--cards',
      columns: [
        { label: 'Product' }, { label: 'Status' }, { label: 'Stock', numeric: true },
        { label: 'Days of cover', numeric: true }, { label: 'Order', numeric: true }, { label: 'Cost', numeric: true },
      ],
      rows: items.map((line) => [
        el('span', {}, line.name, el('span', { className: 'muted' }, ` · ${line.productId}`)),
        el('span', { className: `status status--${line.status}` }, STATUS[line.status] ?? line.status),
        Number.isFinite(line.stockOnHand) ? formatInt(line.stockOnHand) : '—',
        num(line.daysOfCover, 1),
        line.orderQuantity ? formatInt(line.orderQuantity) : '—',
        Number.isFinite(line.orderCost) ? formatMoney(line.orderCost) : '—',
      ]),
    }));
  });
}

// The sales trend panel: builds the chart's series from the dashboard, the trends API (the
// 7-day moving average, as the API computes it), the forecast and the calendar, and writes
// the chart's text alternatives (the canvas's aria-label and a table of every day).

import { drawTrendChart } from './charts.js';
import { byId, el, errorMessage, renderIfChanged, replace, stateMessage, table } from './dom.js';
import { addDays, dayRange, formatDay, formatDaySpan, formatInt, formatMoney, formatShare } from './format.js';
import { multiplierText } from './panels.js';

const canvas = byId('trend-chart');
const sum = (values) => values.reduce((a, b) => a + (b ?? 0), 0);

/** How the forecast used an event: "×1.62 learned from 2 past occurrences of the same event". */
function adjustmentDetail(a) {
  if (a.source !== 'learned') return `${multiplierText(a.multiplier)} as declared`;
  const basis = a.basis === 'same_type' ? 'events of its type' : 'the same event';
  const count = Number.isFinite(a.occurrences)
    ? `${formatInt(a.occurrences)} past occurrence${a.occurrences === 1 ? '' : 's'} of ` : '';
  return `${multiplierText(a.multiplier)} learned from ${count}${basis}`;
}

const adjustmentText = (a) => `${a.name}${a.phase === 'build_up' ? ' build-up' : ''}: ${adjustmentDetail(a)}`;

/**
 * The chart's series, one value per day from the window's first day to the forecast's last
 * (null where a series has none): the dashboard's days, the trends API's `points`, the
 * forecast's days and the calendar's events (each empty when not loaded).
 */
function buildSeries(dash, span, points, forecastDays, events) {
  const end = forecastDays.at(-1)?.date;
  const labels = dayRange(span.from, end > span.to ? end : span.to);
  const index = new Map(labels.map((d, i) => [d, i]));
  const empty = () => labels.map(() => null);
  const [revenue, count, average, fc, low, high] = [empty(), empty(), empty(), empty(), empty(), empty()];
  const forecastNotes = labels.map(() => []);
  const eventNotes = labels.map(() => []);
  const eventSpans = [];

  for (const p of dash.salesTrend) {
    revenue[index.get(p.date)] = p.revenue;
    count[index.get(p.date)] = p.salesCount;
  }
  // The API's 7-day moving average (a day has none when the range is under 7 days).
  for (const p of points) {
    if (index.has(p.period) && p.revenueMovingAverage7 !== undefined) average[index.get(p.period)] = p.revenueMovingAverage7;
  }

  for (const day of forecastDays) {
    const i = index.get(day.date);
    [fc[i], low[i], high[i]] = [day.revenue.forecast, day.revenue.lower80, day.revenue.upper80];
    forecastNotes[i] = day.revenue.events.map(adjustmentText);
  }
  // The forecast continues the revenue line: it starts from the last actual day before it.
  const joint = forecastDays.length ? index.get(forecastDays[0].date) - 1 : -1;
  if (joint >= 0 && revenue[joint] !== null) fc[joint] = low[joint] = high[joint] = revenue[joint];

  // Calendar events: their days are shaded and marked on the axis; hovering tells what they are.
  const adjustmentsOn = new Map(forecastDays.map((d) => [d.date, d.revenue.events]));
  for (const ev of events) {
    const first = ev.date < labels[0] ? labels[0] : ev.date;
    const last = (ev.endDate ?? ev.date) > labels.at(-1) ? labels.at(-1) : (ev.endDate ?? ev.date);
    if (first > last) continue;
    eventSpans.push([index.get(first), index.get(last)]);
    for (const day of dayRange(first, last)) {
      const i = index.get(day);
      eventNotes[i].push(`▲ ${ev.name} (${ev.eventType}): ${ev.impactLevel} impact, ${multiplierText(ev.expectedDemandMultiplier)} declared`);
      for (const a of adjustmentsOn.get(day) ?? []) {
        if (a.name !== ev.name || a.phase === 'build_up') continue;
        eventNotes[i].push(`   forecast: ${adjustmentDetail(a)}`);
        forecastNotes[i] = forecastNotes[i].filter((note) => note !== adjustmentText(a)); // said once
      }
    }
  }
  return { labels, revenue, count, average, forecast: fc, lower80: low, upper80: high, forecastNotes, eventNotes, eventSpans, forecastDays };
}

/** What a screen reader hears for the chart. */
function summarise(series, span, dash) {
  const best = series.revenue.reduce((b, v, i) => (v > (series.revenue[b] ?? 0) ? i : b), 0);
  const parts = [`Sales trend ${formatDaySpan(span.from, span.to)}: revenue ${formatMoney(sum(series.revenue))} from ${formatInt(sum(series.count))} sales`];
  if (series.revenue[best] > 0) parts.push(`the best day was ${formatDay(series.labels[best])} with ${formatMoney(series.revenue[best])}`);
  parts.push(`trend ${dash.trend.direction}`);
  const days = series.forecastDays;
  if (days.length) parts.push(`forecast for ${formatDaySpan(days[0].date, days.at(-1).date)}: ${formatMoney(sum(days.map((d) => d.revenue.forecast)))}`);
  if (series.eventSpans.length) parts.push(`${series.eventSpans.length} calendar events marked`);
  return `${parts.join('; ')}. Every day is in the table below the chart.`;
}

/** Every day as a table: the chart's full text alternative. */
function dataTable(series) {
  const money = (v) => (v === null ? '' : formatMoney(v));
  return table({
    caption: 'Revenue, sales, 7-day average, forecast and events per day',
    columns: [{ label: 'Day' }, { label: 'Revenue', numeric: true }, { label: 'Sales', numeric: true },
      { label: '7-day average', numeric: true }, { label: 'Forecast', numeric: true },
      { label: '80% range', numeric: true }, { label: 'Events' }],
    rows: series.labels.map((day, i) => {
      const forecast = series.forecast[i] !== null && series.lower80[i] !== series.upper80[i];
      return [formatDay(day, 'long'), money(series.revenue[i]),
        series.count[i] === null ? '' : formatInt(series.count[i]), money(series.average[i]),
        forecast ? money(series.forecast[i]) : '',
        forecast ? `${money(series.lower80[i])} – ${money(series.upper80[i])}` : '',
        [...series.eventNotes[i], ...series.forecastNotes[i]].join('; ')];
    }),
  });
}

/**
 * The forecast's track record from the accuracy report (revenue): how far off it was over
 * the last weeks, beside "the same day last week", and which did better; `null` when there
 * is nothing to say (not asked for, or no figures).
 */
export function accuracyText(report) {
  const revenue = report?.revenue;
  if (!report) return null;
  if (!Number.isFinite(revenue?.wape) || !Number.isFinite(revenue?.naiveWape)) {
    return 'Forecast track record: not enough sales history yet to check the forecast against what sold.';
  }
  const since = revenue.origins.length ? ` since ${formatDay(revenue.origins[0])}` : '';
  const verdict = revenue.wape < revenue.naiveWape
    ? 'the forecast did better.'
    : 'the simple guess did as well or better lately: read the forecast with care.';
  return `Forecast track record${since}: daily revenue forecasts were off by ${formatShare(revenue.wape)} `
    + `of what sold, against ${formatShare(revenue.naiveWape)} for "the same weekday last week": ${verdict}`;
}

/**
 * Draws the trend panel from the dashboard and the outcomes (`{value}` or `{error}`) of the
 * trends, forecast and its accuracy (`{value: null}` when not asked for) and calendar calls:
 * what failed is said under the chart, and the rest is drawn. Without sales in the window,
 * and the latest sale (`latestSaleDay`) before it, it offers `onShowRange(from, to)`: the 30
 * days to that sale.
 */
export function renderTrend({ dash, span, trends, forecast, accuracy, calendar, latestSaleDay, onShowRange }) {
  const forecastDays = (forecast.value?.forecast ?? []).filter((d) => d.revenue && d.date >= span.from);
  const series = buildSeries(dash, span, trends.value?.points ?? [], forecastDays, calendar.value?.events ?? []);
  const failures = [['The 7-day average', trends.error], ['The forecast', forecast.error],
    ["The forecast's track record", accuracy.error], ['The calendar events', calendar.error]]
    .filter(([, error]) => error);
  const record = byId('forecast-accuracy');
  record.textContent = accuracyText(accuracy.value) ?? '';
  record.hidden = !record.textContent;
  const hasSales = series.count.some((c) => c > 0);
  const hasAverage = series.average.some((v) => v !== null);
  const days = series.forecastDays;
  byId('trend-summary').textContent = `${formatDaySpan(span.from, span.to)}. Revenue per day (line, left axis) and `
    + 'number of sales (bars, right axis)'
    + (hasAverage ? ', with the 7-day average' : '')
    + (days.length ? ` and the forecast with its 80% range to ${formatDay(days.at(-1).date)}` : '')
    + (series.eventSpans.length ? '. ▲ marks calendar events (hover or tap for details).' : '.');
  canvas.setAttribute('aria-label', summarise(series, span, dash));
  const drawn = drawTrendChart(canvas, series);
  // An empty grid says nothing: without sales the message stands alone.
  canvas.parentElement.classList.toggle('chart--off', !drawn || !hasSales);
  renderIfChanged(byId('trend-table'), series, (node) => replace(node, dataTable(series)));

  const stale = !hasSales && latestSaleDay && latestSaleDay < span.from ? latestSaleDay : null;
  const failed = failures.map(([what, error]) => [what, error.message]);
  renderIfChanged(byId('trend-state'), { drawn, hasSales, stale, failed }, (node) => {
    let message = null;
    if (!drawn) message = stateMessage('error', 'The chart library did not load; the numbers are in the table below.');
    else if (stale) {
      message = stateMessage('empty', `No sales in this window. The latest sale was on ${formatDay(stale)}. `,
        el('button', { type: 'button', on: { click: () => onShowRange(addDays(stale, -29), stale) } },
          `Show the 30 days to ${formatDay(stale)}`));
    } else if (!hasSales) message = stateMessage('empty', 'No sales in this window.');
    replace(node, failures.map(([what, error]) => errorMessage(what, error)), message);
  });
}

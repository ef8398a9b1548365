// The sales trend panel: assembles the chart's series from the dashboard, the trends API
// (7-day moving average), the forecast and the calendar, and writes its text alternatives
// (the canvas's aria-label and a table of every day).

import { drawTrendChart, chartsAvailable } from './charts.js';
import { byId, el, replace, stateMessage, table } from './dom.js';
import {
  addDays, dayRange, formatDay, formatDaySpan, formatInt, formatMoney, formatNumber,
} from './format.js';

const canvas = byId('trend-chart');

/** "×1.8", or "closed" for a multiplier of 0. */
export const multiplierText = (m) => (m === 0 ? 'closed' : `×${formatNumber(m)}`);

/** How the forecast used an event: "×1.62 learned from 2 past occurrences of the same event". */
function adjustmentDetail(a) {
  if (a.source !== 'learned') return `${multiplierText(a.multiplier)} as declared`;
  const basis = a.basis === 'same_type' ? 'events of its type' : 'the same event';
  const count = Number.isFinite(a.occurrences)
    ? `${formatInt(a.occurrences)} past occurrence${a.occurrences === 1 ? '' : 's'} of ` : '';
  return `${multiplierText(a.multiplier)} learned from ${count}${basis}`;
}

const adjustmentText = (a) => `${a.name}${a.phase === 'build_up' ? ' build-up' : ''}: ${adjustmentDetail(a)}`;

/** Trailing 7-day mean over the points available (when the trends API gave none). */
function movingAverage(values) {
  return values.map((_, i) => {
    const slice = values.slice(Math.max(0, i - 6), i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

/**
 * Builds the chart series. `span` is the window {from, to}; `trends` the trends response
 * over the window (or null), `forecast` the forecast response (or null), `events` the
 * calendar events to mark.
 */
function buildSeries(dash, span, trends, forecast, events) {
  const forecastDays = (forecast?.forecast ?? []).filter((d) => d.revenue && d.date >= span.from);
  const last = forecastDays.length ? forecastDays.at(-1).date : span.to;
  const labels = dayRange(span.from, last > span.to ? last : span.to);
  const index = new Map(labels.map((d, i) => [d, i]));
  const empty = () => labels.map(() => null);

  const revenue = empty();
  const count = empty();
  for (const p of dash.salesTrend) {
    if (index.has(p.date)) {
      revenue[index.get(p.date)] = p.revenue;
      count[index.get(p.date)] = p.salesCount;
    }
  }

  let average = empty();
  const apiAverage = (trends?.points ?? []).filter((p) => Number.isFinite(p.revenueMovingAverage7));
  if (apiAverage.length) {
    for (const p of apiAverage) if (index.has(p.period)) average[index.get(p.period)] = p.revenueMovingAverage7;
  } else {
    const known = dash.salesTrend.filter((p) => index.has(p.date));
    const means = movingAverage(known.map((p) => p.revenue));
    known.forEach((p, i) => { average[index.get(p.date)] = means[i]; });
  }
  if (average.every((v) => v === null)) average = empty();

  // The forecast continues the revenue line: it starts at the last actual day before it.
  const fc = empty();
  const low = empty();
  const high = empty();
  const forecastNotes = labels.map(() => []);
  for (const day of forecastDays) {
    const i = index.get(day.date);
    fc[i] = day.revenue.forecast;
    low[i] = day.revenue.lower80;
    high[i] = day.revenue.upper80;
    forecastNotes[i] = (day.revenue.events ?? []).map(adjustmentText);
  }
  if (forecastDays.length) {
    const joint = index.get(forecastDays[0].date) - 1;
    if (joint >= 0 && revenue[joint] !== null) {
      fc[joint] = revenue[joint];
      low[joint] = revenue[joint];
      high[joint] = revenue[joint];
    }
  }

  // Calendar events: shade their days, mark each day on the axis, describe them on hover.
  const eventNotes = labels.map(() => []);
  const eventSpans = [];
  const adjustmentsOn = new Map(forecastDays.map((d) => [d.date, d.revenue.events ?? []]));
  for (const ev of events) {
    const first = ev.date < labels[0] ? labels[0] : ev.date;
    const end = ev.endDate ?? ev.date;
    const lastDay = end > labels.at(-1) ? labels.at(-1) : end;
    if (first > lastDay) continue;
    eventSpans.push([index.get(first), index.get(lastDay)]);
    for (const day of dayRange(first, lastDay)) {
      const i = index.get(day);
      eventNotes[i].push(`▲ ${ev.name} (${ev.eventType}): ${ev.impactLevel} impact, ${multiplierText(ev.expectedDemandMultiplier)} declared`);
      for (const a of adjustmentsOn.get(day) ?? []) {
        if (a.name === ev.name && a.phase !== 'build_up') eventNotes[i].push(`   forecast: ${adjustmentDetail(a)}`);
      }
    }
  }

  return { labels, revenue, count, average, forecast: fc, lower80: low, upper80: high, forecastNotes, eventNotes, eventSpans, forecastDays };
}

/** The summary a screen reader hears for the chart. */
function summarise(series, span, dash) {
  const actual = series.labels.map((d, i) => [d, series.revenue[i]]).filter(([, v]) => v !== null);
  const total = actual.reduce((sum, [, v]) => sum + v, 0);
  const sales = series.count.reduce((sum, v) => sum + (v ?? 0), 0);
  const best = actual.reduce((a, b) => (b[1] > (a?.[1] ?? -1) ? b : a), null);
  const parts = [`Sales trend from ${formatDaySpan(span.from, span.to)}: revenue ${formatMoney(total)} from ${formatInt(sales)} sales`];
  if (best && best[1] > 0) parts.push(`the best day was ${formatDay(best[0])} with ${formatMoney(best[1])}`);
  parts.push(`trend ${dash.trend.direction}`);
  if (series.forecastDays.length) {
    const next = series.forecastDays.reduce((sum, d) => sum + d.revenue.forecast, 0);
    parts.push(`forecast for ${formatDaySpan(series.forecastDays[0].date, series.forecastDays.at(-1).date)}: ${formatMoney(next)}`);
  }
  const marked = series.eventSpans.length;
  if (marked) parts.push(`${marked} calendar event${marked === 1 ? '' : 's'} marked`);
  return `${parts.join('; ')}. Every day is in the table below the chart.`;
}

/** The table of every day (the chart's full text alternative). */
function dataTable(series) {
  const money = (v) => (v === null ? '' : formatMoney(v));
  return table({
    caption: 'Revenue, sales, 7-day average, forecast and events per day',
    columns: [
      { label: 'Day' }, { label: 'Revenue', numeric: true }, { label: 'Sales', numeric: true },
      { label: '7-day average', numeric: true }, { label: 'Forecast', numeric: true },
      { label: '80% range', numeric: true }, { label: 'Events' },
    ],
    rows: series.labels.map((day, i) => {
      const isForecast = series.forecast[i] !== null && series.lower80[i] !== series.upper80[i];
      return [
        formatDay(day, 'long'), money(series.revenue[i]),
        series.count[i] === null ? '' : formatInt(series.count[i]), money(series.average[i]),
        isForecast ? money(series.forecast[i]) : '',
        isForecast ? `${money(series.lower80[i])} – ${money(series.upper80[i])}` : '',
        [...series.eventNotes[i], ...series.forecastNotes[i]].join('; '),
      ];
    }),
  });
}

/**
 * Draws the trend panel. `noSales` (the store has no sales at all) and the latest sale's day
 * decide the empty state's advice; `onShowRange(from, to)` backs its button.
 */
export function renderTrend({ dash, span, trends, forecast, events, latestSaleDay, onShowRange }) {
  const series = buildSeries(dash, span, trends, forecast, events);
  const hasSales = series.count.some((c) => c > 0);
  const description = [`${formatDaySpan(span.from, span.to)}.`,
    'Revenue per day (line, left axis) and number of sales (bars, right axis), with the 7-day average'];
  if (series.forecastDays.length) description.push(`and the forecast with its 80% range to ${formatDay(series.forecastDays.at(-1).date)}`);
  if (series.eventSpans.length) description.push('; ▲ marks calendar events (hover for details)');
  byId('trend-summary').textContent = `${description.join(' ')}.`;

  canvas.setAttribute('aria-label', summarise(series, span, dash));
  const drawn = drawTrendChart(canvas, series);
  replace(byId('trend-table'), dataTable(series));

  const state = byId('trend-state');
  if (!drawn) {
    replace(state, stateMessage('error', 'The chart library did not load; the numbers are in the table below.'));
  } else if (!hasSales && latestSaleDay && latestSaleDay < span.from) {
    const from = addDays(latestSaleDay, -29);
    replace(state, stateMessage('empty',
      `No sales in this window. The latest sale was on ${formatDay(latestSaleDay)}. `,
      el('button', { type: 'button', className: 'button', on: { click: () => onShowRange(from, latestSaleDay) } },
        `Show the 30 days to ${formatDay(latestSaleDay)}`)));
  } else if (!hasSales) {
    replace(state, stateMessage('empty', 'No sales in this window.'));
  } else {
    replace(state);
  }
  canvas.parentElement.classList.toggle('chart-box--empty', !chartsAvailable());
}

// Chart.js charts (the vendored UMD build defines window.Chart). Colours come from the CSS
// custom properties in styles.css, so light and dark mode are decided in one place; the
// charts are drawn again when the colour scheme changes. Each chart's text alternative
// (aria-label, tables, legends) is written by the caller.

import { formatDay, formatInt, formatMoney, formatMoneyCompact, formatNumber } from './format.js';

const drawn = new Map(); // canvas → { chart, draw } (draw re-creates it from scratch)
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

/** Whether Chart.js loaded; without it the page shows the text alternatives only. */
export const chartsAvailable = () => typeof window.Chart === 'function';

/** Reads a CSS custom property of the root element (e.g. '--chart-revenue'). */
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** The categorical palette (--c0 ... --c9), shared with the HTML legends' swatches. */
export const paletteColor = (i) => cssVar(`--c${i % 10}`);

function applyTheme() {
  const { defaults } = window.Chart;
  defaults.color = cssVar('--chart-text');
  defaults.borderColor = cssVar('--chart-grid');
  defaults.font.family = getComputedStyle(document.body).fontFamily;
  defaults.animation = reducedMotion.matches ? false : { duration: 300 };
}

/** Creates the chart on `canvas`, or updates the existing one in place (no flicker). */
function upsert(canvas, makeConfig) {
  if (!chartsAvailable()) return false;
  applyTheme();
  const draw = () => {
    drawn.get(canvas)?.chart.destroy();
    applyTheme();
    drawn.set(canvas, { chart: new window.Chart(canvas, makeConfig()), draw });
  };
  const existing = drawn.get(canvas);
  if (existing) {
    const config = makeConfig();
    existing.draw = draw;
    existing.chart.data = config.data;
    existing.chart.options = config.options;
    existing.chart.update('none');
  } else {
    draw();
  }
  return true;
}

// Light/dark switch: draw every chart again with the new colours.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const { draw } of [...drawn.values()]) draw();
});

/** The largest finite number in the arrays (0 if none). */
const maxOf = (...arrays) => Math.max(0, ...arrays.flat().filter(Number.isFinite));

/** Rounds up to a round axis limit (1, 1.5, 2, ... × a power of ten); undefined for 0. */
function niceCeil(x) {
  if (!(x > 0)) return undefined;
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}

/**
 * Shades each calendar event's days behind the trend chart's data. Spans are index ranges
 * kept on the events dataset (`eventSpans`).
 */
const eventBands = {
  id: 'eventBands',
  beforeDatasetsDraw(chart) {
    const spans = chart.data.datasets.find((d) => d.eventSpans)?.eventSpans ?? [];
    const { ctx, chartArea, scales: { x } } = chart;
    if (!spans.length || !x) return;
    const half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 || 4;
    ctx.save();
    ctx.fillStyle = cssVar('--chart-event-band');
    for (const [start, end] of spans) {
      const left = Math.max(chartArea.left, x.getPixelForValue(start) - half);
      const right = Math.min(chartArea.right, x.getPixelForValue(end) + half);
      if (right > left) ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
    }
    ctx.restore();
  },
};

/**
 * The sales trend: revenue (line) and sale count (bars, right axis) per day, the 7-day moving
 * average, the forecast with its 80% band, and calendar events as markers on the axis.
 *
 * `series`: {labels: [day], revenue, count, average, forecast, lower80, upper80: arrays
 * aligned with labels (null where absent), eventNotes: [[line]] (tooltip lines per day,
 * empty where no event), eventSpans: [[startIndex, endIndex]], forecastNotes: [[line]]}.
 */
export function drawTrendChart(canvas, series) {
  return upsert(canvas, () => {
    const colour = {
      revenue: cssVar('--chart-revenue'), count: cssVar('--chart-count'), average: cssVar('--chart-average'),
      forecast: cssVar('--chart-forecast'), band: cssVar('--chart-band'), event: cssVar('--chart-event'),
    };
    const line = (label, data, color, extra = {}) => ({
      type: 'line', label, data, borderColor: color, backgroundColor: color, yAxisID: 'y',
      borderWidth: 2, pointRadius: 0, pointHoverRadius: 4, tension: 0.25, spanGaps: false, order: 1, ...extra,
    });
    const markers = series.eventNotes.map((notes) => (notes.length ? 0 : null));
    // Keep the revenue readable: a wide forecast band may run off the top (the table and
    // tooltips give it exactly), and the bars keep to the lower half.
    const peak = maxOf(series.revenue, series.average, series.forecast);
    const yMax = maxOf(series.upper80) > peak * 1.5 ? niceCeil(peak * 1.5) : undefined;
    const y1Max = niceCeil(maxOf(series.count) * 1.8);
    return {
      type: 'bar',
      data: {
        labels: series.labels,
        datasets: [
          { type: 'bar', label: 'Sales', data: series.count, yAxisID: 'y1', order: 5,
            backgroundColor: colour.count, borderRadius: 2, maxBarThickness: 18 },
          line('Revenue', series.revenue, colour.revenue, { order: 2 }),
          line('7-day average', series.average, colour.average, { borderDash: [2, 3], borderWidth: 2 }),
          line('80% range (low)', series.lower80, 'transparent', { band: true, pointHoverRadius: 0, order: 4 }),
          line('80% forecast range', series.upper80, 'transparent',
            { band: true, pointHoverRadius: 0, fill: '-1', backgroundColor: colour.band, order: 4 }),
          line('Forecast', series.forecast, colour.forecast, { borderDash: [6, 4], order: 3, notes: series.forecastNotes }),
          line('Events', markers, colour.event, {
            showLine: false, pointStyle: 'triangle', pointRadius: 7, pointHoverRadius: 9, clip: false,
            order: 0, notes: series.eventNotes, eventSpans: series.eventSpans,
          }),
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            grid: { display: false },
            ticks: {
              autoSkip: true, maxRotation: 0, autoSkipPadding: 12,
              callback(value) { return formatDay(this.getLabelForValue(value), 'short'); },
            },
          },
          y: { beginAtZero: true, max: yMax, ticks: { callback: (v) => formatMoneyCompact(v), maxTicksLimit: 6 } },
          y1: {
            beginAtZero: true, max: y1Max, position: 'right', grid: { drawOnChartArea: false },
            ticks: { precision: 0, maxTicksLimit: 6 }, title: { display: true, text: 'Sales' },
          },
        },
        plugins: {
          legend: {
            labels: { usePointStyle: true, boxHeight: 8, filter: (item, data) => !data.datasets[item.datasetIndex].band },
          },
          tooltip: {
            filter: (item) => item.raw !== null && !item.dataset.band,
            callbacks: {
              title: (items) => formatDay(items[0]?.label, 'long'),
              label(item) {
                const { dataset, raw, dataIndex } = item;
                if (dataset.label === 'Events') return dataset.notes[dataIndex];
                if (dataset.yAxisID === 'y1') return `${dataset.label}: ${formatInt(raw)}`;
                return `${dataset.label}: ${formatMoney(raw)}`;
              },
              afterLabel(item) {
                const { dataset, dataIndex } = item;
                if (dataset.label !== 'Forecast') return '';
                const low = series.lower80[dataIndex];
                const high = series.upper80[dataIndex];
                const range = low === null ? [] : [`80% range: ${formatMoney(low)} – ${formatMoney(high)}`];
                return [...range, ...(dataset.notes[dataIndex] ?? [])];
              },
            },
          },
        },
      },
      plugins: [eventBands],
    };
  });
}

/**
 * A doughnut of counts. `slices`: [{label, value}] (colours are the palette in order, as in
 * the HTML legend the caller draws beside it).
 */
export function drawDoughnut(canvas, slices) {
  return upsert(canvas, () => {
    const total = slices.reduce((sum, s) => sum + s.value, 0);
    return {
      type: 'doughnut',
      data: {
        labels: slices.map((s) => s.label),
        datasets: [{
          data: slices.map((s) => s.value),
          backgroundColor: slices.map((_, i) => paletteColor(i)),
          borderColor: cssVar('--surface'),
          borderWidth: 2,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        cutout: '60%',
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item) => `${item.label}: ${formatInt(item.raw)} (${formatNumber(total ? (100 * item.raw) / total : 0)}%)`,
            },
          },
        },
      },
    };
  });
}

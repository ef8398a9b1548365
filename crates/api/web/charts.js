// Chart.js charts (the vendored UMD build defines window.Chart). Colours are CSS custom
// properties of styles.css, so light and dark live in one place; the charts are drawn again
// when the colour scheme changes. Their text alternatives are written by the callers.

import { formatDay, formatInt, formatMoney, formatMoneyCompact } from './format.js';

const drawn = new Map(); // canvas → {chart, draw}: draw() makes it again from scratch
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const maxOf = (...arrays) => Math.max(0, ...arrays.flat().filter(Number.isFinite));

/** A round axis limit at or above x: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten. */
function niceCeil(x) {
  const power = 10 ** Math.floor(Math.log10(x));
  return x > 0 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * power).find((limit) => limit >= x) : undefined;
}

/**
 * Draws a chart on `canvas` (`makeConfig()` gives its type, data, options and plugins), or
 * updates the one there in place, without animation. False when Chart.js did not load.
 */
function upsert(canvas, makeConfig) {
  if (typeof window.Chart !== 'function') return false;
  const configure = () => {
    Object.assign(window.Chart.defaults, { color: cssVar('--chart-text'), borderColor: cssVar('--chart-grid') });
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    const config = makeConfig();
    Object.assign(config.options, { responsive: true, maintainAspectRatio: false, animation: reducedMotion.matches ? false : { duration: 300 } });
    return config;
  };
  const draw = () => {
    drawn.get(canvas)?.chart.destroy();
    drawn.set(canvas, { chart: new window.Chart(canvas, configure()), draw });
  };
  const existing = drawn.get(canvas);
  if (!existing) draw();
  else {
    const { data, options } = configure();
    Object.assign(existing, { draw });
    Object.assign(existing.chart, { data, options }).update('none');
  }
  return true;
}

matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => [...drawn.values()].forEach(({ draw }) => draw()));

/** Shades each calendar event's days (`eventSpans`, index ranges on a dataset) behind the data. */
const eventBands = {
  id: 'eventBands',
  beforeDatasetsDraw({ ctx, chartArea: area, scales: { x }, data }) {
    const spans = data.datasets.find((d) => d.eventSpans)?.eventSpans ?? [];
    const half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 || 4;
    ctx.save();
    ctx.fillStyle = cssVar('--chart-event-band');
    for (const [start, end] of spans) {
      const left = Math.max(area.left, x.getPixelForValue(start) - half);
      const right = Math.min(area.right, x.getPixelForValue(end) + half);
      if (right > left) ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
    }
    ctx.restore();
  },
};

/**
 * The sales trend: revenue (line) and sale count (bars, right axis) per day, the 7-day
 * average, the forecast with its 80% band, calendar events as ▲ on the axis. `series` has
 * `labels` (days) and, aligned with them (null where absent), `revenue`, `count`, `average`,
 * `forecast`, `lower80`, `upper80`, `eventNotes` and `forecastNotes` (tooltip lines per
 * day), besides `eventSpans` ([first, last] indices).
 */
export function drawTrendChart(canvas, series) {
  return upsert(canvas, () => {
    const line = (label, data, colour, extra) => ({
      type: 'line', label, data, borderColor: cssVar(colour), backgroundColor: cssVar(colour), yAxisID: 'y',
      borderWidth: 2, pointRadius: 0, pointHoverRadius: 4, tension: 0.25, order: 1, ...extra,
    });
    const band = { band: true, borderColor: 'transparent', pointHoverRadius: 0, order: 4 };
    // Revenue stays readable: a wide forecast band may run off the top (the tooltips and the
    // table give it exactly), and the bars keep to the lower half.
    const peak = maxOf(series.revenue, series.average, series.forecast);
    const narrow = canvas.parentElement.clientWidth < 500; // a phone: smaller type
    const font = narrow ? { size: 10 } : undefined;
    return {
      type: 'bar',
      data: {
        labels: series.labels,
        datasets: [
          { label: 'Sales', data: series.count, yAxisID: 'y1', order: 5, backgroundColor: cssVar('--chart-count'), borderRadius: 2, maxBarThickness: 18 },
          line('Revenue', series.revenue, '--chart-revenue', { order: 2 }),
          line('7-day average', series.average, '--chart-average', { borderDash: [2, 3] }),
          line('80% range (low)', series.lower80, '--chart-band', { ...band, edge: true }),
          line('80% forecast range', series.upper80, '--chart-band', { ...band, fill: '-1' }),
          line('Forecast', series.forecast, '--chart-forecast', { borderDash: [6, 4], order: 3, notes: series.forecastNotes }),
          line('Events', series.eventNotes.map((notes) => (notes.length ? 0 : null)), '--chart-event', {
            showLine: false, pointStyle: 'triangle', pointRadius: 7, pointHoverRadius: 9, clip: false, order: 0,
            notes: series.eventNotes, eventSpans: series.eventSpans,
          }),
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            grid: { display: false },
            ticks: { maxRotation: 0, autoSkipPadding: 12, font, callback(i) { return formatDay(this.getLabelForValue(i), 'short'); } },
          },
          y: {
            beginAtZero: true, max: maxOf(series.upper80) > peak * 1.5 ? niceCeil(peak * 1.5) : undefined,
            ticks: { callback: formatMoneyCompact, maxTicksLimit: 6, font },
          },
          y1: {
            beginAtZero: true, max: niceCeil(maxOf(series.count) * 1.8), position: 'right', grid: { drawOnChartArea: false },
            ticks: { precision: 0, maxTicksLimit: 6, font }, title: { display: !narrow, text: 'Sales' },
          },
        },
        plugins: {
          legend: {
            labels: {
              usePointStyle: true, boxHeight: 8, font,
              // Only what is drawn, and the band once.
              filter: ({ datasetIndex }, { datasets }) => !datasets[datasetIndex].edge && datasets[datasetIndex].data.some((v) => v !== null),
            },
          },
          tooltip: {
            filter: ({ raw, dataset }) => raw !== null && !dataset.band,
            callbacks: {
              title: ([item]) => formatDay(item?.label, 'long'),
              label: ({ dataset, raw, dataIndex }) => (dataset.label === 'Events' ? dataset.notes[dataIndex]
                : `${dataset.label}: ${dataset.yAxisID === 'y1' ? formatInt(raw) : formatMoney(raw)}`),
              afterLabel: ({ dataset, dataIndex: i }) => (dataset.label !== 'Forecast' ? ''
                : [series.lower80[i] !== series.upper80[i] && `80% range: ${formatMoney(series.lower80[i])} – ${formatMoney(series.upper80[i])}`,
                  ...dataset.notes[i]].filter(Boolean)),
            },
          },
        },
      },
      plugins: [eventBands],
    };
  });
}

/** A doughnut of `slices` ([{label, value}]) in the palette's order (--c0 ... --c9), as the caller's legend. */
export function drawDoughnut(canvas, slices) {
  return upsert(canvas, () => ({
    type: 'doughnut',
    data: {
      labels: slices.map((s) => s.label),
      datasets: [{
        data: slices.map((s) => s.value), backgroundColor: slices.map((_, i) => cssVar(`--c${i % 10}`)),
        borderColor: cssVar('--surface'), borderWidth: 2,
      }],
    },
    options: { cutout: '60%', plugins: { legend: { display: false } } },
  }));
}

/** Vertical bars of `values` (money) under `labels`, one colour, no legend. */
export function drawBars(canvas, labels, values, label) {
  return upsert(canvas, () => ({
    type: 'bar',
    data: { labels, datasets: [{ label, data: values, backgroundColor: cssVar('--c0'), borderRadius: 2, maxBarThickness: 36 }] },
    options: {
      scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { callback: formatMoneyCompact, maxTicksLimit: 6 } } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: ({ raw }) => `${label}: ${formatMoney(raw)}` } } },
    },
  }));
}

/**
 * Lines over days: `labels` are days, `series` [{label, data, colour (a CSS variable), dash}]
 * of counts.
 */
export function drawLines(canvas, labels, series) {
  return upsert(canvas, () => ({
    type: 'line',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label, data: s.data, borderColor: cssVar(s.colour), backgroundColor: cssVar(s.colour),
        borderDash: s.dash ?? [], borderWidth: 2, pointRadius: 2, tension: 0.2,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12, callback(i) { return formatDay(this.getLabelForValue(i), 'short'); } } },
        y: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 6 } },
      },
      plugins: {
        legend: { labels: { usePointStyle: true, boxHeight: 8 } },
        tooltip: { callbacks: { title: ([item]) => `Week from ${formatDay(item?.label, 'long')}`, label: ({ dataset, raw }) => `${dataset.label}: ${formatInt(Math.round(raw))}` } },
      },
    },
  }));
}

// Customer value: the BG/NBD and Gamma-Gamma models (GET /api/analytics/customer-value):
// how the customers' expected spend is spread (by tenths), the valuable customers who have
// probably stopped buying, and, for a past "learn up to" day, the model's weekly expected
// repeat purchases against what happened (its calibration).

import { getCustomerValue } from './api.js';
import { drawBars, drawLines } from './charts.js';
import { byId, el, renderError, renderIfChanged, replace, stateMessage, table } from './dom.js';
import { formatDay, formatInt, formatMoney, formatNumber, formatShare } from './format.js';
import { state } from './state.js';

const asOfInput = byId('value-as-of');
const horizonSelect = byId('value-horizon');
const summary = byId('value-summary');
const calibrationFigure = byId('calibration-figure');

/** Loads the report for the chosen day and horizon and draws it. */
export async function loadValue() {
  const query = { asOf: asOfInput.value || null, horizonDays: Number(horizonSelect.value) };
  state.value.query = query;
  let report;
  try {
    report = await getCustomerValue(query);
  } catch (error) {
    if (state.value.query !== query) return; // a newer choice is loading
    summary.textContent = '';
    renderError(byId('value-state'), 'Customer value', error);
    byId('value-deciles').parentElement.hidden = true;
    calibrationFigure.hidden = true;
    replace(byId('slipping'));
    return;
  }
  if (state.value.query !== query) return;
  replace(byId('value-state'));
  renderValue(report);
}

function renderValue(r) {
  const { bgNbd: bg, gammaGamma: gg } = r;
  const horizon = `${formatInt(r.horizonDays)} days`;
  summary.textContent = bg.unavailable
    ? `The purchase model could not be fitted on the days before ${formatDay(r.asOf)}: ${bg.unavailable}. Churn risk uses the rule on days since the last visit.`
    : !bg.converged
      ? `The purchase model's fit did not converge on the days before ${formatDay(r.asOf)}: the customers' histories do not tell its parameters apart (as when every customer buys alike and nobody leaves). No customer is valued; churn risk uses the rule on days since the last visit.`
      : [
      `${formatInt(r.customers)} customers (${formatInt(r.repeatCustomers)} came back) learnt up to ${formatDay(r.asOf)}`,
      r.totalExpectedValue != null && `are expected to spend ${formatMoney(r.totalExpectedValue)} over the next ${horizon}`,
      gg.converged && gg.populationMeanSpend != null && `about ${formatMoney(gg.populationMeanSpend)} a visit`,
      !gg.converged && 'the spend model did not fit, so no amounts are shown',
    ].filter(Boolean).join(', ') + '.';

  const deciles = r.deciles ?? [];
  const canvas = byId('value-deciles');
  canvas.setAttribute('aria-label', deciles.length
    ? `Bar chart of expected spend by tenth of customers: ${deciles.map((d) => `tenth ${d.decile} ${formatMoney(d.totalValue)}`).join(', ')}.`
    : 'No customer value yet.');
  canvas.parentElement.hidden = !deciles.length
    || !drawBars(canvas, deciles.map((d) => `${d.decile === 1 ? 'Top' : ordinal(d.decile)} 10%`), deciles.map((d) => d.totalValue), 'Expected spend');

  const calibration = r.calibration;
  calibrationFigure.hidden = !calibration;
  if (calibration) {
    const weeks = calibration.weeks;
    const chart = byId('calibration-chart');
    byId('calibration-note').textContent = `Repeat purchase days in the ${formatInt(calibration.days)} days from ${formatDay(r.asOf)}: `
      + `${formatNumber(Math.round(calibration.expectedTotal))} expected, ${formatInt(calibration.actualTotal)} happened`
      + (calibration.actualTotal ? offBy(calibration.expectedTotal / calibration.actualTotal - 1) : '.');
    chart.setAttribute('aria-label', `Line chart of expected and actual repeat purchase days per week from ${formatDay(r.asOf)}.`);
    drawLines(chart, weeks.map((w) => w.week), [
      { label: 'Expected by the model', data: weeks.map((w) => w.expected), colour: '--chart-forecast', dash: [6, 4] },
      { label: 'Happened', data: weeks.map((w) => w.actual), colour: '--chart-revenue' },
    ]);
  }

  renderIfChanged(byId('slipping'), r.slippingAway, (node) => replace(node, r.slippingAway?.length
    ? table({
      caption: `Valuable customers who have probably stopped buying (P(alive) under 50%), by what they would bring over the next ${horizon}`,
      columns: [
        { label: 'Customer' }, { label: 'Still buying', numeric: true }, { label: 'Expected spend', numeric: true },
        { label: 'Spent so far', numeric: true }, { label: 'Last purchase' }, { label: 'Days bought', numeric: true },
      ],
      rows: r.slippingAway.map((s) => [
        s.name || `Customer ${s.customerId}`, formatShare(s.pAlive), formatMoney(s.expectedValue), formatMoney(s.totalSpent),
        formatDay(s.lastPurchase), formatInt(s.purchaseDays),
      ]),
    })
    : stateMessage('empty', bg.unavailable || !bg.converged ? 'No list without the purchase model.' : 'No valuable customer seems to be slipping away.')));
}

/** " (the model expected 7.8% fewer)." */
const offBy = (off) => ` (the model expected ${formatShare(Math.abs(off))} ${off < 0 ? 'fewer' : 'more'}).`;

const ordinal = (n) => `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

asOfInput.addEventListener('change', loadValue);
horizonSelect.addEventListener('change', loadValue);

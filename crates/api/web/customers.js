// Customer lookup: search by name, phone or e-mail, then open the insight card the POS gets
// at checkout (GET /api/customers/{id}/insights).

import { getInsights, searchCustomers } from './api.js';
import { byId, definitionList, el, replace, stateMessage } from './dom.js';
import { formatDay, formatInt, formatMoney, formatNumber, formatShare } from './format.js';
import { state } from './state.js';

const input = byId('customer-q');
const results = byId('customer-results');
const card = byId('customer-card');
const SEGMENTS = { new: 'New', regular: 'Regular', vip: 'VIP', prospect: 'Prospect' };
const badge = (text, kind = '') => el('span', { className: `badge ${kind}` }, text);
const errorText = (error) => (error.status === 401 ? 'An API key is needed.' : error.message);

/** Searches: a new query, or with `cursor` its next page (appended). */
async function search(cursor) {
  const q = input.value.trim();
  state.search.controller?.abort();
  if (!q) { replace(results); return; }
  const { signal } = (state.search.controller = new AbortController());
  if (!cursor) replace(results, stateMessage('loading', 'Searching…'));
  try {
    const page = await searchCustomers(q, cursor, signal);
    if (!cursor) replace(results, page.customers.length ? el('ul', { className: 'results' }) : stateMessage('empty', `No customer matches “${q}”.`));
    results.querySelector('.more')?.remove(); // the previous page's "More results"
    results.querySelector('ul')?.append(...page.customers.map((c) => el('li', {},
      el('button', { type: 'button', on: { click: () => openCard(c.id) } },
        el('strong', {}, c.name || `Customer ${c.id}`),
        el('span', { className: 'muted' },
          [c.phone, c.email, SEGMENTS[c.segment], `${formatMoney(c.totalSpent)} spent`].filter(Boolean).join(' · '))))));
    if (page.nextCursor) {
      results.append(el('button', { type: 'button', className: 'more', on: { click: () => search(page.nextCursor) } }, 'More results'));
    }
  } catch (error) {
    if (!signal.aborted) replace(results, stateMessage('error', errorText(error)));
  }
}

/** Loads and shows a customer's insight card. */
async function openCard(id) {
  replace(card, stateMessage('loading', 'Loading the customer card…'));
  try {
    replace(card, insightCard(await getInsights(id)));
    byId('card-title').focus();
  } catch (error) {
    replace(card, stateMessage('error', error.status === 404 ? `No customer ${id}.` : errorText(error)));
  }
}

const section = (title, items, render, empty) => el('section', {}, el('h4', {}, title),
  items?.length ? el('ul', {}, items.map((item) => el('li', {}, render(item)))) : el('p', { className: 'muted' }, empty));

function insightCard(c) {
  const { lastPurchase: last, churnRisk: churn, rfm } = c;
  const nameOf = (id) => c.preferredProducts.find((p) => p.productId === id)?.name ?? id;
  return el('article', { className: 'card', attrs: { 'aria-labelledby': 'card-title' } },
    el('header', {},
      el('h3', { id: 'card-title', tabIndex: -1 }, c.name || `Customer ${c.customerId}`),
      el('span', { className: 'muted' }, `#${c.customerId}`),
      el('div', { className: 'badges' }, badge(SEGMENTS[c.segment], `badge--${c.segment}`),
        rfm && badge(rfm.segment), c.lapsed && badge('Lapsed', 'badge--high'))),
    definitionList([
      ['Total spent', formatMoney(c.totalSpent)],
      ['Visits', formatInt(c.visitCount)],
      ['Average basket', formatMoney(c.averageBasket)],
      ['First purchase', c.firstPurchase && formatDay(c.firstPurchase)],
      ['Last purchase', last ? `${formatDay(last.date)} · ${formatMoney(last.amount)}` : 'none yet'],
      ['RFM scores', rfm && `R ${rfm.recency} · F ${rfm.frequency} · M ${rfm.monetary} (of 5)`],
      ['Churn risk', churn && (churn.basis === 'model'
        ? `${churn.level}: still buying with probability ${formatShare(churn.pAlive)}, ${formatInt(churn.daysSinceLastPurchase)} days since the last purchase`
        : `${churn.level}: ${formatInt(churn.daysSinceLastPurchase)} days since the last purchase, usually every ${formatNumber(churn.expectedGapDays)} days`)],
      ['Expected', c.expectedValue == null ? null : `${formatMoney(c.expectedValue)} over the next ${formatInt(c.valueHorizonDays)} days (about ${formatNumber(c.expectedPurchases)} visits)`],
    ]),
    last?.items.length > 0 && section('Last purchase', last.items,
      (line) => `${formatInt(line.quantity)} × ${line.productName} at ${formatMoney(line.unitPrice)}`),
    section('Preferred products', c.preferredProducts, (p) => [p.name, el('span', { className: 'muted' },
      ` · ${formatInt(p.quantity)} units in ${formatInt(p.timesBought)} visits, last ${formatDay(p.lastBought)}`)], 'None yet.'),
    el('section', {}, el('h4', {}, 'Tags'), c.purposeTags.length
      ? el('ul', { className: 'chips' }, c.purposeTags.map((t) => el('li', { className: 'chip' }, t)))
      : el('p', { className: 'muted' }, 'No tags.')),
    section('Recommendations', c.recommendations,
      (r) => [r.name, el('span', { className: 'muted' }, ` · bought with ${nameOf(r.becauseOf)}`)], 'No recommendations yet.'),
    c.analyticsAsOf && el('p', { className: 'muted' }, `Segments and scores as of ${formatDay(c.analyticsAsOf)}.`));
}

byId('customer-search').addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(state.search.timer);
  search();
});

// Search as you type, once the query says enough.
input.addEventListener('input', () => {
  clearTimeout(state.search.timer);
  if (input.value.trim().length >= 2) state.search.timer = setTimeout(search, 350);
  else if (!input.value.trim()) replace(results);
});

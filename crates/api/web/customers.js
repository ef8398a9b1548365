// Customer lookup: search by name, phone or e-mail, then open the insight card the POS gets
// at checkout (GET /api/customers/{id}/insights).

import { getInsights, searchCustomers } from './api.js';
import { byId, definitionList, el, replace, stateMessage } from './dom.js';
import { formatDay, formatInt, formatMoney, formatNumber } from './format.js';

const form = byId('customer-search');
const input = byId('customer-q');
const results = byId('customer-results');
const card = byId('customer-card');

let searchAbort = null;
let debounce = 0;

const SEGMENTS = { new: 'New', regular: 'Regular', vip: 'VIP', prospect: 'Prospect' };
const badge = (text, kind = '') => el('span', { className: `badge ${kind}` }, text);
const errorText = (error) => (error.status === 401 ? 'An API key is needed.' : error.message);

/** Searches (a new query, or the next page with `cursor`). */
async function search(cursor) {
  const q = input.value.trim();
  searchAbort?.abort();
  if (!q) { replace(results); return; }
  searchAbort = new AbortController();
  const { signal } = searchAbort;
  if (!cursor) replace(results, stateMessage('loading', 'Searching…'));
  try {
    const page = await searchCustomers(q, cursor);
    if (signal.aborted) return;
    showResults(page, q, Boolean(cursor));
  } catch (error) {
    if (error.name !== 'AbortError' && !signal.aborted) replace(results, stateMessage('error', errorText(error)));
  }
}

function showResults(page, q, more) {
  let list = results.querySelector('ul');
  results.querySelector('.more')?.remove();
  if (!more) {
    if (!page.customers.length) {
      replace(results, stateMessage('empty', `No customer matches “${q}”.`));
      return;
    }
    list = el('ul', { className: 'result-list' });
    replace(results, el('p', { className: 'visually-hidden' }, 'Results:'), list);
  }
  for (const c of page.customers) {
    const details = [c.phone, c.email, c.segment && SEGMENTS[c.segment], `${formatMoney(c.totalSpent)} spent`]
      .filter(Boolean).join(' · ');
    list.append(el('li', {}, el('button', {
      type: 'button', className: 'result', on: { click: () => openCard(c.id) },
    }, el('strong', {}, c.name || `Customer ${c.id}`), el('span', { className: 'muted' }, details))));
  }
  if (page.nextCursor) {
    results.append(el('button', {
      type: 'button', className: 'button more', on: { click: () => search(page.nextCursor) },
    }, 'More results'));
  }
}

/** Loads and shows one customer's insight card. */
export async function openCard(id) {
  replace(card, stateMessage('loading', 'Loading the customer card…'));
  try {
    const insights = await getInsights(id);
    replace(card, insightCard(insights));
    card.querySelector('h3')?.focus();
  } catch (error) {
    replace(card, stateMessage('error', error.status === 404 ? `No customer ${id}.` : errorText(error)));
  }
}

const listSection = (title, items, render, emptyText) => el('section', { className: 'card__section' },
  el('h4', {}, title),
  items?.length ? el('ul', { className: 'plain-list' }, items.map((item) => el('li', {}, render(item))))
    : el('p', { className: 'muted' }, emptyText));

function insightCard(c) {
  const last = c.lastPurchase;
  const churn = c.churnRisk;
  return el('article', { className: 'card', attrs: { 'aria-labelledby': 'card-title' } },
    el('header', { className: 'card__head' },
      el('h3', { id: 'card-title', tabIndex: -1 }, c.name || `Customer ${c.customerId}`),
      el('span', { className: 'muted' }, `#${c.customerId}`),
      el('div', { className: 'badges' },
        badge(SEGMENTS[c.segment] ?? c.segment, `badge--seg-${c.segment}`),
        c.rfm && badge(c.rfm.segment),
        c.lapsed && badge('Lapsed', 'badge--high'))),
    definitionList([
      ['Total spent', formatMoney(c.totalSpent)],
      ['Visits', formatInt(c.visitCount)],
      ['Average basket', formatMoney(c.averageBasket)],
      ['First purchase', c.firstPurchase ? formatDay(c.firstPurchase) : null],
      ['Last purchase', last ? `${formatDay(last.date)} · ${formatMoney(last.amount)}` : 'none yet'],
      ['RFM scores', c.rfm ? `R ${c.rfm.recency} · F ${c.rfm.frequency} · M ${c.rfm.monetary} (of 5)` : null],
      ['Churn risk', churn
        ? `${churn.level}: ${formatInt(churn.daysSinceLastPurchase)} days since the last purchase, usually every ${formatNumber(churn.expectedGapDays)} days`
        : null],
    ]),
    last?.items?.length ? listSection('Last purchase', last.items,
      (line) => `${formatInt(line.quantity)} × ${line.productName} at ${formatMoney(line.unitPrice)}`) : null,
    listSection('Preferred products', c.preferredProducts,
      (p) => [el('span', {}, p.name), el('span', { className: 'muted' },
        ` · ${formatInt(p.quantity)} units in ${formatInt(p.timesBought)} visits, last ${formatDay(p.lastBought)}`)],
      'None yet.'),
    el('section', { className: 'card__section' }, el('h4', {}, 'Tags'),
      c.purposeTags.length ? el('ul', { className: 'chips' }, c.purposeTags.map((t) => el('li', { className: 'chip' }, t)))
        : el('p', { className: 'muted' }, 'No tags.')),
    listSection('Recommendations', c.recommendations,
      (r) => [el('span', {}, r.name), el('span', { className: 'muted' },
        ` · bought with ${c.preferredProducts.find((p) => p.productId === r.becauseOf)?.name ?? r.becauseOf}`)],
      'No recommendations yet.'),
    c.analyticsAsOf && el('p', { className: 'muted' }, `Segments and scores as of ${formatDay(c.analyticsAsOf)}.`));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(debounce);
  search();
});

// Search as you type, once the query is long enough to be useful.
input.addEventListener('input', () => {
  clearTimeout(debounce);
  if (input.value.trim().length >= 2) debounce = setTimeout(() => search(), 350);
  else if (!input.value.trim()) replace(results);
});

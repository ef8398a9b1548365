// The dashboard's state, all of it, in one object: what the modules remember between events
// lives here, and no module keeps mutable variables of its own. Memos stay beside the code
// they serve (the chart on each canvas in charts.js, what each node last rendered in dom.js,
// the money formats per currency in format.js), as do api.js's 401 listeners.

export const state = {
  /** The chosen window: `{days}` (a preset, ending on the store's today) or `{from, to}`. */
  window: { days: 30 },
  /** The store's today and currency, from the last dashboard (null and USD before it). */
  today: null,
  currency: 'USD',
  /** What the page shows: the last dashboard and its window `{from, to, days}`. */
  shown: null,
  /** The running load (refreshes never overlap), and whether another was asked for meanwhile. */
  loading: null,
  loadAgain: false,
  /** The calendar event being edited; null when adding. */
  editing: null,
  /** The running customer search (its AbortController) and the search-as-you-type timer. */
  search: { controller: null, timer: 0 },
  /** The customer-value report asked for last ({asOf, horizonDays}): older answers are dropped. */
  value: { query: null },
  /** Resolvers of askForKey() calls waiting for the key dialog to close. */
  keyWaiting: [],
};

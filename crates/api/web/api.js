// The crm-trends JSON API (openapi/openapi.json). Every call carries the API key kept in
// sessionStorage (never in a URL) as `Authorization: Bearer <key>`.

const KEY = 'crm-trends.apiKey';

/** A failed call: `status` (0: the server was not reached) and the problem+json body, if any. */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(problem?.detail || problem?.title || fallback);
    this.status = status;
    this.problem = problem;
  }

  /** A 422's field errors, `[{field, message}]`. */
  get fieldErrors() {
    return Array.isArray(this.problem?.errors) ? this.problem.errors : [];
  }
}

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (key) => sessionStorage.setItem(KEY, key);
export const clearKey = () => sessionStorage.removeItem(KEY);

const unauthorized = new Set();
/** Calls `listener(error)` on every 401 (no key, or one the server does not know). */
export const onUnauthorized = (listener) => unauthorized.add(listener);

/**
 * One request: `query` leaves out null and empty values; `body` is sent as JSON unless a
 * `contentType` is given; `accept` other than JSON resolves to a Blob. Rejects with ApiError.
 */
export async function request(path, { method = 'GET', query = {}, body, contentType, accept = 'application/json', signal } = {}) {
  const qs = String(new URLSearchParams(Object.entries(query).filter(([, v]) => v !== null && v !== undefined && v !== '')));
  const headers = { Accept: accept };
  if (getKey()) headers.Authorization = `Bearer ${getKey()}`;
  if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
  let response;
  try {
    response = await fetch(qs ? `${path}?${qs}` : path, {
      method, headers, signal, cache: 'no-store', body: body === undefined || contentType ? body : JSON.stringify(body),
    });
  } catch (cause) {
    if (cause.name === 'AbortError') throw cause;
    throw new ApiError(0, null, 'The server cannot be reached. Is crm-trends running?');
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await response.json().catch(() => null), `${response.status} ${response.statusText}`);
    if (response.status === 401) unauthorized.forEach((listener) => listener(error));
    throw error;
  }
  if (response.status === 204) return null;
  return accept === 'application/json' ? response.json() : response.blob();
}

const path = (base, id) => `${base}/${encodeURIComponent(id)}`;

// Reads
/** The dashboard of a window: `{days}` (the last N days) or `{from, to}`. */
export const getDashboard = ({ days, from, to }) => request('/api/analytics/dashboard', { query: days ? { days } : { from, to } });
export const getSyncStatus = () => request('/api/sync/status');
/** Daily points, each with `revenueMovingAverage7`. */
export const getTrends = (from, to) => request('/api/analytics/trends', { query: { from, to, granularity: 'day' } });
export const getForecast = (days) => request('/api/analytics/forecast', { query: { days } });
/** The store forecast's backtest up to today: its WAPE beside weekly seasonal naive's. */
export const getForecastAccuracy = () => request('/api/analytics/forecast/accuracy');
export const getEvents = (from, days) => request('/api/calendar/events', { query: { from, days } });
/** With from/to: what sold in the window, by `sort` (units|revenue); without: popularity now. */
export const getProducts = (query) => request('/api/analytics/products', { query });
export const getSegments = () => request('/api/analytics/segments');
export const getReorder = (limit) => request('/api/analytics/reorder', { query: { limit } });
export const searchCustomers = (q, cursor, signal) => request('/api/customers', { query: { q, limit: 20, cursor }, signal });
export const getInsights = (id) => request(`${path('/api/customers', id)}/insights`);
/** The customer-value models and report; `asOf` null for today's (the refresh's). */
export const getCustomerValue = ({ asOf, horizonDays }) =>
  request('/api/analytics/customer-value', { query: { as_of: asOf, horizon_days: horizonDays } });

// Files (Blobs)
/** The order list (the products to order now) as CSV. */
export const getReorderCsv = () => request('/api/analytics/reorder', { query: { status: 'order_now' }, accept: 'text/csv' });
/** A table as CSV (`table`: customers, products, sales, daily, calendar); sales and daily take `{from, to}`. */
export const getExportCsv = (table, { from, to } = {}) =>
  request(`/api/export/${encodeURIComponent(table)}`, { query: { from, to }, accept: 'text/csv' });
export const getCalendarIcs = () => request('/api/calendar/events.ics', { accept: 'text/calendar' });

// Calendar writes (a write key)
export const createEvent = (event) => request('/api/calendar/events', { method: 'POST', body: event });
export const updateEvent = (id, event) => request(path('/api/calendar/events', id), { method: 'PUT', body: event });
export const deleteEvent = (id) => request(path('/api/calendar/events', id), { method: 'DELETE' });
/** Imports an iCalendar file's text → {occurrences, created, updated, unchanged, skipped}. */
export const importIcs = (text) => request('/api/calendar/import', { method: 'POST', body: text, contentType: 'text/calendar' });

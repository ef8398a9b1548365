// The crm-trends JSON API, as documented in openapi/openapi.json. Every call carries the API
// key kept in sessionStorage (never in the URL) as `Authorization: Bearer <key>`.

const KEY_STORAGE = 'crm-trends.apiKey';

/** An HTTP failure: `status` (0 for a network error) and the problem+json body if any. */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(problem?.detail || problem?.title || fallback);
    this.status = status;
    this.problem = problem;
  }

  /** Field errors of a 422 (`[{field, message}]`), or []. */
  get fieldErrors() {
    return Array.isArray(this.problem?.errors) ? this.problem.errors : [];
  }
}

export const getKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const clearKey = () => sessionStorage.removeItem(KEY_STORAGE);

const unauthorizedListeners = new Set();

/** Calls `listener(error)` whenever the API answers 401 (no key, or a key it does not know). */
export const onUnauthorized = (listener) => unauthorizedListeners.add(listener);

/** Builds `/api/...?query`, leaving out parameters that are null, undefined or ''. */
function url(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * One request. `accept` is the Accept header; a JSON answer is parsed, any other comes back
 * as a Blob. `body` is sent as JSON unless `contentType` says otherwise. Resolves to the
 * body (null for 204); rejects with ApiError.
 */
export async function request(path, { method = 'GET', query, body, contentType, accept = 'application/json', signal } = {}) {
  const headers = { Accept: accept };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType ?? 'application/json';
    payload = contentType ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), {
      method, headers, body: payload, signal, credentials: 'same-origin', cache: 'no-store',
    });
  } catch (cause) {
    if (cause.name === 'AbortError') throw cause;
    throw new ApiError(0, null, 'The server cannot be reached. Is crm-trends running?');
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    const error = new ApiError(response.status, problem, `${response.status} ${response.statusText}`);
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener(error));
    throw error;
  }
  if (response.status === 204) return null;
  return accept === 'application/json' ? response.json() : response.blob();
}

// --- Reads -----------------------------------------------------------------------------

/** The dashboard for a window: `{days}` for the last N days, or `{from, to}`. */
export const getDashboard = (window) => request('/api/analytics/dashboard',
  { query: window.days ? { days: window.days } : { from: window.from, to: window.to } });

export const getSyncStatus = () => request('/api/sync/status');

/** Daily points (with `revenueMovingAverage7`) over a range of days. */
export const getTrends = (from, to) => request('/api/analytics/trends', { query: { from, to, granularity: 'day' } });

export const getForecast = (days) => request('/api/analytics/forecast', { query: { days } });

export const getEvents = (from, days) => request('/api/calendar/events', { query: { from, days } });

/** Products: with from/to, window totals sorted by `sort` (units|revenue); else popularity now. */
export const getProducts = ({ from, to, sort, limit = 10 }) =>
  request('/api/analytics/products', { query: { from, to, sort, limit } });

export const getSegments = () => request('/api/analytics/segments');

export const getReorder = (limit = 20) => request('/api/analytics/reorder', { query: { limit } });

export const searchCustomers = (q, cursor) =>
  request('/api/customers', { query: { q, limit: 20, cursor } });

export const getInsights = (id) => request(`/api/customers/${encodeURIComponent(id)}/insights`);

// --- Files -----------------------------------------------------------------------------

/** The order list (products to order now) as a CSV Blob. */
export const getReorderCsv = () =>
  request('/api/analytics/reorder', { query: { status: 'order_now' }, accept: 'text/csv' });

/** The whole calendar as an iCalendar Blob. */
export const getCalendarIcs = () => request('/api/calendar/events.ics', { accept: 'text/calendar' });

// --- Calendar writes (write key) -------------------------------------------------------

export const createEvent = (event) => request('/api/calendar/events', { method: 'POST', body: event });

export const updateEvent = (id, event) =>
  request(`/api/calendar/events/${encodeURIComponent(id)}`, { method: 'PUT', body: event });

export const deleteEvent = (id) =>
  request(`/api/calendar/events/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** Imports an iCalendar file's text; resolves to {occurrences, created, updated, unchanged, skipped}. */
export const importIcs = (text) =>
  request('/api/calendar/import', { method: 'POST', body: text, contentType: 'text/calendar' });

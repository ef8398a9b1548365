// Formatting with the browser's Intl, and date arithmetic on the API's `YYYY-MM-DD` days.
//
// The API's dates are store-local calendar days without a time zone. They are handled as
// midnight UTC and always formatted with `timeZone: 'UTC'`, so a day never shifts by one
// in a browser west or east of Greenwich.

const DAY_MS = 86_400_000;

let money = makeMoney('USD');

/** Builds a currency formatter, falling back to USD for a code Intl does not know. */
function makeMoney(code) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
  } catch {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
  }
}

/** Sets the currency (ISO 4217) used by `formatMoney`; absent means USD. */
export function setCurrency(code) {
  const wanted = typeof code === 'string' && code ? code : 'USD';
  if (money.resolvedOptions().currency !== wanted) money = makeMoney(wanted);
}

export const formatMoney = (value) => (Number.isFinite(value) ? money.format(value) : '—');

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, {
  style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero',
});

export const formatInt = (n) => (Number.isFinite(n) ? integer.format(n) : '—');
export const formatNumber = (n) => (Number.isFinite(n) ? decimal.format(n) : '—');
/** A change in percent (12.5 → "+12.5%"). */
export const formatChange = (pct) => (Number.isFinite(pct) ? percent.format(pct / 100) : '—');

const dayFormats = {
  short: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
  long: new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  }),
  medium: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }),
};
const instantFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `YYYY-MM-DD` → Date at midnight UTC (or null for anything else). */
export function parseDay(day) {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Date → `YYYY-MM-DD` of its UTC day. */
export const toDay = (date) => date.toISOString().slice(0, 10);

/** The day `n` days after `day` (n may be negative). */
export const addDays = (day, n) => toDay(new Date(parseDay(day).getTime() + n * DAY_MS));

/** Whole days from `a` to `b` (b − a). */
export const daysBetween = (a, b) => Math.round((parseDay(b) - parseDay(a)) / DAY_MS);

/** Every day from `from` to `to`, inclusive. */
export function dayRange(from, to) {
  const days = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The browser's local calendar day, `YYYY-MM-DD`. */
export function localToday() {
  const now = new Date();
  return toDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

/** Formats an API day; style is 'short' (3 Dec), 'medium' or 'long' (Thu, 3 Dec 2026). */
export function formatDay(day, style = 'medium') {
  const date = parseDay(day);
  return date ? dayFormats[style].format(date) : '—';
}

/** Formats a day span, collapsing a one-day span to its day. */
export function formatDaySpan(from, to, style = 'medium') {
  if (!to || to === from) return formatDay(from, style);
  const a = parseDay(from);
  const b = parseDay(to);
  return a && b ? dayFormats[style].formatRange(a, b) : formatDay(from, style);
}

/** Formats an RFC 3339 instant in the browser's zone. */
export function formatInstant(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? instantFormat.format(date) : '—';
}

export const formatTime = (date) => timeFormat.format(date);

/** "5 minutes ago" for an instant, measured against `now` (a Date; the server's clock). */
export function formatAgo(iso, now = new Date()) {
  const then = iso ? new Date(iso) : null;
  if (!then || Number.isNaN(then.getTime())) return 'never';
  const seconds = (then - now) / 1000;
  const units = [['day', 86_400], ['hour', 3_600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(0, 'minute');
}

/** "in 5 days", "today", "yesterday" between two API days. */
export const formatDaysFrom = (today, day) => relative.format(daysBetween(today, day), 'day');

let moneyCompact = null;

/** Short money for chart axes (€1.2K); follows `setCurrency`. */
export function formatMoneyCompact(value) {
  const currency = money.resolvedOptions().currency;
  if (moneyCompact?.resolvedOptions().currency !== currency) {
    moneyCompact = new Intl.NumberFormat(undefined, {
      style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1,
    });
  }
  return moneyCompact.format(value);
}

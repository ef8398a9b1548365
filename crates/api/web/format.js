// Formatting with the browser's Intl, and arithmetic on the API's `YYYY-MM-DD` days. Those
// are store-local days without a zone: they are handled as midnight UTC and formatted with
// `timeZone: 'UTC'`, so a day never shifts by one in a browser east or west of Greenwich.

import { state } from './state.js';

const DAY_MS = 86_400_000;
const number = (options) => new Intl.NumberFormat(undefined, options);
const dayFormat = (options) => new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' });

/**
 * The money formats of a currency (ISO 4217; the server accepts no other), in full and
 * compact (axes: €1.2K). Made once per currency: a pure cache, not state.
 */
const moneyFormats = new Map();
function money(currency) {
  if (!moneyFormats.has(currency)) {
    moneyFormats.set(currency, {
      full: number({ style: 'currency', currency }),
      compact: number({ style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }),
    });
  }
  return moneyFormats.get(currency);
}

const known = (format) => (n) => (Number.isFinite(n) ? format(n) : '—');
const integer = number({ maximumFractionDigits: 0 });
const decimal = number({ maximumFractionDigits: 2 });
const percent = number({ style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const share = number({ style: 'percent', maximumFractionDigits: 1 });

/** An amount in the store's currency (`state.currency`, the dashboard's). */
export const formatMoney = known((n) => money(state.currency).full.format(n));
export const formatMoneyCompact = known((n) => money(state.currency).compact.format(n));
export const formatInt = known((n) => integer.format(n));
export const formatNumber = known((n) => decimal.format(n));
/** A change in percent: 12.5 → "+12.5%". */
export const formatChange = known((pct) => percent.format(pct / 100));
/** A share: 0.125 → "12.5%". */
export const formatShare = known((fraction) => share.format(fraction));

const dayFormats = {
  short: dayFormat({ day: 'numeric', month: 'short' }), // 3 Dec
  medium: dayFormat({ dateStyle: 'medium' }), // 3 Dec 2026
  long: dayFormat({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }), // Thu, 3 Dec 2026
};
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `YYYY-MM-DD` → Date at midnight UTC (null for anything else). */
function parseDay(day) {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T00:00:00Z`) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
const toDay = (date) => date.toISOString().slice(0, 10);

/** The day `n` days after `day` (n may be negative). */
export const addDays = (day, n) => toDay(new Date(parseDay(day).getTime() + n * DAY_MS));
/** Whole days from `a` to `b`. */
export const daysBetween = (a, b) => Math.round((parseDay(b) - parseDay(a)) / DAY_MS);

/** Every day from `from` to `to`, inclusive. */
export function dayRange(from, to) {
  const days = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The browser's calendar day (until the dashboard tells the store's). */
export function localToday() {
  const now = new Date();
  return toDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

/** An API day in a style: 'short', 'medium' or 'long'. */
export function formatDay(day, style = 'medium') {
  const date = parseDay(day);
  return date ? dayFormats[style].format(date) : '—';
}

/** A span of days ("14 – 15 Dec 2026"); a one-day span is its day. */
export function formatDaySpan(from, to, style = 'medium') {
  const [a, b] = [parseDay(from), parseDay(to)];
  return a && b && to !== from ? dayFormats[style].formatRange(a, b) : formatDay(from, style);
}

export const formatTime = (date) => timeFormat.format(date);

/** "5 minutes ago": an instant against `now` (the server's clock, so skew does not matter). */
export function formatAgo(iso, now) {
  const seconds = (new Date(iso) - now) / 1000;
  if (!iso || Number.isNaN(seconds)) return 'never';
  const [unit, size] = [['day', 86_400], ['hour', 3_600], ['minute', 60]].find(([, s]) => Math.abs(seconds) >= s) ?? ['minute', 60];
  return relative.format(Math.round(seconds / size), unit);
}

/** "in 5 days", "tomorrow", "today" from `today` to `day`. */
export const formatDaysFrom = (today, day) => relative.format(daysBetween(today, day), 'day');

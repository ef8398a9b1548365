// The calendar: list, add, edit and delete events; import an .ics file; download ours. The
// API validates: a 422's `errors[]` are shown next to the fields they name.

import { createEvent, deleteEvent, getCalendarIcs, getEvents, importIcs, updateEvent } from './api.js';
import { askForKey } from './auth.js';
import { byId, el, renderIfChanged, replace, saveBlob, stateMessage } from './dom.js';
import { addDays, formatDaySpan, formatInt, localToday } from './format.js';
import { impactBadge, multiplierText } from './panels.js';
import { state } from './state.js';

const form = byId('event-form');
const status = byId('event-status');
const submit = byId('event-submit');
const cancel = byId('event-cancel');
const list = byId('event-list');
const range = byId('event-range');
const importStatus = byId('import-status');

/** Dispatched on `document` after every successful write. */
export const CALENDAR_CHANGED = 'calendar-changed';

/** The API's field → the suffix of its input's id (`ev-…`, its error paragraph `ev-…-error`). */
const FIELDS = {
  name: 'name', event_type: 'type', impact_level: 'impact', date: 'date', end_date: 'end',
  expected_demand_multiplier: 'mult', lead_days: 'lead', notes: 'notes',
};
const input = (field) => byId(`ev-${FIELDS[field]}`);
const errorOf = (field) => byId(`ev-${FIELDS[field]}-error`);

/** What to say when a write failed: a 403 means the key may only read. */
function writeFailure(error) {
  if (error.status === 401) return ['An API key is needed: enter it, then try again.'];
  if (error.status !== 403) return [error.message];
  return ['Changing the calendar needs a write key; the key in use may only read. ',
    el('button', { type: 'button', className: 'quiet', on: { click: () => askForKey('Enter a write key to change the calendar.') } },
      'Enter a write key')];
}

/** After every successful write: the list loads again, and so does the dashboard (its chart
 * marks events), which listens for this event. */
function changed() {
  loadEvents();
  document.dispatchEvent(new Event(CALENDAR_CHANGED));
}

// --- The list -----------------------------------------------------------------------------

/** Loads the list: the next or the past 12 months. */
export async function loadEvents() {
  const past = range.value === 'past';
  const today = state.today ?? localToday();
  const events = await getEvents(past ? addDays(today, -365) : today, 365).then((a) => a.events, (e) => ({ error: e.message }));
  renderIfChanged(list, events, () => replace(list, events.error ? stateMessage('error', `The events could not be loaded: ${events.error}`)
    : events.length ? el('ul', { className: 'events events--all' }, events.map(eventItem))
      : stateMessage('empty', `No events in the ${past ? 'past' : 'next'} 12 months.`)));
}

function eventItem(ev) {
  const details = [ev.eventType, multiplierText(ev.expectedDemandMultiplier),
    Number.isInteger(ev.leadDays) && `${formatInt(ev.leadDays)} lead days`, ev.uid && 'imported'].filter(Boolean).join(' · ');
  // Deleting asks first, in the row itself.
  const ask = el('button', {
    type: 'button', className: 'quiet', attrs: { 'aria-label': `Delete ${ev.name}` },
    on: { click: () => { confirmRow.hidden = false; confirmRow.querySelector('.danger').focus(); } },
  }, 'Delete');
  const confirmRow = el('div', { className: 'actions confirm', hidden: true }, `Delete “${ev.name}”?`,
    el('button', { type: 'button', className: 'danger', on: { click: () => remove(ev) } }, 'Delete'),
    el('button', { type: 'button', on: { click: () => { confirmRow.hidden = true; ask.focus(); } } }, 'Keep'));
  return el('li', { className: 'event' },
    el('div', { className: 'when' }, el('strong', {}, formatDaySpan(ev.date, ev.endDate))),
    el('div', { className: 'what' }, ev.name, el('span', { className: 'muted' }, ` · ${details}`),
      ev.notes && el('p', { className: 'muted' }, ev.notes)),
    el('div', { className: 'impact' }, impactBadge(ev.impactLevel)),
    el('div', { className: 'actions' },
      el('button', { type: 'button', className: 'quiet', attrs: { 'aria-label': `Edit ${ev.name}` }, on: { click: () => startEdit(ev) } }, 'Edit'),
      ask),
    confirmRow);
}

async function remove(ev) {
  try {
    await deleteEvent(ev.id);
    if (state.editing?.id === ev.id) resetForm();
    replace(status, `Deleted “${ev.name}”.`);
    changed();
  } catch (error) {
    replace(status, writeFailure(error));
    status.scrollIntoView({ block: 'nearest' });
  }
}

// --- The form -----------------------------------------------------------------------------

function clearErrors() {
  for (const field of Object.keys(FIELDS)) {
    input(field).removeAttribute('aria-invalid');
    errorOf(field).textContent = '';
  }
  replace(status);
}

function resetForm() {
  state.editing = null;
  form.reset();
  clearErrors();
  byId('event-form-title').textContent = 'Add an event';
  submit.textContent = 'Add event';
  cancel.hidden = true;
}

function startEdit(ev) {
  resetForm();
  state.editing = ev;
  const values = {
    name: ev.name, event_type: ev.eventType, impact_level: ev.impactLevel, date: ev.date, end_date: ev.endDate,
    expected_demand_multiplier: ev.expectedDemandMultiplier, lead_days: ev.leadDays, notes: ev.notes,
  };
  for (const [field, value] of Object.entries(values)) input(field).value = value ?? '';
  byId('event-form-title').textContent = `Edit “${ev.name}”`;
  submit.textContent = 'Save changes';
  cancel.hidden = false;
  form.scrollIntoView({ block: 'start' });
  input('name').focus();
}

/** The form as the API's body: optional fields left empty are null. */
function readForm() {
  const body = {};
  const unreadable = [];
  for (const field of Object.keys(FIELDS)) {
    const node = input(field);
    const text = node.value.trim();
    if (node.type === 'number') {
      // Only what the API cannot see: text in a number box that the browser could not read.
      if (node.validity.badInput) unreadable.push({ field, message: 'must be a number' });
      body[field] = text === '' ? null : Number(text);
    } else {
      body[field] = text || (['end_date', 'notes'].includes(field) ? null : '');
    }
  }
  return { body, unreadable };
}

/** Shows each error next to its field (others in the form's status) and focuses the first. */
function showErrors(errors) {
  const general = [];
  for (const { field, message } of errors) {
    if (!Object.hasOwn(FIELDS, field)) { general.push(`${field}: ${message}`); continue; }
    input(field).setAttribute('aria-invalid', 'true');
    const out = errorOf(field);
    out.textContent = out.textContent ? `${out.textContent}; ${message}` : message;
  }
  replace(status, ['Please correct the marked fields.', ...general].join(' '));
  form.querySelector('[aria-invalid="true"]')?.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const { body, unreadable } = readForm();
  if (unreadable.length) { showErrors(unreadable); return; }
  submit.disabled = true;
  replace(status, 'Saving…');
  try {
    const saved = state.editing ? await updateEvent(state.editing.id, body) : await createEvent(body);
    resetForm();
    replace(status, `Saved “${saved.name}” (${formatDaySpan(saved.date, saved.endDate)}).`);
    changed();
  } catch (error) {
    if (error.status === 422 && error.fieldErrors.length) showErrors(error.fieldErrors);
    else replace(status, writeFailure(error));
  } finally {
    submit.disabled = false;
  }
});

cancel.addEventListener('click', () => {
  resetForm();
  replace(status, 'Editing cancelled.');
});

// --- Files ----------------------------------------------------------------------------------

byId('import-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = byId('ics-file').files[0];
  if (!file) { replace(importStatus, 'Choose an .ics file first.'); return; }
  replace(importStatus, `Importing ${file.name}…`);
  try {
    const r = await importIcs(await file.text());
    replace(importStatus, `Imported ${formatInt(r.occurrences)} occurrences (${formatDaySpan(r.from, r.to)}): `
      + `${formatInt(r.created)} created, ${formatInt(r.updated)} updated, ${formatInt(r.unchanged)} unchanged, `
      + `${formatInt(r.skipped)} skipped (edited here since).`);
    event.target.reset();
    changed();
  } catch (error) {
    replace(importStatus, error.status === 422 && error.fieldErrors.length
      ? [el('p', {}, error.message), el('ul', {}, error.fieldErrors.map((e) => el('li', {}, `${e.field}: ${e.message}`)))]
      : writeFailure(error));
  }
});

byId('ics-download').addEventListener('click', async () => {
  try {
    saveBlob(await getCalendarIcs(), 'crm-trends.ics');
    replace(importStatus);
  } catch (error) {
    replace(importStatus, error.message);
  }
});

range.addEventListener('change', loadEvents);

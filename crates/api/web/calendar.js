// The calendar: list, add, edit and delete events; import an .ics file; download ours.
// The API validates; a 422's `errors[]` are shown next to the fields they name.

import {
  createEvent, deleteEvent, getCalendarIcs, getEvents, importIcs, updateEvent,
} from './api.js';
import { askForKey } from './auth.js';
import { byId, el, renderIfChanged, replace, saveBlob, stateMessage } from './dom.js';
import { addDays, formatDaySpan, formatInt, localToday } from './format.js';
import { impactBadge } from './panels.js';
import { multiplierText } from './trend.js';

const form = byId('event-form');
const status = byId('event-form-status');
const submit = byId('event-submit');
const cancel = byId('event-cancel');
const title = byId('event-form-title');
const list = byId('event-list');
const range = byId('event-range');

/** API field name → the id of its input (its error paragraph is `${id}-error`). */
const FIELDS = {
  name: 'ev-name',
  event_type: 'ev-type',
  impact_level: 'ev-impact',
  date: 'ev-date',
  end_date: 'ev-end',
  expected_demand_multiplier: 'ev-mult',
  lead_days: 'ev-lead',
  notes: 'ev-notes',
};

let editing = null; // the event being edited, or null when adding
let today = localToday(); // the store's day, from the dashboard once loaded
let onChange = () => {}; // called after every successful write

const input = (field) => byId(FIELDS[field]);

/** The message for a failed write: 403 means the key may only read. */
function writeFailure(error) {
  if (error.status === 403) {
    return ['Changing the calendar needs a write key; the key in use may only read. ',
      el('button', {
        type: 'button', className: 'button button--quiet',
        on: { click: () => askForKey('Enter a write key to change the calendar.') },
      }, 'Enter a write key')];
  }
  if (error.status === 401) return ['An API key is needed: enter it, then try again.'];
  return [error.message];
}

// --- The list ---------------------------------------------------------------------------

/** Loads the list for the chosen range (next or past 12 months). */
export async function loadEvents() {
  const from = range.value === 'past' ? addDays(today, -365) : today;
  try {
    const answer = await getEvents(from, 365);
    renderIfChanged(list, answer.events, renderList);
  } catch (error) {
    renderIfChanged(list, { error: error.message }, () => replace(list, stateMessage('error', error.message)));
  }
}

function renderList(node, events) {
  if (!events.length) {
    replace(node, stateMessage('empty', range.value === 'past' ? 'No events in the past 12 months.' : 'No events in the next 12 months.'));
    return;
  }
  replace(node, el('ul', { className: 'event-list event-list--manage' }, events.map((ev) => {
    const confirmBox = el('div', { className: 'confirm', hidden: true },
      el('span', {}, `Delete “${ev.name}”?`),
      el('button', { type: 'button', className: 'button button--danger', on: { click: () => remove(ev) } }, 'Delete'),
      el('button', {
        type: 'button', className: 'button',
        on: { click: () => { confirmBox.hidden = true; deleteButton.focus(); } },
      }, 'Keep'));
    const deleteButton = el('button', {
      type: 'button', className: 'button button--quiet', attrs: { 'aria-label': `Delete ${ev.name}` },
      on: { click: () => { confirmBox.hidden = false; confirmBox.querySelector('.button--danger').focus(); } },
    }, 'Delete');
    const details = [ev.eventType, multiplierText(ev.expectedDemandMultiplier),
      ev.leadDays === null || ev.leadDays === undefined ? null : `${formatInt(ev.leadDays)} lead days`,
      ev.uid ? 'imported' : null].filter(Boolean).join(' · ');
    return el('li', { className: 'event' },
      el('div', { className: 'event__when' }, el('strong', {}, formatDaySpan(ev.date, ev.endDate))),
      el('div', { className: 'event__what' },
        el('span', { className: 'event__name' }, ev.name),
        el('span', { className: 'muted' }, ` · ${details}`),
        ev.notes && el('p', { className: 'muted event__notes' }, ev.notes)),
      el('div', { className: 'event__impact' }, impactBadge(ev.impactLevel)),
      el('div', { className: 'event__actions' },
        el('button', {
          type: 'button', className: 'button button--quiet', attrs: { 'aria-label': `Edit ${ev.name}` },
          on: { click: () => startEdit(ev) },
        }, 'Edit'),
        deleteButton),
      confirmBox);
  })));
}

async function remove(ev) {
  try {
    await deleteEvent(ev.id);
    if (editing?.id === ev.id) resetForm();
    replace(status, `Deleted “${ev.name}”.`);
    changed();
  } catch (error) {
    replace(status, ...writeFailure(error));
    status.scrollIntoView({ block: 'nearest' });
  }
}

// --- The form ---------------------------------------------------------------------------

function clearErrors() {
  for (const field of Object.keys(FIELDS)) {
    input(field).removeAttribute('aria-invalid');
    byId(`${FIELDS[field]}-error`).textContent = '';
  }
  replace(status);
}

function resetForm() {
  editing = null;
  form.reset();
  clearErrors();
  title.textContent = 'Add an event';
  submit.textContent = 'Add event';
  cancel.hidden = true;
}

function startEdit(ev) {
  resetForm();
  editing = ev;
  input('name').value = ev.name;
  input('event_type').value = ev.eventType;
  input('impact_level').value = ev.impactLevel;
  input('date').value = ev.date;
  input('end_date').value = ev.endDate ?? '';
  input('expected_demand_multiplier').value = String(ev.expectedDemandMultiplier);
  input('lead_days').value = ev.leadDays ?? '';
  input('notes').value = ev.notes ?? '';
  title.textContent = `Edit “${ev.name}”`;
  submit.textContent = 'Save changes';
  cancel.hidden = false;
  form.scrollIntoView({ block: 'start' });
  input('name').focus();
}

/** Reads the form into the API's body; optional fields left empty are sent as null. */
function readForm() {
  const text = (field) => input(field).value.trim();
  const optional = (field) => text(field) || null;
  const number = (field) => {
    const node = input(field);
    if (node.validity.badInput) return { bad: true };
    return node.value === '' ? null : Number(node.value);
  };
  const body = {
    name: text('name'),
    event_type: text('event_type'),
    impact_level: input('impact_level').value,
    date: text('date'),
    end_date: optional('end_date'),
    expected_demand_multiplier: number('expected_demand_multiplier'),
    lead_days: number('lead_days'),
    notes: optional('notes'),
  };
  // Only what the API cannot see: text in a number box the browser could not read.
  const unreadable = ['expected_demand_multiplier', 'lead_days']
    .filter((field) => body[field]?.bad)
    .map((field) => ({ field, message: 'must be a number' }));
  return { body, unreadable };
}

/** Shows each error next to its field (others in the form's status) and focuses the first. */
function showErrors(errors, detail) {
  const general = [];
  let first = null;
  for (const { field, message } of errors) {
    const key = Object.hasOwn(FIELDS, field) ? field : null;
    if (!key) { general.push(`${field}: ${message}`); continue; }
    const node = input(key);
    node.setAttribute('aria-invalid', 'true');
    const out = byId(`${FIELDS[key]}-error`);
    out.textContent = out.textContent ? `${out.textContent}; ${message}` : message;
    first ??= node;
  }
  replace(status, [detail, ...general].filter(Boolean).join(' '));
  first?.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const { body, unreadable } = readForm();
  if (unreadable.length) { showErrors(unreadable, 'Please correct the marked fields.'); return; }
  submit.disabled = true;
  replace(status, 'Saving…');
  try {
    const saved = editing ? await updateEvent(editing.id, body) : await createEvent(body);
    resetForm();
    replace(status, `Saved “${saved.name}” (${formatDaySpan(saved.date, saved.endDate)}).`);
    changed();
  } catch (error) {
    if (error.status === 422 && error.fieldErrors.length) showErrors(error.fieldErrors, 'Please correct the marked fields.');
    else replace(status, ...writeFailure(error));
  } finally {
    submit.disabled = false;
  }
});

cancel.addEventListener('click', () => {
  resetForm();
  replace(status, 'Editing cancelled.');
});

// --- Files ------------------------------------------------------------------------------

const importForm = byId('import-form');
const importStatus = byId('import-status');

importForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = byId('ics-file').files[0];
  if (!file) { replace(importStatus, 'Choose an .ics file first.'); return; }
  replace(importStatus, `Importing ${file.name}…`);
  try {
    const report = await importIcs(await file.text());
    replace(importStatus,
      `Imported ${formatInt(report.occurrences)} occurrences (${formatDaySpan(report.from, report.to)}): `,
      `${formatInt(report.created)} created, ${formatInt(report.updated)} updated, `,
      `${formatInt(report.unchanged)} unchanged, ${formatInt(report.skipped)} skipped (edited here since).`);
    importForm.reset();
    changed();
  } catch (error) {
    if (error.status === 422 && error.fieldErrors.length) {
      replace(importStatus, el('p', {}, error.message),
        el('ul', { className: 'plain-list' }, error.fieldErrors.map((e) => el('li', {}, `${e.field}: ${e.message}`))));
    } else {
      replace(importStatus, ...writeFailure(error));
    }
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

function changed() {
  loadEvents();
  onChange();
}

/** Wires the calendar: `change` runs after each write (the dashboard reloads). */
export function initCalendar(change) {
  onChange = change;
}

/** The store's today (from the dashboard's `asOf`), for the list's range. */
export function setToday(day) {
  if (day && day !== today) {
    today = day;
    loadEvents();
  }
}

//! Calendars from outside: iCalendar (RFC 5545) files imported as events, and the calendar
//! exported as one.
//!
//! An import reads each `VEVENT`: `SUMMARY` is the name, `DTSTART` the first day, `DTEND`
//! (exclusive for all-day events, as the RFC says) or `DURATION` the length, `DESCRIPTION`
//! the notes; `RRULE` recurrences are expanded by the `rrule` crate over a bounded window
//! (default two years back and one ahead, so past occurrences can teach the forecast), less
//! `EXDATE`s and occurrences moved or cancelled by a `RECURRENCE-ID` override. Each
//! occurrence becomes one event keyed by the file's `UID` and the occurrence's date, so a
//! second import of the same file creates nothing, a changed file updates what it changed,
//! and an event a user edited since the import is left alone. Type, impact, multiplier and
//! lead days come from our own `X-CRM-*` properties when present (a file we exported),
//! else from the import's defaults.

use crate::{Budget, Invalid, RecordFault, Service, ServiceError};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc};
use crm_domain::{CalendarEvent, EventFields, EventId, FieldError, StoreZone, StoredEvent};
use crm_storage::calendar;
use icalendar::parser::{Component, read_calendar, unfold};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Most occurrences one import may create or match; an event of the file that is refused
/// counts as one too, so a file cannot make endless work out of failures.
pub const MAX_IMPORT_OCCURRENCES: usize = 5_000;
/// Deepest nesting of components read (`VCALENDAR` > `VEVENT` > `VALARM` is three). The
/// parser reads nested components by recursion: thousands of nested `BEGIN` lines would
/// exhaust the stack, which aborts the process and cannot be caught, so the nesting is
/// measured before the parser sees the file.
pub const MAX_NESTING: usize = 8;
/// Most instances the recurrence rules of one file may generate, those outside the window
/// and those excluded included (a daily rule from 1990 read for 2024 generates 34 years).
pub const MAX_GENERATED: usize = 200_000;
/// Most instances one rule may make up in one of its periods (a year of a `YEARLY` rule):
/// the rule's dates are generated a period at a time, so this bounds the memory one step
/// takes. Every `BYHOUR`, `BYMINUTE` and `BYSECOND` of a yearly rule would make 31 million.
pub const MAX_PER_PERIOD: usize = 10_000;
/// The UID suffix of events entered here when exported (`crm-trends-event-7@crm-trends`).
const OWN_UID_SUFFIX: &str = "@crm-trends";

/// How to read a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRequest {
    /// Type of the events without an `X-CRM-EVENT-TYPE` (default `holiday`).
    pub event_type: Option<String>,
    /// Impact of the events without an `X-CRM-IMPACT-LEVEL` (default `medium`).
    pub impact_level: Option<String>,
    /// First day of the window occurrences are taken from (default: two years before today).
    pub from: Option<NaiveDate>,
    /// Last day of the window (default: a year after today).
    pub to: Option<NaiveDate>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// First day of the window.
    pub from: NaiveDate,
    /// Last day of the window.
    pub to: NaiveDate,
    /// Occurrences read from the file within the window.
    pub occurrences: usize,
    /// Events created.
    pub created: usize,
    /// Events rewritten because the file changed them.
    pub updated: usize,
    /// Events already as the file says.
    pub unchanged: usize,
    /// Events left alone: edited here since they were imported, or entered here and
    /// exported (the file is our own export).
    pub skipped: usize,
}

/// A calendar file read and checked, ready to store ([`Service::store_import`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarImport {
    /// First day of the window.
    pub from: NaiveDate,
    /// Last day of the window.
    pub to: NaiveDate,
    /// The occurrences in the window, one per UID and date.
    pub occurrences: Vec<ImportedOccurrence>,
}

/// One occurrence read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedOccurrence {
    /// The file's `UID`.
    pub uid: String,
    /// Its date in the file (the key, with the UID).
    pub source_date: NaiveDate,
    /// The event it becomes.
    pub event: CalendarEvent,
}

impl Service {
    /// Imports an iCalendar file (see the module's documentation). A file that is not
    /// iCalendar, or an event in it that breaks a rule, is refused with every fault named
    /// by event, property and line; nothing is then written.
    pub fn import_calendar(&self, text: &str, request: &ImportRequest) -> Result<ImportReport, ServiceError> {
        let import = self.read_import(text, request, &Budget::unlimited())?;
        self.store_import(&import)
    }

    /// Reads and checks an iCalendar file without touching the store: the part of an
    /// import whose cost the file decides, bounded by `budget` and by the limits above.
    pub fn read_import(
        &self,
        text: &str,
        request: &ImportRequest,
        budget: &Budget,
    ) -> Result<CalendarImport, ServiceError> {
        let today = self.today();
        let from = request.from.unwrap_or_else(|| years_from(today, -2));
        let to = request.to.unwrap_or_else(|| years_from(today, 1));
        if from > to {
            return Err(ServiceError::BadParameter(format!("from ({from}) is after to ({to})")));
        }
        if (to - from).num_days() > 3 * 366 + 365 {
            return Err(ServiceError::BadParameter("from and to may be at most four years apart".into()));
        }
        let defaults = Defaults::new(request)?;
        let occurrences = read_occurrences(text, &defaults, Window { from, to, zone: self.zone }, budget)?;
        Ok(CalendarImport { from, to, occurrences })
    }

    /// Stores what [`read_import`](Self::read_import) read, in one transaction.
    pub fn store_import(&self, import: &CalendarImport) -> Result<ImportReport, ServiceError> {
        let CalendarImport { from, to, occurrences } = import;
        let (from, to) = (*from, *to);
        let now = self.now();
        self.write_changing(|conn| {
            let mut report = ImportReport {
                from,
                to,
                occurrences: occurrences.len(),
                created: 0,
                updated: 0,
                unchanged: 0,
                skipped: 0,
            };
            for o in occurrences {
                if is_own(conn, &o.uid)? {
                    report.skipped += 1;
                    continue;
                }
                match calendar::event_by_source(conn, &o.uid, o.source_date)? {
                    None => {
                        calendar::insert_imported(conn, &o.event, &o.uid, o.source_date, now)?;
                        report.created += 1;
                    }
                    Some((_, true)) => report.skipped += 1,
                    Some((row, false)) if row.event == o.event => report.unchanged += 1,
                    Some((row, false)) => {
                        calendar::update_imported(conn, row.id, &o.event, now)?;
                        report.updated += 1;
                    }
                }
            }
            let changed = report.created + report.updated > 0;
            Ok((report, crm_storage::Change { calendar: changed, ..crm_storage::Change::default() }))
        })
    }

    /// The whole calendar as an iCalendar file: one all-day `VEVENT` per event, with its
    /// type, impact, multiplier and lead days in `X-CRM-*` properties so that importing it
    /// gives the same events.
    pub fn export_calendar(&self) -> Result<String, ServiceError> {
        let events = self.db.read(calendar::all_events)?;
        Ok(write_calendar(&events))
    }
}

/// `day` moved by `years` (29 February becomes 28 February where needed).
fn years_from(day: NaiveDate, years: i32) -> NaiveDate {
    let year = day.year() + years;
    day.with_year(year).or_else(|| NaiveDate::from_ymd_opt(year, day.month(), 28)).unwrap_or(day)
}

/// Whether `uid` names an event entered in this store and exported: it is already here.
fn is_own(conn: &mut crm_storage::Conn, uid: &str) -> Result<bool, crm_storage::StorageError> {
    let Some(id) = uid.strip_prefix("crm-trends-event-").and_then(|rest| rest.strip_suffix(OWN_UID_SUFFIX)) else {
        return Ok(false);
    };
    let Some(id) = id.parse::<i64>().ok().and_then(|id| EventId::try_from(id).ok()) else { return Ok(false) };
    Ok(calendar::event_by_id(conn, id)?.is_some_and(|row| row.uid.is_none()))
}

/// The import's defaults, checked once.
#[derive(Debug, Clone)]
struct Defaults {
    event_type: String,
    impact_level: String,
}

impl Defaults {
    fn new(request: &ImportRequest) -> Result<Self, ServiceError> {
        let defaults = Self {
            event_type: request.event_type.clone().unwrap_or_else(|| "holiday".into()),
            impact_level: request.impact_level.clone().unwrap_or_else(|| "medium".into()),
        };
        // A probe event with the defaults: their faults are the parameters' faults.
        let probe = EventFields {
            event_type: &defaults.event_type,
            name: "probe",
            date: "2025-01-01",
            impact_level: &defaults.impact_level,
            ..EventFields::default()
        };
        if let Err(errors) = CalendarEvent::parse(&probe) {
            let e = &errors[0];
            return Err(ServiceError::BadParameter(format!("{} {}", e.field, e.message)));
        }
        Ok(defaults)
    }
}

/// Reads every occurrence within `from..=to` from an iCalendar file.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_domain::StoreZone;
/// let file = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n\
///     BEGIN:VEVENT\r\nUID:fair@example.org\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Village Fair\r\n\
///     DTSTART;VALUE=DATE:20250601\r\nDTEND;VALUE=DATE:20250603\r\nRRULE:FREQ=YEARLY\r\n\
///     EXDATE;VALUE=DATE:20260601\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
/// let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let read = crm_service::read_calendar_file(file, day(2025, 1, 1), day(2027, 12, 31), StoreZone::UTC).unwrap();
/// // Two days each (DTEND is exclusive), yearly, except 2026.
/// let spans: Vec<_> = read.iter().map(|o| (o.event.date, o.event.end_date)).collect();
/// assert_eq!(spans, [(day(2025, 6, 1), Some(day(2025, 6, 2))), (day(2027, 6, 1), Some(day(2027, 6, 2)))]);
/// assert_eq!(read[0].event.event_type, "holiday");
/// ```
pub fn read_calendar_file(
    text: &str,
    from: NaiveDate,
    to: NaiveDate,
    zone: StoreZone,
) -> Result<Vec<ImportedOccurrence>, ServiceError> {
    let defaults = Defaults { event_type: "holiday".into(), impact_level: "medium".into() };
    read_occurrences(text, &defaults, Window { from, to, zone }, &Budget::unlimited())
}

const FILE_INVALID: &str = "the file is not an iCalendar file; nothing was imported";
const FILE_TOO_LARGE: &str = "the file holds too many occurrences; nothing was imported";

/// The days an import reads occurrences from, and the store's zone that dates them.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: NaiveDate,
    to: NaiveDate,
    zone: StoreZone,
}

/// What expanding one file's recurrences has cost so far.
struct Expansion<'a> {
    generated: usize,
    budget: &'a Budget,
    /// Why expansion stopped for the whole file (its instances or the request's time are
    /// spent), not for one event.
    stopped: Option<ServiceError>,
}

impl Expansion<'_> {
    /// Counts one generated instance; stops the file once its instances or the request's
    /// time are spent.
    fn spend(&mut self) -> Result<(), String> {
        self.generated += 1;
        if self.generated > MAX_GENERATED {
            let message = format!(
                "the recurrence rules generate more than {MAX_GENERATED} instances (counting those before the \
                 window); start the rules (DTSTART) nearer the window, narrow it (from, to) or split the file"
            );
            let stop = Invalid::record(FILE_TOO_LARGE, vec![FieldError::new("file", &message)]);
            self.stopped = Some(stop.into());
            return Err(message);
        }
        if self.generated.is_multiple_of(1024)
            && let Err(e) = self.budget.check()
        {
            let message = e.to_string();
            self.stopped = Some(e);
            return Err(message);
        }
        Ok(())
    }
}

/// Refuses a file whose components nest deeper than [`MAX_NESTING`], naming the line.
fn check_nesting(unfolded: &str) -> Result<(), ServiceError> {
    let mut depth = 0usize;
    for (i, line) in unfolded.lines().enumerate() {
        let starts = |prefix: &str| line.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        if starts("BEGIN:") {
            depth += 1;
            if depth > MAX_NESTING {
                let message = format!(
                    "line {}: components nest more than {MAX_NESTING} deep ({})",
                    i + 1,
                    line.chars().take(40).collect::<String>()
                );
                return Err(Invalid::record(FILE_INVALID, vec![FieldError::new("file", message)]).into());
            }
        } else if starts("END:") {
            depth = depth.saturating_sub(1);
        }
    }
    Ok(())
}

fn read_occurrences(
    text: &str,
    defaults: &Defaults,
    window: Window,
    budget: &Budget,
) -> Result<Vec<ImportedOccurrence>, ServiceError> {
    let Window { from, to, zone } = window;
    // A byte-order mark (as some Windows programs write) is not part of the file's text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let unfolded = unfold(text);
    check_nesting(&unfolded)?;
    let calendar = read_calendar(&unfolded).map_err(|message| {
        let message = message.trim_start_matches("error: ").trim().to_owned();
        Invalid::record(FILE_INVALID, vec![FieldError::new("file", message)])
    })?;
    if !unfolded.trim_start().starts_with("BEGIN:VCALENDAR") {
        return Err(
            Invalid::record(FILE_INVALID, vec![FieldError::new("file", "must begin with BEGIN:VCALENDAR")]).into()
        );
    }
    // The line of each VEVENT's BEGIN in the unfolded text, in order, for the error reports.
    let lines: Vec<usize> = unfolded
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end() == "BEGIN:VEVENT")
        .map(|(i, _)| i + 1)
        .collect();
    let vevents: Vec<&Component<'_>> = calendar.components.iter().filter(|c| c.name.as_str() == "VEVENT").collect();
    // Occurrences a RECURRENCE-ID override replaces: (UID, original date).
    let mut overridden: HashSet<(String, NaiveDate)> = HashSet::new();
    for v in &vevents {
        if let (Some(uid), Some(prop)) = (text_of(v, "UID"), v.find_prop("RECURRENCE-ID"))
            && let Ok(day) = day_of(prop, zone)
        {
            overridden.insert((uid, day));
        }
    }
    let mut out = Vec::new();
    let mut faults = Vec::new();
    let mut refused = 0;
    let mut expansion = Expansion { generated: 0, budget, stopped: None };
    for (i, v) in vevents.iter().enumerate() {
        budget.check()?;
        let line = lines.get(i).copied().unwrap_or(0);
        match read_event(v, defaults, window, &overridden, &mut expansion) {
            Ok(occurrences) => out.extend(occurrences),
            Err(errors) => {
                refused += 1;
                faults.extend(errors.into_iter().map(|(property, message)| RecordFault {
                    index: Some(i),
                    error: FieldError::new(property, format!("VEVENT {} at line {line}: {message}", i + 1)),
                }));
            }
        }
        if let Some(stop) = expansion.stopped.take() {
            return Err(stop);
        }
        if out.len() + refused > MAX_IMPORT_OCCURRENCES {
            return Err(Invalid::record(
                FILE_TOO_LARGE,
                vec![FieldError::new(
                    "file",
                    format!(
                        "more than {MAX_IMPORT_OCCURRENCES} occurrences between {from} and {to}; narrow the window (from, to)"
                    ),
                )],
            )
            .into());
        }
    }
    if !faults.is_empty() {
        let bad: BTreeSet<usize> = faults.iter().filter_map(|f| f.index).collect();
        let detail = format!("{} of {} events in the file are invalid; nothing was imported", bad.len(), vevents.len());
        return Err(Invalid { detail, errors: faults }.into());
    }
    // The same UID and date twice (an override and its series, a repeated VEVENT): the last wins.
    let mut seen: HashMap<(String, NaiveDate), usize> = HashMap::new();
    let mut unique: Vec<ImportedOccurrence> = Vec::with_capacity(out.len());
    for o in out {
        match seen.get(&(o.uid.clone(), o.source_date)) {
            Some(&at) => unique[at] = o,
            None => {
                seen.insert((o.uid.clone(), o.source_date), unique.len());
                unique.push(o);
            }
        }
    }
    Ok(unique)
}

/// A property's text, unescaped.
fn text_of(v: &Component<'_>, name: &str) -> Option<String> {
    v.find_prop(name).map(|p| p.val.clone().unescape_text().as_str().trim().to_owned())
}

/// The store-local day of a `DATE` or `DATE-TIME` property: a UTC time (`Z`) is moved into
/// the store's zone; a floating or `TZID` time is taken as written.
fn day_of(prop: &icalendar::parser::Property<'_>, zone: StoreZone) -> Result<NaiveDate, String> {
    let value = prop.val.as_str().trim();
    if value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| format!("{value:?} is not a date (YYYYMMDD)"));
    }
    let bad = || format!("{value:?} is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])");
    if let Some(utc) = value.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(zone.today(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)));
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map(|at| at.date()).map_err(|_| bad())
}

/// Whether a property holds a bare date.
fn is_date(prop: &icalendar::parser::Property<'_>) -> bool {
    prop.val.as_str().trim().len() == 8
}

/// `DURATION` in whole days (`P3D`, `P1W`, `PT24H`...), rounded up; at least 1.
fn duration_days(value: &str) -> Result<u64, String> {
    let bad = || format!("{value:?} is not a duration of days or weeks (P3D, P1W)");
    let rest = value.trim().strip_prefix('P').ok_or_else(bad)?;
    let mut total_hours = 0u64;
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n = if c == 'T' { 0 } else { number.parse::<u64>().map_err(|_| bad())? };
        total_hours += match (in_time, c) {
            (false, 'T') => {
                in_time = true;
                0
            }
            (false, 'W') => n * 7 * 24,
            (false, 'D') => n * 24,
            (true, 'H') => n,
            // Minutes or seconds past whole hours still reach into the next day.
            (true, 'M' | 'S') => u64::from(n > 0),
            _ => return Err(bad()),
        };
        number.clear();
    }
    Ok(total_hours.div_ceil(24).max(1))
}

/// The occurrences of one VEVENT, or its faults as (property, message).
fn read_event(
    v: &Component<'_>,
    defaults: &Defaults,
    window: Window,
    overridden: &HashSet<(String, NaiveDate)>,
    expansion: &mut Expansion<'_>,
) -> Result<Vec<ImportedOccurrence>, Vec<(String, String)>> {
    let Window { from, to, zone } = window;
    let mut faults: Vec<(String, String)> = Vec::new();
    let uid = text_of(v, "UID").filter(|u| !u.is_empty());
    if uid.is_none() {
        faults.push(("UID".into(), "missing: every event needs a UID".into()));
    }
    let start = match v.find_prop("DTSTART") {
        None => {
            faults.push(("DTSTART".into(), "missing".into()));
            None
        }
        Some(p) => day_of(p, zone).map_err(|m| faults.push(("DTSTART".into(), m))).ok(),
    };
    // The number of days the event covers.
    let length = match (v.find_prop("DTEND"), v.find_prop("DURATION"), start) {
        (Some(end), _, Some(start)) => match day_of(end, zone) {
            Ok(end_day) => {
                // An all-day DTEND, or a time ending at midnight, is the day after the last.
                let exclusive = is_date(end) || end.val.as_str().contains("T000000");
                let last = if exclusive && end_day > start { end_day - Days::new(1) } else { end_day };
                if last < start {
                    faults.push(("DTEND".into(), format!("{end_day} is before DTSTART {start}")));
                }
                u64::try_from((last - start).num_days()).unwrap_or(0) + 1
            }
            Err(m) => {
                faults.push(("DTEND".into(), m));
                1
            }
        },
        (None, Some(d), _) => duration_days(d.val.as_str()).unwrap_or_else(|m| {
            faults.push(("DURATION".into(), m));
            1
        }),
        _ => 1,
    };
    let status = text_of(v, "STATUS").unwrap_or_default();
    let recurrence_id = v.find_prop("RECURRENCE-ID").and_then(|p| day_of(p, zone).ok());
    let mut starts: Vec<(NaiveDate, NaiveDate)> = Vec::new(); // (source date, first day)
    if let (Some(start), Some(uid)) = (start, &uid) {
        match (v.find_prop("RRULE"), recurrence_id) {
            (Some(rule), None) => match expand(rule.val.as_str(), start, from, to, expansion) {
                Ok(days) => {
                    let excluded = exdates(v, zone);
                    starts.extend(
                        days.into_iter()
                            .filter(|d| !excluded.contains(d) && !overridden.contains(&(uid.clone(), *d)))
                            .map(|d| (d, d)),
                    );
                }
                Err(m) => faults.push(("RRULE".into(), m)),
            },
            (_, Some(original)) => starts.push((original, start)),
            (None, None) => starts.push((start, start)),
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    if status.eq_ignore_ascii_case("CANCELLED") {
        return Ok(Vec::new());
    }
    let uid = uid.unwrap_or_default();
    let name = text_of(v, "SUMMARY").unwrap_or_default();
    let notes = text_of(v, "DESCRIPTION").filter(|n| !n.is_empty());
    let event_type = text_of(v, "X-CRM-EVENT-TYPE").unwrap_or_else(|| defaults.event_type.clone());
    let impact = text_of(v, "X-CRM-IMPACT-LEVEL").unwrap_or_else(|| defaults.impact_level.clone());
    let multiplier = text_of(v, "X-CRM-DEMAND-MULTIPLIER");
    let lead = text_of(v, "X-CRM-LEAD-DAYS");
    let multiplier = match multiplier.as_deref().map(str::parse::<f64>) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => return Err(vec![("X-CRM-DEMAND-MULTIPLIER".into(), "is not a number".into())]),
        None => None,
    };
    let lead = match lead.as_deref().map(str::parse::<i64>) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return Err(vec![("X-CRM-LEAD-DAYS".into(), "is not a whole number".into())]),
        None => None,
    };
    let source_date_override =
        text_of(v, "X-CRM-SOURCE-DATE").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let mut occurrences = Vec::new();
    for (source_date, first) in starts {
        if first < from || first > to {
            continue;
        }
        let last = first + Days::new(length - 1);
        let (date, end) = (first.to_string(), last.to_string());
        let fields = EventFields {
            event_type: &event_type,
            name: &name,
            date: &date,
            end_date: Some(&end),
            impact_level: &impact,
            expected_demand_multiplier: multiplier,
            notes: notes.as_deref(),
            lead_days: lead,
        };
        match CalendarEvent::parse(&fields) {
            Ok(event) => occurrences.push(ImportedOccurrence {
                uid: uid.clone(),
                source_date: source_date_override.unwrap_or(source_date),
                event,
            }),
            Err(errors) => return Err(errors.into_iter().map(|e| (property_of(&e.field), e.message)).collect()),
        }
    }
    Ok(occurrences)
}

/// The iCalendar property an event field is read from.
fn property_of(field: &str) -> String {
    match field {
        "name" => "SUMMARY",
        "date" => "DTSTART",
        "end_date" => "DTEND",
        "notes" => "DESCRIPTION",
        "event_type" => "X-CRM-EVENT-TYPE",
        "impact_level" => "X-CRM-IMPACT-LEVEL",
        "expected_demand_multiplier" => "X-CRM-DEMAND-MULTIPLIER",
        "lead_days" => "X-CRM-LEAD-DAYS",
        other => other,
    }
    .to_owned()
}

/// The days `EXDATE` properties exclude.
fn exdates(v: &Component<'_>, zone: StoreZone) -> HashSet<NaiveDate> {
    v.properties
        .iter()
        .filter(|p| p.name.as_str() == "EXDATE")
        .flat_map(|p| p.val.as_str().split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|value| {
            let prop = icalendar::parser::Property::new_ref("EXDATE", &value);
            day_of(&prop, zone).ok()
        })
        .collect()
}

/// The first days of a recurrence from `start` by `rule`, within `from..=to`. Every instance
/// generated, kept or not, is counted against the file's `expansion`.
///
/// The rule is ASCII, as RFC 5545 writes every part of it; other text is refused before the
/// rrule crate reads it (it slices its input by bytes, and panicked on `BYDAY=\u{3b1}O`).
/// Should the crate still panic on some rule, the panic is contained here and the rule
/// refused: a file is data, and no file may take the request down with it.
fn expand(
    rule: &str,
    start: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    expansion: &mut Expansion<'_>,
) -> Result<Vec<NaiveDate>, String> {
    if !rule.is_ascii() {
        return Err("must be ASCII text, as RFC 5545 writes a recurrence rule".into());
    }
    let contained =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| expand_rule(rule, start, from, to, expansion)));
    contained.unwrap_or_else(|_| Err("cannot be read (the recurrence library failed on it)".into()))
}

fn expand_rule(
    rule: &str,
    start: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    expansion: &mut Expansion<'_>,
) -> Result<Vec<NaiveDate>, String> {
    let Some(dt_start) = start.and_hms_opt(0, 0, 0).map(|t| t.and_utc().with_timezone(&rrule::Tz::UTC)) else {
        return Err("the dates are out of range".into());
    };
    // An all-day UNTIL is a date; the rule is expanded at midnight UTC, so it becomes the end
    // of that day.
    let rule = rewrite_until(rule);
    let parsed: rrule::RRule<rrule::Unvalidated> = rule.parse().map_err(|e: rrule::RRuleError| e.to_string())?;
    let per_period = instances_per_period(&parsed);
    if per_period > MAX_PER_PERIOD {
        return Err(format!(
            "the rule makes up to {per_period} instances in each period of its FREQ (its BY... lists multiplied); \
             at most {MAX_PER_PERIOD} are read"
        ));
    }
    // Limited: the rrule crate gives up on a rule that matches nothing for 100,000 periods.
    let set = parsed.build(dt_start).map_err(|e| e.to_string())?.limit();
    let mut days: Vec<NaiveDate> = Vec::new();
    for at in &set {
        expansion.spend()?;
        let day = at.date_naive();
        if day > to {
            break;
        }
        // Several instances on one day (an hourly rule) are one occurrence of the event.
        if day >= from && days.last() != Some(&day) {
            if days.len() == MAX_IMPORT_OCCURRENCES {
                return Err(format!("more than {MAX_IMPORT_OCCURRENCES} occurrences in the window"));
            }
            days.push(day);
        }
    }
    Ok(days)
}

/// The most instances `rule` can make up in one period of its frequency: the days a period
/// can hold (366 for a year) times the times of day its `BYHOUR`, `BYMINUTE` and `BYSECOND`
/// lists make within the period.
fn instances_per_period(rule: &rrule::RRule<rrule::Unvalidated>) -> usize {
    use rrule::Frequency;
    let count = |n: usize| n.max(1);
    let (hours, minutes, seconds) =
        (count(rule.get_by_hour().len()), count(rule.get_by_minute().len()), count(rule.get_by_second().len()));
    match rule.get_freq() {
        Frequency::Yearly => 366 * hours * minutes * seconds,
        Frequency::Monthly => 31 * hours * minutes * seconds,
        Frequency::Weekly => 7 * hours * minutes * seconds,
        Frequency::Daily => hours * minutes * seconds,
        Frequency::Hourly => minutes * seconds,
        Frequency::Minutely => seconds,
        Frequency::Secondly => 1,
    }
}

/// `UNTIL=YYYYMMDD` as `UNTIL=YYYYMMDDT235959Z`, so a rule started at midnight UTC accepts it.
fn rewrite_until(rule: &str) -> String {
    rule.split(';')
        .map(|part| match part.split_once('=') {
            Some(("UNTIL", value)) if value.len() == 8 => format!("UNTIL={value}T235959Z"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The calendar as an iCalendar file.
fn write_calendar(events: &[StoredEvent]) -> String {
    use icalendar::{Component as _, EventLike as _};
    let mut calendar = icalendar::Calendar::new();
    calendar.name("crm-trends");
    for stored in events {
        let e = &stored.event;
        let uid = stored.uid.clone().unwrap_or_else(|| format!("crm-trends-event-{}{OWN_UID_SUFFIX}", stored.id));
        let last = e.last_day();
        let mut event = icalendar::Event::new();
        event
            .uid(&uid)
            .summary(&e.name)
            .starts(e.date)
            .ends(last + Days::new(1))
            .add_property("CATEGORIES", e.event_type.to_uppercase())
            .add_property("X-CRM-EVENT-TYPE", &e.event_type)
            .add_property("X-CRM-IMPACT-LEVEL", e.impact_level.as_str())
            .add_property("X-CRM-DEMAND-MULTIPLIER", e.expected_demand_multiplier.to_string());
        if let Some(days) = e.lead_days {
            event.add_property("X-CRM-LEAD-DAYS", days.to_string());
        }
        if stored.uid.is_some() {
            event.add_property("X-CRM-SOURCE-DATE", source_date_of(stored).to_string());
        }
        if let Some(notes) = &e.notes {
            event.description(notes);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

/// The date an imported event was keyed by (its own date until the store reads it back).
fn source_date_of(e: &StoredEvent) -> NaiveDate {
    e.source_date.unwrap_or(e.event.date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A calendar of `events` (each the lines between BEGIN:VEVENT and END:VEVENT).
    fn file(events: &[&str]) -> String {
        let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n");
        for e in events {
            text.push_str("BEGIN:VEVENT\r\nDTSTAMP:20250101T000000Z\r\n");
            for line in e.lines() {
                text.push_str(line.trim());
                text.push_str("\r\n");
            }
            text.push_str("END:VEVENT\r\n");
        }
        text.push_str("END:VCALENDAR\r\n");
        text
    }

    fn read(text: &str) -> Result<Vec<ImportedOccurrence>, ServiceError> {
        read_calendar_file(text, day(2024, 1, 1), day(2026, 12, 31), StoreZone::UTC)
    }

    fn faults(error: ServiceError) -> (String, Vec<(Option<usize>, String, String)>) {
        match error {
            ServiceError::Invalid(Invalid { detail, errors }) => {
                (detail, errors.into_iter().map(|f| (f.index, f.error.field, f.error.message)).collect())
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn an_all_day_event_ends_the_day_before_dtend_and_a_timed_one_on_its_day() {
        let read = read(&file(&[
            "UID:a\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20250601\nDTEND;VALUE=DATE:20250602",
            "UID:b\nSUMMARY:Week\nDTSTART;VALUE=DATE:20250601\nDTEND;VALUE=DATE:20250608",
            "UID:c\nSUMMARY:Evening\nDTSTART:20250601T180000\nDTEND:20250601T220000",
            "UID:d\nSUMMARY:Overnight\nDTSTART:20250601T220000Z\nDTEND:20250603T000000Z",
            "UID:e\nSUMMARY:Three days\nDTSTART;VALUE=DATE:20250601\nDURATION:P3D",
            "UID:f\nSUMMARY:No end\nDTSTART;VALUE=DATE:20250601",
        ]))
        .unwrap();
        let spans: Vec<(&str, NaiveDate, NaiveDate)> =
            read.iter().map(|o| (o.uid.as_str(), o.event.date, o.event.last_day())).collect();
        assert_eq!(
            spans,
            [
                ("a", day(2025, 6, 1), day(2025, 6, 1)),
                ("b", day(2025, 6, 1), day(2025, 6, 7)),
                ("c", day(2025, 6, 1), day(2025, 6, 1)),
                ("d", day(2025, 6, 1), day(2025, 6, 2)),
                ("e", day(2025, 6, 1), day(2025, 6, 3)),
                ("f", day(2025, 6, 1), day(2025, 6, 1)),
            ]
        );
        assert!(read.iter().all(|o| o.source_date == day(2025, 6, 1)));
    }

    #[test]
    fn a_utc_time_falls_on_the_store_s_own_day() {
        // 22:00 UTC on 1 June is 2 June in Kolkata (UTC+5:30).
        let text = file(&["UID:x\nSUMMARY:Late\nDTSTART:20250601T220000Z"]);
        let zone = StoreZone::parse("Asia/Kolkata").unwrap();
        let read = read_calendar_file(&text, day(2025, 1, 1), day(2025, 12, 31), zone).unwrap();
        assert_eq!(read[0].event.date, day(2025, 6, 2));
    }

    #[test]
    fn a_recurring_event_is_expanded_over_the_window_less_exdates_and_overrides() {
        let read = read(&file(&[
            "UID:ny@x\nSUMMARY:New Year\nDTSTART;VALUE=DATE:20200101\nDTEND;VALUE=DATE:20200102\nRRULE:FREQ=YEARLY\nEXDATE;VALUE=DATE:20250101",
            "UID:mkt@x\nSUMMARY:Market\nDTSTART;VALUE=DATE:20240105\nRRULE:FREQ=MONTHLY;COUNT=3",
            // The February market moved to the 9th; the March one cancelled.
            "UID:mkt@x\nSUMMARY:Market (moved)\nRECURRENCE-ID;VALUE=DATE:20240205\nDTSTART;VALUE=DATE:20240209",
            "UID:mkt@x\nSUMMARY:Market\nRECURRENCE-ID;VALUE=DATE:20240305\nDTSTART;VALUE=DATE:20240305\nSTATUS:CANCELLED",
            "UID:end@x\nSUMMARY:Until\nDTSTART;VALUE=DATE:20240301\nRRULE:FREQ=WEEKLY;UNTIL=20240315",
        ]))
        .unwrap();
        let got: Vec<(&str, NaiveDate, NaiveDate)> =
            read.iter().map(|o| (o.event.name.as_str(), o.source_date, o.event.date)).collect();
        assert_eq!(
            got,
            [
                ("New Year", day(2024, 1, 1), day(2024, 1, 1)),
                ("New Year", day(2026, 1, 1), day(2026, 1, 1)),
                ("Market", day(2024, 1, 5), day(2024, 1, 5)),
                ("Market (moved)", day(2024, 2, 5), day(2024, 2, 9)),
                ("Until", day(2024, 3, 1), day(2024, 3, 1)),
                ("Until", day(2024, 3, 8), day(2024, 3, 8)),
                ("Until", day(2024, 3, 15), day(2024, 3, 15)),
            ]
        );
    }

    #[test]
    fn our_own_properties_set_type_impact_multiplier_lead_days_and_notes() {
        let read = read(&file(&[
            "UID:d@x\nSUMMARY:Diwali\\, festival of lights\nDTSTART;VALUE=DATE:20251020\nDESCRIPTION:Stock up on sweets\nX-CRM-EVENT-TYPE:festival\nX-CRM-IMPACT-LEVEL:high\nX-CRM-DEMAND-MULTIPLIER:1.8\nX-CRM-LEAD-DAYS:14",
            "UID:h@x\nSUMMARY:Bank holiday\nDTSTART;VALUE=DATE:20250825",
        ]))
        .unwrap();
        let diwali = &read[0].event;
        assert_eq!(diwali.name, "Diwali, festival of lights");
        assert_eq!((diwali.event_type.as_str(), diwali.impact_level.as_str()), ("festival", "high"));
        assert_eq!((diwali.expected_demand_multiplier, diwali.lead_days), (1.8, Some(14)));
        assert_eq!(diwali.notes.as_deref(), Some("Stock up on sweets"));
        let holiday = &read[1].event;
        assert_eq!((holiday.event_type.as_str(), holiday.impact_level.as_str()), ("holiday", "medium"));
        assert_eq!((holiday.expected_demand_multiplier, holiday.lead_days), (1.25, None));
    }

    #[test]
    fn every_bad_event_is_named_by_number_property_and_line() {
        let (detail, errors) = faults(
            read(&file(&[
                "UID:ok\nSUMMARY:Fine\nDTSTART;VALUE=DATE:20250101",
                "SUMMARY:No uid\nDTSTART;VALUE=DATE:2025-01-01",
                "UID:bad-rule\nSUMMARY:Rule\nDTSTART;VALUE=DATE:20250101\nRRULE:FREQ=SOMETIMES",
                "UID:no-name\nDTSTART;VALUE=DATE:20250101\nX-CRM-DEMAND-MULTIPLIER:25",
            ]))
            .unwrap_err(),
        );
        assert_eq!(detail, "3 of 4 events in the file are invalid; nothing was imported");
        let at = |i: usize| errors.iter().filter(|e| e.0 == Some(i)).map(|e| e.1.as_str()).collect::<Vec<_>>();
        assert_eq!(at(1), ["UID", "DTSTART"]);
        assert_eq!(at(2), ["RRULE"]);
        assert_eq!(at(3), ["SUMMARY", "X-CRM-DEMAND-MULTIPLIER"]);
        // The second VEVENT begins on line 10 of the file (3 header lines, 6 of the first).
        assert_eq!(errors[0].2, "VEVENT 2 at line 10: missing: every event needs a UID");
        assert!(errors[1].2.contains("\"2025-01-01\" is not a date"), "{errors:?}");
    }

    #[test]
    fn a_file_that_is_not_icalendar_is_refused_with_its_line() {
        let (detail, errors) =
            faults(read("BEGIN:VCALENDAR\r\nthis is not a property\r\nEND:VCALENDAR\r\n").unwrap_err());
        assert_eq!(detail, FILE_INVALID);
        assert_eq!(errors[0].1, "file");
        assert!(errors[0].2.contains("line 2"), "{errors:?}");
        let (_, errors) = faults(read("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n").unwrap_err());
        assert_eq!(errors[0].2, "must begin with BEGIN:VCALENDAR");
    }

    #[test]
    fn too_many_occurrences_are_refused() {
        let daily = file(&["UID:d\nSUMMARY:Every day\nDTSTART;VALUE=DATE:20100101\nRRULE:FREQ=DAILY"]);
        let (detail, errors) =
            faults(read_calendar_file(&daily, day(2000, 1, 1), day(2030, 12, 31), StoreZone::UTC).unwrap_err());
        assert_eq!(detail, "1 of 1 events in the file are invalid; nothing was imported");
        assert_eq!(
            errors,
            [(Some(0), "RRULE".into(), "VEVENT 1 at line 4: more than 5000 occurrences in the window".into())]
        );
        // Two series of 3,000 each: the file's total is what counts.
        let two = file(&[
            "UID:a\nSUMMARY:A\nDTSTART;VALUE=DATE:20100101\nRRULE:FREQ=DAILY;COUNT=3000",
            "UID:b\nSUMMARY:B\nDTSTART;VALUE=DATE:20100101\nRRULE:FREQ=DAILY;COUNT=3000",
        ]);
        let (detail, errors) =
            faults(read_calendar_file(&two, day(2000, 1, 1), day(2030, 12, 31), StoreZone::UTC).unwrap_err());
        assert_eq!(detail, "the file holds too many occurrences; nothing was imported");
        assert_eq!(
            errors[0].2,
            "more than 5000 occurrences between 2000-01-01 and 2030-12-31; narrow the window (from, to)"
        );
        // Three years of it fit.
        let read = read_calendar_file(&daily, day(2024, 1, 1), day(2026, 12, 31), StoreZone::UTC).unwrap();
        assert_eq!(read.len(), 1096);
    }

    #[test]
    fn deeply_nested_components_are_refused_before_the_parser_sees_them() {
        // 3,000 nested components overflowed the parser's stack and aborted the process.
        let mut text = String::from("BEGIN:VCALENDAR\r\n");
        text.push_str(&"BEGIN:X\r\n".repeat(3_000));
        text.push_str("END:VCALENDAR\r\n");
        let (detail, errors) = faults(read(&text).unwrap_err());
        assert_eq!(detail, FILE_INVALID);
        assert_eq!(errors, [(None, "file".into(), "line 9: components nest more than 8 deep (BEGIN:X)".into())]);
        // Lower-case, as the parser reads it too.
        let lower = format!("BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n", "begin:x\r\n".repeat(20));
        assert_eq!(faults(read(&lower).unwrap_err()).1[0].2, "line 9: components nest more than 8 deep (begin:x)");
        // Eight levels, closed in order, are a calendar like any other.
        let mut deep = String::from("BEGIN:VCALENDAR\r\n");
        deep.push_str(&"BEGIN:X\r\n".repeat(7));
        deep.push_str(&"END:X\r\n".repeat(7));
        deep.push_str("END:VCALENDAR\r\n");
        assert_eq!(read(&deep).unwrap(), []);
    }

    #[test]
    fn a_byte_order_mark_before_the_calendar_is_read_past() {
        let text = format!("\u{feff}{}", file(&["UID:a\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20250601"]));
        let read = read(&text).unwrap();
        assert_eq!(read.iter().map(|o| o.event.date).collect::<Vec<_>>(), [day(2025, 6, 1)]);
    }

    #[test]
    fn a_rule_that_makes_millions_of_instances_a_period_is_refused_before_expanding() {
        let days: Vec<String> = (1..=31).map(|d| d.to_string()).collect();
        let numbers = |n: u32| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rule = format!(
            "FREQ=YEARLY;BYMONTHDAY={};BYHOUR={};BYMINUTE={};BYSECOND={}",
            days.join(","),
            numbers(24),
            numbers(60),
            numbers(60)
        );
        let text = file(&[&format!("UID:r\nSUMMARY:R\nDTSTART;VALUE=DATE:20250101\nRRULE:{rule}")]);
        let (_, errors) = faults(read(&text).unwrap_err());
        assert_eq!(
            errors,
            [(
                Some(0),
                "RRULE".into(),
                "VEVENT 1 at line 4: the rule makes up to 31622400 instances in each period of its FREQ (its BY... \
                 lists multiplied); at most 10000 are read"
                    .into()
            )]
        );
        assert_eq!(instances_per_period(&"FREQ=DAILY;BYHOUR=9,17".parse().unwrap()), 2);
        assert_eq!(instances_per_period(&"FREQ=MINUTELY".parse().unwrap()), 1);
        assert_eq!(instances_per_period(&"FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=1,2,3".parse().unwrap()), 21);
    }

    #[test]
    fn instances_before_the_window_count_against_the_file() {
        // A rule every minute from 2024 reaches the window only after half a million instances.
        let text = file(&["UID:m\nSUMMARY:M\nDTSTART:20240101T000000Z\nRRULE:FREQ=MINUTELY"]);
        let late = read_calendar_file(&text, day(2025, 1, 1), day(2025, 12, 31), StoreZone::UTC).unwrap_err();
        let (detail, errors) = faults(late);
        assert_eq!(detail, FILE_TOO_LARGE);
        assert_eq!(
            errors,
            [(
                None,
                "file".into(),
                "the recurrence rules generate more than 200000 instances (counting those before the window); start \
                 the rules (DTSTART) nearer the window, narrow it (from, to) or split the file"
                    .into()
            )]
        );
        // Read from its start, one occurrence a day: 3 days of it fit.
        let read = read_calendar_file(&text, day(2024, 1, 1), day(2024, 1, 3), StoreZone::UTC).unwrap();
        assert_eq!(
            read.iter().map(|o| o.event.date).collect::<Vec<_>>(),
            [day(2024, 1, 1), day(2024, 1, 2), day(2024, 1, 3)]
        );
    }

    #[test]
    fn refused_events_count_toward_the_file_s_limit() {
        let bad = "SUMMARY:No uid\nDTSTART;VALUE=DATE:20250101";
        let (detail, errors) = faults(read(&file(&vec![bad; MAX_IMPORT_OCCURRENCES + 1])).unwrap_err());
        assert_eq!(detail, FILE_TOO_LARGE);
        assert_eq!(errors.len(), 1);
        // Up to the limit, every refused event is reported.
        let (detail, _) = faults(read(&file(&[bad; 3])).unwrap_err());
        assert_eq!(detail, "3 of 3 events in the file are invalid; nothing was imported");
    }

    #[test]
    fn a_spent_budget_stops_the_read() {
        let text = file(&["UID:d\nSUMMARY:Daily\nDTSTART;VALUE=DATE:20240101\nRRULE:FREQ=DAILY"]);
        let budget = Budget::new(std::time::Duration::from_secs(60));
        budget.cancel();
        let window = Window { from: day(2024, 1, 1), to: day(2026, 12, 31), zone: StoreZone::UTC };
        let defaults = Defaults { event_type: "holiday".into(), impact_level: "medium".into() };
        assert!(matches!(read_occurrences(&text, &defaults, window, &budget), Err(ServiceError::OverBudget(_))));
    }

    #[test]
    fn a_rule_with_other_than_ascii_is_refused_before_the_library_reads_it() {
        // The rrule crate slices by bytes: a Greek letter in BYDAY panicked (found by the ical fuzz target).
        let text = file(&["UID:g\nSUMMARY:G\nDTSTART;VALUE=DATE:20240108\nRRULE:FREQ=MONTHLY;BYDAY=\u{3b1}O"]);
        let (_, errors) = faults(read(&text).unwrap_err());
        assert_eq!(
            errors,
            [(
                Some(0),
                "RRULE".into(),
                "VEVENT 1 at line 4: must be ASCII text, as RFC 5545 writes a recurrence rule".into()
            )]
        );
    }

    #[test]
    fn durations_are_whole_days_rounded_up() {
        assert_eq!(duration_days("P1D"), Ok(1));
        assert_eq!(duration_days("P2W"), Ok(14));
        assert_eq!(duration_days("PT25H"), Ok(2));
        assert_eq!(duration_days("P1DT1M"), Ok(2));
        assert_eq!(duration_days("PT0S"), Ok(1));
        assert!(duration_days("3 days").is_err());
        assert_eq!(rewrite_until("FREQ=WEEKLY;UNTIL=20240315"), "FREQ=WEEKLY;UNTIL=20240315T235959Z");
        assert_eq!(years_from(day(2024, 2, 29), 1), day(2025, 2, 28));
    }
}

//! Calendar events: create, replace, delete and read by id. Listing by date is in
//! [`crate::reads::events_between`].

use crate::Query;
use crate::reads::{EventRecord, stored_events};
use crate::schema::{calendar_events, sales};
use crate::{Conn, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::{CalendarEvent, EventId, StoredEvent};
use diesel::prelude::*;

/// Stores a new event and returns it with its id.
pub fn insert_event(conn: &mut Conn, event: &CalendarEvent, now: DateTime<Utc>) -> Result<StoredEvent, StorageError> {
    let id: i64 = diesel::insert_into(calendar_events::table)
        .values((
            fields(event),
            calendar_events::created_at.eq(now.naive_utc()),
            calendar_events::updated_at.eq(now.naive_utc()),
        ))
        .returning(calendar_events::id)
        .get_result_in(conn)?;
    row(id, event)
}

/// Replaces an event; `None` when there is no such event.
pub fn replace_event(
    conn: &mut Conn,
    id: EventId,
    event: &CalendarEvent,
    now: DateTime<Utc>,
) -> Result<Option<StoredEvent>, StorageError> {
    let changed = diesel::update(calendar_events::table.find(id.get()))
        .set((fields(event), calendar_events::updated_at.eq(now.naive_utc())))
        .execute_in(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    // Read back: an imported event keeps its UID.
    event_by_id(conn, id)
}

/// An event imported from `uid`'s occurrence on `source_date`, and whether someone edited
/// it since the import last wrote it.
pub fn event_by_source(
    conn: &mut Conn,
    uid: &str,
    source_date: NaiveDate,
) -> Result<Option<(StoredEvent, bool)>, StorageError> {
    let found: Option<(EventRecord, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = calendar_events::table
        .filter(calendar_events::uid.eq(uid))
        .filter(calendar_events::source_date.eq(source_date))
        .select((crate::backend::columns::<EventRecord>(), calendar_events::updated_at, calendar_events::imported_at))
        .first_in(conn)
        .optional()?;
    found.map(|(row, updated, imported)| Ok((row.try_into()?, imported.is_none_or(|at| updated > at)))).transpose()
}

/// Stores an event imported from `uid`'s occurrence on `source_date`; its id.
pub fn insert_imported(
    conn: &mut Conn,
    event: &CalendarEvent,
    uid: &str,
    source_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i64, StorageError> {
    Ok(diesel::insert_into(calendar_events::table)
        .values((
            fields(event),
            calendar_events::uid.eq(uid),
            calendar_events::source_date.eq(source_date),
            calendar_events::imported_at.eq(now.naive_utc()),
            calendar_events::created_at.eq(now.naive_utc()),
            calendar_events::updated_at.eq(now.naive_utc()),
        ))
        .returning(calendar_events::id)
        .get_result_in(conn)?)
}

/// Rewrites an imported event with what a newer import of its file says.
pub fn update_imported(
    conn: &mut Conn,
    id: EventId,
    event: &CalendarEvent,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    diesel::update(calendar_events::table.find(id.get()))
        .set((
            fields(event),
            calendar_events::imported_at.eq(now.naive_utc()),
            calendar_events::updated_at.eq(now.naive_utc()),
        ))
        .execute_in(conn)?;
    Ok(())
}

/// What storing one event of a calendar file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// A new event.
    Created,
    /// An event whose fields differed, rewritten.
    Updated,
    /// An event that already held exactly this.
    Unchanged,
}

/// An event as a calendar file (a CSV import) gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// The id the file gives, if any.
    pub id: Option<EventId>,
    /// The event.
    pub event: CalendarEvent,
    /// The iCalendar UID it was imported from (as an export wrote it).
    pub uid: Option<String>,
    /// That occurrence's date in its source file.
    pub source_date: Option<NaiveDate>,
}

/// Stores an event of a calendar file: under its id when given, replacing what that id
/// holds or creating it with that id; without one, replacing the event of the same type,
/// name and first day, or adding a new one.
pub fn upsert_event(conn: &mut Conn, stored: &EventRow, now: DateTime<Utc>) -> Result<Upserted, StorageError> {
    let id = stored.id;
    let found = match id {
        Some(id) => event_by_id(conn, id)?,
        None => {
            let e = &stored.event;
            let row = calendar_events::table
                .filter(calendar_events::event_type.eq(e.event_type.as_str()))
                .filter(calendar_events::name.eq(e.name.as_str()))
                .filter(calendar_events::date.eq(e.date))
                .order(calendar_events::id)
                .select(crate::backend::columns::<EventRecord>())
                .first_in::<EventRecord>(conn)
                .optional()?;
            row.map(StoredEvent::try_from).transpose()?
        }
    };
    let origin = (calendar_events::uid.eq(stored.uid.as_deref()), calendar_events::source_date.eq(stored.source_date));
    let Some(found) = found else {
        let stamps = (calendar_events::created_at.eq(now.naive_utc()), calendar_events::updated_at.eq(now.naive_utc()));
        match id {
            Some(id) => {
                diesel::insert_into(calendar_events::table)
                    .values((calendar_events::id.eq(id.get()), fields(&stored.event), origin, stamps))
                    .execute_in(conn)?;
                // An id given by the file: PostgreSQL's identity must move past it, or the
                // next event added would be given it again.
                if let Conn::Postgres(c) = conn {
                    diesel::sql_query(
                        "SELECT setval(pg_get_serial_sequence('calendar_events', 'id'), \
                         (SELECT MAX(id) FROM calendar_events))",
                    )
                    .execute(c)?;
                }
            }
            None => {
                diesel::insert_into(calendar_events::table)
                    .values((fields(&stored.event), origin, stamps))
                    .execute_in(conn)?;
            }
        }
        return Ok(Upserted::Created);
    };
    if found.event == stored.event && found.uid == stored.uid && found.source_date == stored.source_date {
        return Ok(Upserted::Unchanged);
    }
    diesel::update(calendar_events::table.find(found.id.get()))
        .set((fields(&stored.event), origin, calendar_events::updated_at.eq(now.naive_utc())))
        .execute_in(conn)?;
    Ok(Upserted::Updated)
}

/// Every event, by date (for the calendar export).
pub fn all_events(conn: &mut Conn) -> Result<Vec<StoredEvent>, StorageError> {
    stored_events(
        calendar_events::table
            .order((calendar_events::date, calendar_events::id))
            .select(crate::backend::columns::<EventRecord>())
            .load_in(conn)?,
    )
}

/// Deletes an event; whether there was one.
pub fn delete_event(conn: &mut Conn, id: EventId) -> Result<bool, StorageError> {
    Ok(diesel::delete(calendar_events::table.find(id.get())).execute_in(conn)? == 1)
}

/// One event by id.
pub fn event_by_id(conn: &mut Conn, id: EventId) -> Result<Option<StoredEvent>, StorageError> {
    let row = calendar_events::table
        .find(id.get())
        .select(crate::backend::columns::<EventRecord>())
        .first_in::<EventRecord>(conn)
        .optional()?;
    row.map(StoredEvent::try_from).transpose()
}

/// Customers with a completed purchase dated in `from..=to`, by id.
pub fn customers_buying_between(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>, StorageError> {
    let ids: Vec<Option<i64>> = sales::table
        .filter(sales::local_date.between(from, to))
        .filter(sales::status.eq(crm_domain::SaleStatus::Completed.as_str()))
        .filter(sales::customer_id.is_not_null())
        .select(sales::customer_id)
        .distinct()
        .order(sales::customer_id)
        .load_in(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

#[allow(clippy::type_complexity, reason = "diesel's tuple of column assignments")]
fn fields(
    event: &CalendarEvent,
) -> (
    diesel::dsl::Eq<calendar_events::event_type, &str>,
    diesel::dsl::Eq<calendar_events::name, &str>,
    diesel::dsl::Eq<calendar_events::date, NaiveDate>,
    diesel::dsl::Eq<calendar_events::end_date, Option<NaiveDate>>,
    diesel::dsl::Eq<calendar_events::impact_level, &'static str>,
    diesel::dsl::Eq<calendar_events::expected_demand_multiplier, f64>,
    diesel::dsl::Eq<calendar_events::notes, Option<&str>>,
    diesel::dsl::Eq<calendar_events::lead_days, Option<i32>>,
) {
    (
        calendar_events::event_type.eq(event.event_type.as_str()),
        calendar_events::name.eq(event.name.as_str()),
        calendar_events::date.eq(event.date),
        calendar_events::end_date.eq(event.end_date),
        calendar_events::impact_level.eq(event.impact_level.as_str()),
        calendar_events::expected_demand_multiplier.eq(event.expected_demand_multiplier),
        calendar_events::notes.eq(event.notes.as_deref()),
        calendar_events::lead_days.eq(lead_days(event)),
    )
}

fn row(id: i64, event: &CalendarEvent) -> Result<StoredEvent, StorageError> {
    Ok(StoredEvent {
        id: EventId::try_from(id).map_err(|_| StorageError::unknown_label("calendar_events.id", &id.to_string()))?,
        event: event.clone(),
        uid: None,
        source_date: None,
    })
}

/// The event's lead days as the column holds them (0-60 always fits).
fn lead_days(event: &CalendarEvent) -> Option<i32> {
    event.lead_days.and_then(|days| i32::try_from(days).ok())
}

//! The calendar: festivals, holidays, promotions and local events with their impact on
//! demand. Changes take effect on the purpose tags at the next refresh, which each change
//! requests.

use crate::{Invalid, Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_domain::{CalendarEvent, EventFields, EventId, StoredEvent};
use crm_storage::reads;
use crm_storage::{Change, calendar};

/// Longest span one listing may cover, in days.
pub const MAX_LIST_DAYS: u32 = 730;
/// What a refused event is told.
const EVENT_INVALID: &str = "the event is invalid; nothing was changed";

/// Events in a span of days.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpan {
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// Events starting in the span or running through it, by date.
    pub events: Vec<StoredEvent>,
}

impl Service {
    /// Events within `days` days (1-730, default 30) from `from` (default: today).
    pub fn events(&self, from: Option<NaiveDate>, days: Option<u32>) -> Result<EventSpan, ServiceError> {
        let days = days.unwrap_or(30);
        if !(1..=MAX_LIST_DAYS).contains(&days) {
            return Err(ServiceError::BadParameter(format!("days must be between 1 and {MAX_LIST_DAYS}, got {days}")));
        }
        let from = from.unwrap_or_else(|| self.today());
        let to = from
            .checked_add_days(Days::new(u64::from(days) - 1))
            .ok_or_else(|| ServiceError::BadParameter(format!("from ({from}) is too far in the future")))?;
        let events = self.db.read(|conn| reads::events_between(conn, from, to))?;
        Ok(EventSpan { from, to, events })
    }

    /// One event.
    pub fn event(&self, id: EventId) -> Result<StoredEvent, ServiceError> {
        self.db.read(|conn| calendar::event_by_id(conn, id))?.ok_or_else(|| no_event(id))
    }

    /// Validates and stores a new event.
    pub fn add_event(&self, fields: &EventFields<'_>) -> Result<StoredEvent, ServiceError> {
        let event = parse(fields)?;
        self.write_changing(|conn| Ok((calendar::insert_event(conn, &event, self.now())?, CALENDAR)))
    }

    /// Validates an event and replaces every field of event `id` with it.
    pub fn replace_event(&self, id: EventId, fields: &EventFields<'_>) -> Result<StoredEvent, ServiceError> {
        let event = parse(fields)?;
        let stored = self.write_changing(|conn| {
            let stored = calendar::replace_event(conn, id, &event, self.now())?;
            let change = if stored.is_some() { CALENDAR } else { Change::default() };
            Ok((stored, change))
        })?;
        stored.ok_or_else(|| no_event(id))
    }

    /// Deletes event `id`.
    pub fn delete_event(&self, id: EventId) -> Result<(), ServiceError> {
        let deleted = self.write_changing(|conn| {
            let deleted = calendar::delete_event(conn, id)?;
            Ok((deleted, if deleted { CALENDAR } else { Change::default() }))
        })?;
        if !deleted {
            return Err(no_event(id));
        }
        Ok(())
    }
}

/// What a calendar write changed.
const CALENDAR: Change = Change { customers: Vec::new(), products: Vec::new(), catalogue: false, calendar: true };

/// An event whose fields could not even be read (a wrongly typed value), reported like
/// one that broke a rule.
pub fn unreadable_event(error: crm_domain::FieldError) -> Invalid {
    Invalid::record(EVENT_INVALID, vec![error])
}

fn parse(fields: &EventFields<'_>) -> Result<CalendarEvent, Invalid> {
    CalendarEvent::parse(fields).map_err(|errors| Invalid::record(EVENT_INVALID, errors))
}

fn no_event(id: EventId) -> ServiceError {
    ServiceError::NotFound(format!("no calendar event with id {id}"))
}

//! Calendar events: festivals, holidays, promotions and local happenings that move demand,
//! each with an impact level and an expected demand multiplier.

use crate::records::in_range;
use crate::text::{TextRule, optional_text, required_text, rules};
use crate::time::parse_day;
use crate::{DomainError, EventId, FieldError, Fields};
use chrono::NaiveDate;

/// Longest event accepted, in days (first and last day included).
pub const MAX_EVENT_DAYS: i64 = 366;
/// Largest expected demand multiplier accepted. The smallest is 0: a closure, a day the
/// store is shut and sells nothing.
pub const MAX_DEMAND_MULTIPLIER: f64 = 20.0;
/// Most lead days an event may declare: the days before it whose purchases earn its purpose
/// tag (the same range as the store-wide default, `CRM_EVENT_TAG_LEAD_DAYS`).
pub const MAX_EVENT_LEAD_DAYS: u32 = 60;
/// Rule for event types (`festival`, `holiday`, `promotion`, ...).
const EVENT_TYPE: TextRule = TextRule::line(40);

/// How strongly an event moves demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImpactLevel {
    /// A small effect.
    Low,
    /// A noticeable effect.
    Medium,
    /// A major effect.
    High,
}

impl ImpactLevel {
    /// Every level, weakest first.
    pub const ALL: [Self; 3] = [Self::Low, Self::Medium, Self::High];

    /// The stored and serialised name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Parses a name: exactly `low`, `medium` or `high`, as the API's enum says.
    ///
    /// ```
    /// use crm_domain::ImpactLevel;
    /// assert_eq!(ImpactLevel::parse("high").unwrap(), ImpactLevel::High);
    /// assert!(ImpactLevel::parse("High").is_err());
    /// assert!(ImpactLevel::parse("huge").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|l| l.as_str() == text).ok_or_else(|| DomainError::UnknownImpact(text.to_owned()))
    }

    /// The multiplier assumed when an event gives none: 1.1, 1.25 or 1.5.
    pub const fn default_multiplier(self) -> f64 {
        match self {
            Self::Low => 1.1,
            Self::Medium => 1.25,
            Self::High => 1.5,
        }
    }
}

/// A validated calendar event.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarEvent {
    /// `festival`, `holiday`, `promotion`, ... (free text, stored lower-case).
    pub event_type: String,
    /// Name, such as `Diwali`.
    pub name: String,
    /// First day (store-local).
    pub date: NaiveDate,
    /// Last day of a multi-day event.
    pub end_date: Option<NaiveDate>,
    /// How strongly it moves demand.
    pub impact_level: ImpactLevel,
    /// Expected demand relative to a normal day (1.5 = half as much again; 0 = closed).
    pub expected_demand_multiplier: f64,
    /// Free notes.
    pub notes: Option<String>,
    /// Days before the first day whose purchases earn the event's purpose tag
    /// (0..=[`MAX_EVENT_LEAD_DAYS`]); `None`: the store's default.
    pub lead_days: Option<u32>,
}

/// An event as received, before validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventFields<'a> {
    /// Event type.
    pub event_type: &'a str,
    /// Name.
    pub name: &'a str,
    /// First day, `YYYY-MM-DD`.
    pub date: &'a str,
    /// Last day, `YYYY-MM-DD`.
    pub end_date: Option<&'a str>,
    /// `low`, `medium` or `high`.
    pub impact_level: &'a str,
    /// Expected demand multiplier; the impact level's default when absent.
    pub expected_demand_multiplier: Option<f64>,
    /// Notes.
    pub notes: Option<&'a str>,
    /// Lead days, 0 to [`MAX_EVENT_LEAD_DAYS`]; the store's default when absent.
    pub lead_days: Option<i64>,
}

impl CalendarEvent {
    /// Validates every field and reports every broken rule, by field name.
    ///
    /// ```
    /// use crm_domain::{CalendarEvent, EventFields};
    /// let diwali = CalendarEvent::parse(&EventFields {
    ///     event_type: "festival", name: "Diwali", date: "2025-11-12", impact_level: "high",
    ///     ..EventFields::default()
    /// }).unwrap();
    /// assert_eq!(diwali.expected_demand_multiplier, 1.5);
    /// let errors = CalendarEvent::parse(&EventFields { date: "12/11/2025", ..EventFields::default() }).unwrap_err();
    /// let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    /// assert_eq!(fields, ["event_type", "name", "date", "impact_level"]);
    /// ```
    pub fn parse(fields: &EventFields<'_>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::default();
        let event_type = f.check("event_type", required_text(fields.event_type, EVENT_TYPE).map(|t| t.to_lowercase()));
        let name = f.check("name", required_text(fields.name, rules::NAME));
        let date = f.check("date", parse_day(fields.date));
        let end_date = match fields.end_date {
            None => Some(None),
            Some(text) => f.check("end_date", parse_day(text)).map(Some),
        };
        let impact_level = f.check("impact_level", ImpactLevel::parse(fields.impact_level));
        let notes = f.check("notes", optional_text(fields.notes, rules::NOTES));
        let multiplier = match (fields.expected_demand_multiplier, impact_level) {
            // Written so that NaN fails the test too.
            (Some(m), _) if !(0.0..=MAX_DEMAND_MULTIPLIER).contains(&m) => f.check(
                "expected_demand_multiplier",
                Err(DomainError::OutOfRange {
                    value: m.to_string(),
                    min: "0".into(),
                    max: MAX_DEMAND_MULTIPLIER.to_string(),
                }),
            ),
            // -0.0 passes the range test; stored and listed back as the closure it means, 0.
            (Some(m), _) => Some(m.abs()),
            (None, level) => level.map(ImpactLevel::default_multiplier),
        };
        let lead_days = f
            .check("lead_days", in_range(fields.lead_days, 0, i64::from(MAX_EVENT_LEAD_DAYS)))
            // Within 0..=60, so every value fits.
            .map(|days| days.and_then(|d| u32::try_from(d).ok()));
        if let (Some(first), Some(Some(last))) = (date, end_date) {
            if last < first {
                f.fail("end_date", DomainError::EndsBeforeStart(first.to_string()));
            } else if (last - first).num_days() + 1 > MAX_EVENT_DAYS {
                let error = DomainError::OutOfRange {
                    value: format!("{} days", (last - first).num_days() + 1),
                    min: "1 day".into(),
                    max: format!("{MAX_EVENT_DAYS} days"),
                };
                f.fail("end_date", error);
            }
        }
        let event = (|| {
            let date = date?;
            // A one-day event is stored without an end date.
            let end_date = end_date?.filter(|&last| last != date);
            Some(Self {
                event_type: event_type?,
                name: name?,
                date,
                end_date,
                impact_level: impact_level?,
                expected_demand_multiplier: multiplier?,
                notes: notes?,
                lead_days: lead_days?,
            })
        })();
        f.finish(event)
    }

    /// The last day (the first, for a one-day event).
    pub fn last_day(&self) -> NaiveDate {
        self.end_date.unwrap_or(self.date)
    }

    /// The event's own lead days, or `default` (the store's) when it declares none.
    ///
    /// ```
    /// use crm_domain::{CalendarEvent, EventFields};
    /// let fields = EventFields { event_type: "festival", name: "Diwali", date: "2025-11-12", impact_level: "high", ..EventFields::default() };
    /// assert_eq!(CalendarEvent::parse(&fields).unwrap().lead_days_or(7), 7);
    /// let early = CalendarEvent::parse(&EventFields { lead_days: Some(14), ..fields }).unwrap();
    /// assert_eq!(early.lead_days_or(7), 14);
    /// ```
    pub fn lead_days_or(&self, default: u64) -> u64 {
        self.lead_days.map_or(default, u64::from)
    }
}

/// A calendar event as stored: with its id and, for an imported event, the iCalendar UID and
/// the occurrence's date in its source file.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The store's id for it.
    pub id: EventId,
    /// The event.
    pub event: CalendarEvent,
    /// The iCalendar UID it was imported from.
    pub uid: Option<String>,
    /// The imported occurrence's date in its source file.
    pub source_date: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> EventFields<'static> {
        EventFields {
            event_type: "Festival",
            name: "Diwali",
            date: "2025-11-12",
            end_date: Some("2025-11-16"),
            impact_level: "high",
            expected_demand_multiplier: Some(1.8),
            notes: Some("Major shopping festival"),
            lead_days: None,
        }
    }

    #[test]
    fn the_seed_event_is_accepted() {
        let e = CalendarEvent::parse(&fields()).unwrap();
        assert_eq!((e.event_type.as_str(), e.expected_demand_multiplier), ("festival", 1.8));
        assert_eq!(e.last_day(), NaiveDate::from_ymd_opt(2025, 11, 16).unwrap());
    }

    #[test]
    fn bad_multipliers_and_reversed_or_overlong_spans_are_refused() {
        for m in [-1.0, -0.001, 20.5, f64::NAN, f64::INFINITY] {
            let errors = CalendarEvent::parse(&EventFields { expected_demand_multiplier: Some(m), ..fields() });
            assert_eq!(errors.unwrap_err()[0].field, "expected_demand_multiplier", "{m}");
        }
        let reversed = CalendarEvent::parse(&EventFields { end_date: Some("2025-11-01"), ..fields() }).unwrap_err();
        assert_eq!(reversed[0].message, "must not be before date 2025-11-12");
        let overlong = CalendarEvent::parse(&EventFields { end_date: Some("2026-11-13"), ..fields() }).unwrap_err();
        assert_eq!(overlong[0].field, "end_date");
    }

    #[test]
    fn a_multiplier_of_zero_declares_a_closure_and_is_accepted() {
        for (m, stored) in [(0.0, 0.0), (-0.0, 0.0), (20.0, 20.0)] {
            let e = CalendarEvent::parse(&EventFields { expected_demand_multiplier: Some(m), ..fields() }).unwrap();
            assert_eq!(e.expected_demand_multiplier.to_bits(), f64::to_bits(stored), "{m}");
        }
        let refused = CalendarEvent::parse(&EventFields { expected_demand_multiplier: Some(-1.0), ..fields() });
        assert_eq!(refused.unwrap_err()[0].message, "must be between 0 and 20, got -1");
    }

    #[test]
    fn lead_days_are_0_to_60_and_absent_means_the_store_default() {
        for (days, stored) in [(None, None), (Some(0), Some(0)), (Some(14), Some(14)), (Some(60), Some(60))] {
            let e = CalendarEvent::parse(&EventFields { lead_days: days, ..fields() }).unwrap();
            assert_eq!(e.lead_days, stored, "{days:?}");
            assert_eq!(e.lead_days_or(7), stored.map_or(7, u64::from), "{days:?}");
        }
        for (days, message) in [(-1, "must be between 0 and 60, got -1"), (61, "must be between 0 and 60, got 61")] {
            let errors = CalendarEvent::parse(&EventFields { lead_days: Some(days), ..fields() }).unwrap_err();
            assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("lead_days", message));
        }
    }

    #[test]
    fn dates_are_exactly_full_dates_and_impact_levels_exactly_their_names() {
        for bad in ["2025-1-12", " 2025-11-12", "2025-11-12 ", "+2025-11-12", "20251112", "2025-02-30", ""] {
            let errors = CalendarEvent::parse(&EventFields { date: bad, ..fields() }).unwrap_err();
            assert_eq!(errors[0].field, "date", "{bad:?}");
            let errors = CalendarEvent::parse(&EventFields { end_date: Some(bad), ..fields() }).unwrap_err();
            assert_eq!(errors[0].field, "end_date", "{bad:?}");
        }
        assert_eq!(parse_day("0000-01-01").unwrap(), NaiveDate::from_ymd_opt(0, 1, 1).unwrap());
        for bad in ["High", " high", "HIGH", ""] {
            let errors = CalendarEvent::parse(&EventFields { impact_level: bad, ..fields() }).unwrap_err();
            assert_eq!(errors[0].message, format!("must be one of low, medium, high; got {bad:?}"));
        }
    }

    #[test]
    fn a_one_day_span_is_stored_without_an_end_date() {
        let e = CalendarEvent::parse(&EventFields { end_date: Some("2025-11-12"), ..fields() }).unwrap();
        assert_eq!(e.end_date, None);
    }
}

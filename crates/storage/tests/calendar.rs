//! Calendar events in the store: every field round-trips, the event's own lead days among
//! them, and the schema keeps lead days within their range whoever writes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod common;

use chrono::NaiveDate;
use crm_domain::{CalendarEvent, EventFields};
use crm_storage::{calendar, reads};

fn event(lead_days: Option<i64>, multiplier: f64) -> CalendarEvent {
    CalendarEvent::parse(&EventFields {
        event_type: "holiday",
        name: "Christmas",
        date: "2025-12-25",
        end_date: Some("2025-12-26"),
        impact_level: "high",
        expected_demand_multiplier: Some(multiplier),
        notes: Some("closed"),
        lead_days,
    })
    .unwrap()
}

#[test]
fn lead_days_and_a_closure_round_trip_through_insert_replace_and_reads() {
    for (_store, db) in common::fresh_dbs("lead_days_and_a_closure_round_trip_through_insert_replace_and_reads") {
        let now = common::at("2025-12-01T00:00:00Z");
        let stored = db.write(|c| calendar::insert_event(c, &event(Some(14), 0.0), now)).unwrap();
        assert_eq!((stored.event.lead_days, stored.event.expected_demand_multiplier), (Some(14), 0.0));
        assert_eq!(stored.event.lead_days_or(7), 14);
        let read = db.read(|c| calendar::event_by_id(c, stored.id)).unwrap().unwrap();
        assert_eq!(read, stored);
        let day = |d| NaiveDate::from_ymd_opt(2025, 12, d).unwrap();
        assert_eq!(db.read(|c| reads::events_between(c, day(26), day(31))).unwrap(), std::slice::from_ref(&stored));

        let replaced = db.write(|c| calendar::replace_event(c, stored.id, &event(None, 1.5), now)).unwrap().unwrap();
        assert_eq!((replaced.event.lead_days, replaced.event.lead_days_or(7)), (None, 7));
        assert_eq!(db.read(|c| calendar::event_by_id(c, stored.id)).unwrap().unwrap(), replaced);
        db.write(|c| calendar::replace_event(c, stored.id, &event(Some(0), 1.5), now)).unwrap().unwrap();
        let zero = db.read(|c| calendar::event_by_id(c, stored.id)).unwrap().unwrap();
        assert_eq!(
            (zero.event.lead_days, zero.event.lead_days_or(7)),
            (Some(0), 0),
            "0 is a lead of its own, not the default"
        );
    }
}

#[test]
fn the_schema_refuses_lead_days_outside_0_to_60() {
    for (_store, db) in common::fresh_dbs("the_schema_refuses_lead_days_outside_0_to_60") {
        let insert = |lead_days: i64| {
            let sql = format!(
                "INSERT INTO calendar_events (event_type, name, date, impact_level, expected_demand_multiplier,
                 created_at, updated_at, lead_days)
                 VALUES ('holiday', 'Christmas', '2025-12-25', 'high', 0, '2025-12-01 00:00:00',
                 '2025-12-01 00:00:00', {lead_days});"
            );
            db.write(|c| Ok(c.batch_execute(&sql)?))
        };
        for refused in [-1, 61] {
            let error = insert(refused).unwrap_err();
            assert!(matches!(error, crm_storage::StorageError::Constraint(_)), "{refused}: {error:?}");
        }
        for accepted in [0, 60] {
            insert(accepted).unwrap();
        }
    }
}

#[test]
fn an_impact_level_is_read_back_typed_and_one_this_version_does_not_know_is_an_error() {
    for (_store, db) in
        common::fresh_dbs("an_impact_level_is_read_back_typed_and_one_this_version_does_not_know_is_an_error")
    {
        let now = common::at("2025-12-01T00:00:00Z");
        let stored = db.write(|c| calendar::insert_event(c, &event(None, 1.5), now)).unwrap();
        assert_eq!(stored.event.impact_level, crm_domain::ImpactLevel::High);
        assert_eq!(
            db.read(|c| calendar::event_by_id(c, stored.id)).unwrap().unwrap().event.impact_level,
            crm_domain::ImpactLevel::High
        );
        // Written by hand (or by a newer version): the read names the value and what it knows.
        db.write(|c| Ok(c.batch_execute("UPDATE calendar_events SET impact_level = 'huge'")?)).unwrap();
        let error = db.read(|c| calendar::event_by_id(c, stored.id)).unwrap_err();
        let text = crm_storage::error_chain(&error);
        assert!(
            text.ends_with("the store holds \"huge\", which this version does not know (one of low, medium, high)"),
            "{text}"
        );
    }
}

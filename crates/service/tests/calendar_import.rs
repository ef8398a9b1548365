//! Importing iCalendar files into a real store: idempotent, updating what a file changed,
//! never overwriting what a user edited, and a round trip through the export that loses
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};
use crm_domain::{AdjustmentSource as Source, Basis};
use crm_domain::{EventFields, SaleFields, StoreZone};
use crm_service::{
    AnalyticsConfig, Budget, Clock, FixedClock, ForecastRequest, ForecastTarget, ImportRequest, Service, ServiceError,
    ServiceLimits,
};
use crm_storage::{Database, DbOptions};
use std::sync::Arc;

fn service(dir: &tempfile::TempDir, name: &str) -> Service {
    let db = Database::open(dir.path().join(name), DbOptions::default()).unwrap();
    Service::new(Arc::new(db), StoreZone::UTC, AnalyticsConfig::default(), ServiceLimits::default())
}

/// A service whose clock moves only when the test moves it.
fn service_with_clock(dir: &tempfile::TempDir, name: &str) -> (Service, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()));
    (service(dir, name).with_clock(Arc::clone(&clock) as Arc<dyn Clock>), clock)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

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
    text + "END:VCALENDAR\r\n"
}

fn window() -> ImportRequest {
    ImportRequest { from: Some(day(2024, 1, 1)), to: Some(day(2026, 12, 31)), ..ImportRequest::default() }
}

const HOLIDAYS: &str = "UID:ny@example.org\nSUMMARY:New Year's Day\nDTSTART;VALUE=DATE:20200101\nDTEND;VALUE=DATE:20200102\nRRULE:FREQ=YEARLY";

#[test]
fn importing_a_file_twice_creates_nothing_new_and_a_changed_file_updates() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, "a.sqlite");
    let first = service.import_calendar(&file(&[HOLIDAYS]), &window()).unwrap();
    assert_eq!((first.occurrences, first.created, first.unchanged), (3, 3, 0));
    let again = service.import_calendar(&file(&[HOLIDAYS]), &window()).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged, again.skipped), (0, 0, 3, 0));
    let listed = service.events(Some(day(2024, 1, 1)), Some(730)).unwrap().events;
    assert_eq!(listed.len(), 2, "2024 and 2025 in the two years listed");
    assert_eq!(listed[0].uid.as_deref(), Some("ny@example.org"));
    assert_eq!((listed[0].event.event_type.as_str(), listed[0].event.impact_level.as_str()), ("holiday", "medium"));

    // The file now calls it a festival with a high impact: every occurrence is updated.
    let renamed = HOLIDAYS.replace("SUMMARY:New Year's Day", "SUMMARY:New Year\nX-CRM-IMPACT-LEVEL:high");
    let changed = service.import_calendar(&file(&[&renamed]), &window()).unwrap();
    assert_eq!((changed.created, changed.updated, changed.unchanged), (0, 3, 0));
    let event = &service.events(Some(day(2025, 1, 1)), Some(1)).unwrap().events[0].event;
    assert_eq!(
        (event.name.as_str(), event.impact_level.as_str(), event.expected_demand_multiplier),
        ("New Year", "high", 1.5)
    );
}

#[test]
fn an_event_edited_here_is_never_overwritten_by_a_re_import() {
    let dir = tempfile::tempdir().unwrap();
    let (service, clock) = service_with_clock(&dir, "b.sqlite");
    service.import_calendar(&file(&[HOLIDAYS]), &window()).unwrap();
    let event = service.events(Some(day(2025, 1, 1)), Some(1)).unwrap().events[0].clone();
    // The shop expects New Year's Day 2025 to be shut, and moves nothing else.
    let edited = EventFields {
        event_type: "holiday",
        name: "New Year's Day",
        date: "2025-01-01",
        impact_level: "high",
        expected_demand_multiplier: Some(0.0),
        ..EventFields::default()
    };
    // The edit comes a second after the import wrote the event.
    clock.advance(TimeDelta::seconds(1));
    let stored = service.replace_event(event.id, &edited).unwrap();
    assert_eq!(stored.uid.as_deref(), Some("ny@example.org"), "an edit keeps where the event came from");
    let again = service.import_calendar(&file(&[HOLIDAYS]), &window()).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged, again.skipped), (0, 0, 2, 1));
    assert_eq!(service.event(event.id).unwrap().event.expected_demand_multiplier, 0.0);
}

#[test]
fn the_export_imported_into_an_empty_store_gives_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let source = service(&dir, "source.sqlite");
    source.import_calendar(&file(&[HOLIDAYS]), &window()).unwrap();
    source
        .add_event(&EventFields {
            event_type: "festival",
            name: "Diwali, festival of lights",
            date: "2025-10-20",
            end_date: Some("2025-10-24"),
            impact_level: "high",
            expected_demand_multiplier: Some(1.8),
            notes: Some("Sweets; lamps; gifts — order early"),
            lead_days: Some(14),
        })
        .unwrap();
    let exported = source.export_calendar().unwrap();
    assert!(exported.contains("X-CRM-DEMAND-MULTIPLIER:1.8"), "{exported}");

    let target = service(&dir, "target.sqlite");
    let report = target.import_calendar(&exported, &window()).unwrap();
    assert_eq!((report.created, report.skipped), (4, 0));
    let all = |s: &Service| {
        let mut events: Vec<_> = s
            .events(Some(day(2024, 1, 1)), Some(730))
            .unwrap()
            .events
            .into_iter()
            .chain(s.events(Some(day(2026, 1, 1)), Some(365)).unwrap().events)
            .map(|stored| {
                let e = stored.event;
                (
                    e.event_type,
                    e.name,
                    e.date,
                    e.end_date,
                    e.impact_level,
                    e.expected_demand_multiplier,
                    e.notes,
                    e.lead_days,
                )
            })
            .collect();
        events.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
        events
    };
    assert_eq!(all(&target), all(&source));

    // Into the store it came from, it changes nothing.
    let home = source.import_calendar(&exported, &window()).unwrap();
    assert_eq!((home.created, home.updated, home.unchanged, home.skipped), (0, 0, 3, 1));
}

#[test]
fn bad_defaults_and_windows_are_refused_by_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, "c.sqlite");
    let bad = |request: ImportRequest| match service.import_calendar(&file(&[HOLIDAYS]), &request).unwrap_err() {
        ServiceError::BadParameter(detail) => detail,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        bad(ImportRequest { impact_level: Some("huge".into()), ..window() }),
        "impact_level must be one of low, medium, high; got \"huge\""
    );
    assert_eq!(
        bad(ImportRequest { from: Some(day(2026, 1, 1)), to: Some(day(2025, 1, 1)), ..window() }),
        "from (2026-01-01) is after to (2025-01-01)"
    );
    assert_eq!(service.events(Some(day(2024, 1, 1)), Some(730)).unwrap().events.len(), 0);
}

#[test]
fn occurrences_sharing_a_uid_are_one_event_to_the_forecast() {
    // A year and a half of 100 a day and 300 on last year's fair; this year the file calls
    // the fair by another name, with the same UID.
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, "d.sqlite");
    let today = Utc::now().date_naive();
    let last_year = today - Days::new(300);
    let sales: Vec<_> = (1..=500u64)
        .map(|back| {
            let d = today - Days::new(back);
            let total = if d == last_year { 300.0 } else { 100.0 };
            Ok(SaleFields {
                id: back as i64,
                total_amount: total,
                created_at: format!("{d}T12:00:00Z"),
                ..SaleFields::default()
            })
        })
        .collect();
    service.sync_sales(sales, Utc::now()).unwrap();
    let coming = today + Days::new(5);
    let ics = |d: NaiveDate, name: &str| {
        format!("UID:fair@example.org\nSUMMARY:{name}\nDTSTART;VALUE=DATE:{}", d.format("%Y%m%d"))
    };
    let text = file(&[&ics(last_year, "Summer Fair"), &ics(coming, "The Fair")]);
    let window = ImportRequest {
        from: Some(today - Days::new(700)),
        to: Some(today + Days::new(30)),
        ..ImportRequest::default()
    };
    assert_eq!(service.import_calendar(&text, &window).unwrap().created, 2);
    let forecast = service
        .forecast(ForecastRequest { days: Some(7), ..ForecastRequest::default() }, &Budget::unlimited())
        .unwrap();
    let ForecastTarget::Store { revenue, .. } = forecast.target else { panic!() };
    let fair = &revenue[5].adjustments[0];
    assert_eq!(
        (fair.name.as_str(), fair.source),
        ("The Fair", Source::Learned { basis: Basis::SameEvent, occurrences: 1 })
    );
    // Tripled once, declared 1.25 (medium): (3 · 1.25)^(1/2).
    assert!((fair.multiplier - 3.75f64.sqrt()).abs() < 0.05, "{fair:?}");
}

//! iCalendar in and out over HTTP: the import's report, its refusals as problems (wrong
//! content type, too large, a bad event named by line), and the export read back.

use crate::support;

use serde_json::json;
use support::{spawn_app, temp_dir};

const FILE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n\
BEGIN:VEVENT\r\nUID:ny@example.org\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:New Year's Day\r\n\
DTSTART;VALUE=DATE:20200101\r\nDTEND;VALUE=DATE:20200102\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:fair@example.org\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Village Fair\r\n\
DTSTART;VALUE=DATE:20250601\r\nDTEND;VALUE=DATE:20250603\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

const WINDOW: &str = "/api/calendar/import?from=2024-01-01&to=2026-12-31&event_type=holiday&impact_level=low";

#[test]
fn a_file_is_imported_once_and_exported_back() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let first = app.post_raw(WINDOW, "text/calendar; charset=utf-8", FILE);
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(
        first.body,
        json!({"from": "2024-01-01", "to": "2026-12-31", "occurrences": 4, "created": 4, "updated": 0,
            "unchanged": 0, "skipped": 0})
    );
    let again = app.post_raw(WINDOW, "text/calendar", FILE);
    assert_eq!((again.body["created"].as_u64(), again.body["unchanged"].as_u64()), (Some(0), Some(4)));

    let fair = &app.get("/api/calendar/events?from=2025-06-01&days=1").body["events"][0];
    assert_eq!((fair["name"].as_str(), fair["endDate"].as_str()), (Some("Village Fair"), Some("2025-06-02")));
    assert_eq!((fair["uid"].as_str(), fair["impactLevel"].as_str()), (Some("fair@example.org"), Some("low")));

    let exported = app.get("/api/calendar/events.ics");
    assert_eq!(exported.status, 200);
    assert_eq!(exported.content_type, "text/calendar; charset=utf-8");
    assert!(exported.text.starts_with("BEGIN:VCALENDAR\r\n"), "{}", exported.text);
    assert_eq!(exported.text.matches("BEGIN:VEVENT").count(), 4);
    // The fair's two days: DTEND is the day after the last.
    let fair = "DTEND;VALUE=DATE:20250603\r\nDTSTART;VALUE=DATE:20250601\r\nSUMMARY:Village Fair\r\n";
    assert!(exported.text.contains(fair), "{}", exported.text);
    // Read back into the same store, the export changes nothing.
    let home = app.post_raw(WINDOW, "text/calendar", &exported.text);
    assert_eq!((home.body["created"].as_u64(), home.body["unchanged"].as_u64()), (Some(0), Some(4)), "{:?}", home.body);
}

#[test]
fn bad_imports_are_problems_and_store_nothing() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let json_body = app.post_raw(WINDOW, "application/json", "{}");
    assert_eq!(json_body.status, 415, "{:?}", json_body.body);
    assert_eq!(json_body.content_type, "application/problem+json");

    let bad = FILE.replace("DTSTART;VALUE=DATE:20250601", "DTSTART;VALUE=DATE:2025-06-01");
    let refused = app.post_raw(WINDOW, "text/calendar", &bad);
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["detail"], "1 of 2 events in the file are invalid; nothing was imported");
    assert_eq!(refused.body["errors"][0]["index"], 1);
    assert_eq!(refused.body["errors"][0]["field"], "DTSTART");
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().starts_with("VEVENT 2 at line 12: "));

    let bad_parameter = app.post_raw("/api/calendar/import?impact_level=huge", "text/calendar", FILE);
    assert_eq!(bad_parameter.status, 400);
    assert_eq!(bad_parameter.body["detail"], "impact_level must be one of low, medium, high; got \"huge\"");

    let huge = format!("{FILE}{}", "X".repeat(4 * 1024 * 1024));
    let too_large = app.post_raw(WINDOW, "text/calendar", &huge);
    assert_eq!(too_large.status, 413, "{:?}", too_large.body);
    assert_eq!(too_large.body["detail"], "an iCalendar file may be at most 4194304 bytes");

    assert_eq!(app.get("/api/calendar/events?from=2024-01-01&days=730").body["events"], json!([]));
}

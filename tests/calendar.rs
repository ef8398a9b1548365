//! The calendar endpoints end to end: the seed's event, listing by window, replace and
//! delete, every rule reported at once with nothing stored, and event purpose tags.

use crate::support;

use chrono::{Days, Utc};
use serde_json::{Value, json};
use support::{App, spawn_app, temp_dir};

fn diwali() -> Value {
    json!({
        "event_type": "festival",
        "name": "Diwali Festival",
        "date": "2025-11-12",
        "impact_level": "high",
        "expected_demand_multiplier": 1.8,
        "notes": "Major shopping festival"
    })
}

fn listed(app: &App, query: &str) -> Vec<String> {
    let reply = app.get(&format!("/api/calendar/events?{query}"));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_seed_event_is_stored_listed_replaced_and_deleted() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let created = app.post("/api/calendar/events", &diwali());
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/calendar/events/{id}").as_str()));
    assert_eq!(created.body["eventType"], "festival");
    assert_eq!(created.body["expectedDemandMultiplier"], 1.8);
    assert_eq!(created.body["purposeTag"], "diwali-festival");
    assert_eq!(app.get(&format!("/api/calendar/events/{id}")).body, created.body);

    assert_eq!(listed(&app, "from=2025-11-01&days=30"), ["Diwali Festival"]);
    assert_eq!(listed(&app, "from=2025-11-01&days=11"), Vec::<String>::new(), "the 11 days end on the 11th");
    let window = app.get("/api/calendar/events?from=2025-11-01&days=12").body;
    assert_eq!((window["from"].as_str(), window["to"].as_str()), (Some("2025-11-01"), Some("2025-11-12")));

    // A five-day event running into the window is listed; the default multiplier follows the impact.
    let mut longer = diwali();
    longer["end_date"] = json!("2025-11-16");
    longer["impact_level"] = json!("Medium");
    longer.as_object_mut().unwrap().remove("expected_demand_multiplier");
    // The impact level is exactly one of the spec's enum values: other spellings are refused.
    let misspelt = app.send("PUT", &format!("/api/calendar/events/{id}"), &[], Some(&longer));
    assert_eq!(misspelt.status, 422);
    assert_eq!(misspelt.body["errors"][0]["message"], "must be one of low, medium, high; got \"Medium\"");
    longer["impact_level"] = json!("medium");
    let replaced = app.send("PUT", &format!("/api/calendar/events/{id}"), &[], Some(&longer));
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(
        (replaced.body["impactLevel"].as_str(), replaced.body["expectedDemandMultiplier"].as_f64()),
        (Some("medium"), Some(1.25))
    );
    assert_eq!(listed(&app, "from=2025-11-15&days=1"), ["Diwali Festival"]);

    assert_eq!(app.send("DELETE", &format!("/api/calendar/events/{id}"), &[], None).status, 204);
    for (method, body) in [("GET", None), ("PUT", Some(&longer)), ("DELETE", None)] {
        let gone = app.send(method, &format!("/api/calendar/events/{id}"), &[], body);
        assert_eq!((gone.status, gone.body["code"].as_str()), (404, Some("not-found")), "{method}");
    }
}

#[test]
fn bad_events_report_every_field_and_store_nothing() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let bad = json!({
        "event_type": "festival",
        "name": "  ",
        "date": "12/11/2025",
        "impact_level": "huge",
        "expected_demand_multiplier": -0.5,
    });
    let reply = app.post("/api/calendar/events", &bad);
    assert_eq!((reply.status, reply.content_type.as_str()), (422, "application/problem+json"));
    let fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "date", "impact_level", "expected_demand_multiplier"]);

    let missing = app.post("/api/calendar/events", &json!({}));
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["errors"].as_array().unwrap().len(), 4, "{:?}", missing.body);

    let mut reversed = diwali();
    reversed["end_date"] = json!("2025-11-01");
    let reply = app.post("/api/calendar/events", &reversed);
    assert_eq!((reply.status, reply.body["errors"][0]["field"].as_str()), (422, Some("end_date")));

    let wrong_type = app.post("/api/calendar/events", &json!({"name": 5}));
    assert_eq!((wrong_type.status, wrong_type.content_type.as_str()), (422, "application/problem+json"));
    assert_eq!(wrong_type.body["errors"][0]["field"], "name", "{:?}", wrong_type.body);
    let malformed = app.post_raw("/api/calendar/events", "application/json", "{\"name\":");
    assert_eq!(malformed.status, 400);
    let bad_window = app.get("/api/calendar/events?days=0");
    assert_eq!(bad_window.status, 400);

    assert!(listed(&app, "from=2025-01-01&days=730").is_empty(), "nothing was stored");
}

#[test]
fn lead_days_are_listed_back_null_when_unset_and_refused_outside_0_to_60_by_field() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let created = app.post("/api/calendar/events", &diwali());
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["leadDays"], Value::Null, "unset: the store's default applies");
    let id = created.body["id"].as_i64().unwrap();

    let mut early = diwali();
    early["lead_days"] = json!(14);
    let replaced = app.send("PUT", &format!("/api/calendar/events/{id}"), &[], Some(&early));
    assert_eq!((replaced.status, &replaced.body["leadDays"]), (200, &json!(14)), "{:?}", replaced.body);
    assert_eq!(app.get(&format!("/api/calendar/events/{id}")).body["leadDays"], 14);
    early["lead_days"] = json!(0);
    assert_eq!(app.send("PUT", &format!("/api/calendar/events/{id}"), &[], Some(&early)).body["leadDays"], 0);

    for (lead_days, message) in [
        (json!(-1), "must be between 0 and 60, got -1"),
        (json!(61), "must be between 0 and 60, got 61"),
        (json!(1.5), "invalid type: floating point `1.5`, expected i64"),
        (json!("7"), "invalid type: string \"7\", expected i64"),
    ] {
        let mut bad = diwali();
        bad["lead_days"] = lead_days.clone();
        for reply in [
            app.post("/api/calendar/events", &bad),
            app.send("PUT", &format!("/api/calendar/events/{id}"), &[], Some(&bad)),
        ] {
            assert_eq!((reply.status, reply.content_type.as_str()), (422, "application/problem+json"), "{lead_days}");
            assert_eq!(reply.body["errors"], json!([{"field": "lead_days", "message": message}]), "{lead_days}");
        }
    }
    let events = app.get("/api/calendar/events?from=2025-11-01&days=30").body;
    assert_eq!(events["events"].as_array().unwrap().len(), 1, "nothing more was stored");
    assert_eq!(events["events"][0]["leadDays"], 0, "nor changed");
}

#[test]
fn a_closure_with_a_multiplier_of_0_is_stored_and_listed_as_0() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let closure = json!({
        "event_type": "holiday",
        "name": "Christmas Day",
        "date": "2025-12-25",
        "impact_level": "high",
        "expected_demand_multiplier": 0,
        "lead_days": 0
    });
    let created = app.post("/api/calendar/events", &closure);
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!((&created.body["expectedDemandMultiplier"], &created.body["leadDays"]), (&json!(0.0), &json!(0)));
    let listed = &app.get("/api/calendar/events?from=2025-12-25&days=1").body["events"][0];
    assert_eq!(
        (listed["name"].as_str(), listed["expectedDemandMultiplier"].as_f64()),
        (Some("Christmas Day"), Some(0.0))
    );
}

#[test]
fn customers_buying_before_an_event_get_its_tag_and_the_dashboard_shows_it() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let today = Utc::now().date_naive();
    let in_days = |n: u64| (today + Days::new(n)).to_string();
    let ago = |n: u64| format!("{}T10:00:00Z", today - Days::new(n));
    let mut event = diwali();
    event["name"] = json!("Diwali");
    event["date"] = json!(in_days(3));
    assert_eq!(app.post("/api/calendar/events", &event).status, 201);
    // Long ago, outside any window: a sale 40 days back; inside the 7 lead days: 2 days back.
    let sales = json!({"sales": [
        {"id": 1, "customer_id": 1, "total_amount": 10, "created_at": ago(2)},
        {"id": 2, "customer_id": 2, "total_amount": 10, "created_at": ago(40)}
    ]});
    assert_eq!(app.post("/api/sync/sales", &sales).status, 200);
    assert_eq!(app.post("/api/analytics/refresh", &json!({})).status, 200);

    assert_eq!(app.get("/api/customers/1/insights").body["purposeTags"], json!(["diwali"]));
    assert_eq!(app.get("/api/customers/2/insights").body["purposeTags"], json!([]));
    let tagged = app.get("/api/customers?tag=diwali").body;
    let ids: Vec<i64> = tagged["customers"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1]);

    let upcoming = &app.get("/api/analytics/dashboard").body["upcomingEvents"];
    assert_eq!((upcoming[0]["name"].as_str(), upcoming[0]["impactLevel"].as_str()), (Some("Diwali"), Some("high")));
}

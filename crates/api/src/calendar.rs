//! Calendar endpoints: festivals, holidays, promotions and local events with their impact on
//! demand. `GET/POST /api/calendar/events`, `GET/PUT/DELETE /api/calendar/events/{id}`.

use crate::{ApiError, AppState, ReadErrors, RecordError, WriteErrors};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate, Utc};
use crm_analytics::purpose::event_tag;
use crm_domain::{CalendarEvent, EventFields};
use crm_storage::calendar;
use crm_storage::reads::{self, CalendarEventRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest span one listing may cover.
const MAX_LIST_DAYS: u32 = 730;

/// How strongly an event moves demand (the schema of `impact_level`).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ImpactLevelName {
    /// A small effect (default multiplier 1.1).
    Low,
    /// A noticeable effect (default multiplier 1.25).
    Medium,
    /// A major effect (default multiplier 1.5).
    High,
}

/// An event as sent by a client (the seed's snake_case fields).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "event_type": "festival",
    "name": "Diwali Festival",
    "date": "2025-11-12",
    "impact_level": "high",
    "expected_demand_multiplier": 1.8,
    "notes": "Major shopping festival"
}))]
pub struct CalendarEventInput {
    /// `festival`, `holiday`, `promotion`, ... (free text, 1-40 characters, stored lower-case).
    #[serde(default)]
    #[schema(required = true, max_length = 40)]
    pub event_type: String,
    /// Name (1-200 characters). Customers who buy in the event's window get its name as a
    /// purpose tag (`Diwali Festival` → `diwali-festival`).
    #[serde(default)]
    #[schema(required = true, max_length = 200)]
    pub name: String,
    /// First day, store-local.
    #[serde(default)]
    #[schema(required = true, format = Date, example = "2025-11-12")]
    pub date: String,
    /// Last day of a multi-day event: on or after `date`, at most 366 days in all (null or
    /// absent: a one-day event).
    #[schema(format = Date)]
    pub end_date: Option<String>,
    /// `low`, `medium` or `high`.
    #[serde(default)]
    #[schema(required = true, value_type = ImpactLevelName, example = "high")]
    pub impact_level: String,
    /// Expected demand relative to a normal day: above 0, at most 20. Default (null or
    /// absent) by impact level: 1.1 low, 1.25 medium, 1.5 high.
    #[schema(exclusive_minimum = 0.0, maximum = 20.0)]
    pub expected_demand_multiplier: Option<f64>,
    /// Notes (up to 2,000 characters).
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

impl CalendarEventInput {
    /// Reads a body, naming the field of a wrongly typed value.
    fn from_json(body: serde_json::Value) -> Result<Self, ApiError> {
        serde_path_to_error::deserialize(body).map_err(|e| {
            let e = crate::sync::serde_field_error(&e);
            ApiError::Validation {
                detail: "the event is invalid; nothing was changed".into(),
                errors: vec![RecordError { index: None, field: e.field, message: e.message }],
            }
        })
    }

    fn into_domain(self) -> Result<CalendarEvent, ApiError> {
        CalendarEvent::parse(&EventFields {
            event_type: &self.event_type,
            name: &self.name,
            date: &self.date,
            end_date: self.end_date.as_deref(),
            impact_level: &self.impact_level,
            expected_demand_multiplier: self.expected_demand_multiplier,
            notes: self.notes.as_deref(),
        })
        .map_err(|errors| ApiError::Validation {
            detail: "the event is invalid; nothing was changed".into(),
            errors: errors
                .into_iter()
                .map(|e| RecordError { index: None, field: e.field, message: e.message })
                .collect(),
        })
    }
}

/// A stored calendar event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEventView {
    /// Id.
    pub id: i64,
    /// `festival`, `holiday`, `promotion`, ...
    pub event_type: String,
    /// Name.
    pub name: String,
    /// First day.
    pub date: NaiveDate,
    /// Last day of a multi-day event.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub end_date: Option<NaiveDate>,
    /// `low`, `medium` or `high`.
    #[schema(value_type = ImpactLevelName)]
    pub impact_level: String,
    /// Expected demand relative to a normal day.
    pub expected_demand_multiplier: f64,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// The purpose tag of customers who buy in the event's window.
    pub purpose_tag: String,
}

impl From<CalendarEventRow> for CalendarEventView {
    fn from(e: CalendarEventRow) -> Self {
        Self {
            purpose_tag: event_tag(&e.name),
            id: e.id,
            event_type: e.event_type,
            name: e.name,
            date: e.date,
            end_date: e.end_date,
            impact_level: e.impact_level,
            expected_demand_multiplier: e.expected_demand_multiplier,
            notes: e.notes,
        }
    }
}

/// Which events to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsQuery {
    /// Days covered, starting at `from` (1-730, default 30).
    #[param(minimum = 1, maximum = 730)]
    pub days: Option<u32>,
    /// First day covered (default: today, store-local).
    #[param(value_type = Option<String>, format = Date, example = "2025-11-01")]
    pub from: Option<NaiveDate>,
}

/// Events in a span of days.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEventsResponse {
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// Events starting in the span or running through it, by date.
    pub events: Vec<CalendarEventView>,
}

/// List calendar events
///
/// Events starting within `days` days from `from` (default: the next 30 days from today), or
/// running through them, by date.
#[utoipa::path(
    get,
    path = "/api/calendar/events",
    tag = "calendar",
    params(ListEventsQuery),
    responses((status = 200, description = "The events", body = CalendarEventsResponse), ReadErrors)
)]
pub async fn list_events(
    state: web::Data<AppState>,
    query: web::Query<ListEventsQuery>,
) -> Result<web::Json<CalendarEventsResponse>, ApiError> {
    let days = query.days.unwrap_or(30);
    if !(1..=MAX_LIST_DAYS).contains(&days) {
        return Err(ApiError::BadRequest(format!("days must be between 1 and {MAX_LIST_DAYS}, got {days}")));
    }
    let from = query.from.unwrap_or_else(|| state.zone.today(Utc::now()));
    let to = from
        .checked_add_days(Days::new(u64::from(days) - 1))
        .ok_or_else(|| ApiError::BadRequest(format!("from ({from}) is too far in the future")))?;
    let events = state.read(move |conn| reads::events_between(conn, from, to)).await?;
    Ok(web::Json(CalendarEventsResponse { from, to, events: events.into_iter().map(Into::into).collect() }))
}

/// One calendar event
#[utoipa::path(
    get,
    path = "/api/calendar/events/{id}",
    tag = "calendar",
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    responses(
        (status = 200, description = "The event", body = CalendarEventView),
        (status = 404, description = "No such event", body = crate::Problem, content_type = "application/problem+json"),
        ReadErrors,
    )
)]
pub async fn get_event(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<CalendarEventView>, ApiError> {
    let id = id.into_inner();
    let event = state.read(move |conn| calendar::event_by_id(conn, id)).await?;
    event.map(|e| web::Json(e.into())).ok_or_else(|| no_event(id))
}

/// Add a calendar event
///
/// Stores a festival, holiday, promotion or local event. The dashboard lists it among the
/// upcoming events, and from the next analytics refresh (started shortly after) customers who
/// buy in the days before it or during it get its purpose tag.
///
/// Rules beyond the schema: `end_date`, when given, is not before `date`, and an event
/// spans at most 366 days.
#[utoipa::path(
    post,
    path = "/api/calendar/events",
    tag = "calendar",
    request_body = CalendarEventInput,
    responses(
        (status = 201, description = "Stored; `Location` names the new event", body = CalendarEventView,
            headers(("Location" = String, description = "The event's URL"))),
        WriteErrors,
    )
)]
pub async fn create_event(
    state: web::Data<AppState>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let event = CalendarEventInput::from_json(body.into_inner())?.into_domain()?;
    // Event tags change at the next refresh; no card changes before it.
    let stored = state.write_changes(move |conn| calendar::insert_event(conn, &event, Utc::now()), |_, _| ()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/calendar/events/{}", stored.id)))
        .json(CalendarEventView::from(stored)))
}

/// Replace a calendar event
///
/// Replaces every field, with the same rules as adding one: `end_date`, when given, is
/// not before `date`, and an event spans at most 366 days.
#[utoipa::path(
    put,
    path = "/api/calendar/events/{id}",
    tag = "calendar",
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    request_body = CalendarEventInput,
    responses(
        (status = 200, description = "Stored", body = CalendarEventView),
        (status = 404, description = "No such event", body = crate::Problem, content_type = "application/problem+json"),
        WriteErrors,
    )
)]
pub async fn replace_event(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<CalendarEventView>, ApiError> {
    let id = id.into_inner();
    let event = CalendarEventInput::from_json(body.into_inner())?.into_domain()?;
    let stored =
        state.write_changes(move |conn| calendar::replace_event(conn, id, &event, Utc::now()), |_, _| ()).await?;
    stored.map(|e| web::Json(e.into())).ok_or_else(|| no_event(id))
}

/// Delete a calendar event
#[utoipa::path(
    delete,
    path = "/api/calendar/events/{id}",
    tag = "calendar",
    params(("id" = i64, Path, description = "The event's id", minimum = 1)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such event", body = crate::Problem, content_type = "application/problem+json"),
        WriteErrors,
    )
)]
pub async fn delete_event(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deleted = state.write_changes(move |conn| calendar::delete_event(conn, id), |_, _| ()).await?;
    if deleted { Ok(HttpResponse::NoContent().finish()) } else { Err(no_event(id)) }
}

fn no_event(id: i64) -> ApiError {
    ApiError::NotFound(format!("no calendar event with id {id}"))
}

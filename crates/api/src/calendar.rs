//! Calendar endpoints: festivals, holidays, promotions and local events with their impact on
//! demand. `GET/POST /api/calendar/events`, `GET/PUT/DELETE /api/calendar/events/{id}`.

use crate::{ApiError, AppState, ReadErrors, WriteErrors};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use crm_domain::{EventFields, ImpactLevel};
use crm_domain::{EventId, StoredEvent, event_tag};
use crm_service::EventSpan;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    #[schema(required = true, value_type = crate::openapi::labels::ImpactLevel)]
    pub impact_level: String,
    /// Expected demand relative to a normal day: 0 to 20, where 0 declares a closure (the
    /// store is shut and sells nothing). Default (null or absent) by impact level: 1.1 low,
    /// 1.25 medium, 1.5 high.
    #[schema(minimum = 0.0, maximum = 20.0)]
    pub expected_demand_multiplier: Option<f64>,
    /// Notes (up to 2,000 characters).
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Days before `date` whose purchases earn the event's purpose tag (purchases during it
    /// do too): a whole number, 0 to 60; 0 tags only buyers on the event's own days. Null or
    /// absent: the store's default, the server's `CRM_EVENT_TAG_LEAD_DAYS` (7 unless set).
    #[schema(minimum = 0, maximum = 60, example = 14)]
    pub lead_days: Option<i64>,
}

impl CalendarEventInput {
    /// Reads a body, naming the field of a wrongly typed value.
    fn from_json(body: serde_json::Value) -> Result<Self, ApiError> {
        serde_path_to_error::deserialize(&body).map_err(|e| {
            crm_service::unreadable_event(crate::sync::serde_field_error::<Self>(&e, || body.as_object().cloned()))
                .into()
        })
    }

    /// The fields as the domain reads them.
    fn fields(&self) -> EventFields<'_> {
        EventFields {
            event_type: &self.event_type,
            name: &self.name,
            date: &self.date,
            end_date: self.end_date.as_deref(),
            impact_level: &self.impact_level,
            expected_demand_multiplier: self.expected_demand_multiplier,
            notes: self.notes.as_deref(),
            lead_days: self.lead_days,
        }
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
    #[schema(value_type = crate::openapi::labels::ImpactLevel)]
    pub impact_level: ImpactLevel,
    /// Expected demand relative to a normal day (0: a closure).
    pub expected_demand_multiplier: f64,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    /// The event's own lead days (0-60), as stored; null when it declares none, which means
    /// the store's default, the server's `CRM_EVENT_TAG_LEAD_DAYS`.
    #[schema(required = true, minimum = 0, maximum = 60)]
    pub lead_days: Option<i32>,
    /// The purpose tag of customers who buy in the event's window.
    pub purpose_tag: String,
    /// The iCalendar `UID` of an imported event (all occurrences of a recurring one share
    /// it, and the forecast learns them as one event); absent for events entered here.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "new-year@example.org")]
    pub uid: Option<String>,
}

impl From<StoredEvent> for CalendarEventView {
    fn from(StoredEvent { id, event: e, uid, .. }: StoredEvent) -> Self {
        Self {
            purpose_tag: event_tag(&e.name),
            id: id.get(),
            event_type: e.event_type,
            name: e.name,
            date: e.date,
            end_date: e.end_date,
            impact_level: e.impact_level,
            expected_demand_multiplier: e.expected_demand_multiplier,
            notes: e.notes,
            // At most 60: always fits.
            lead_days: e.lead_days.and_then(|days| i32::try_from(days).ok()),
            uid,
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
    #[serde(default, deserialize_with = "crate::extract::query_day")]
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
    query: crate::Query<ListEventsQuery>,
) -> Result<web::Json<CalendarEventsResponse>, ApiError> {
    let (from, days) = (query.from, query.days);
    let span = state.read(move |service| service.events(from, days)).await?;
    Ok(web::Json(span.into()))
}

impl From<EventSpan> for CalendarEventsResponse {
    fn from(span: EventSpan) -> Self {
        Self { from: span.from, to: span.to, events: span.events.into_iter().map(Into::into).collect() }
    }
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
    let id = event_id(id.into_inner())?;
    let event = state.read(move |service| service.event(id)).await?;
    Ok(web::Json(event.into()))
}

/// Add a calendar event
///
/// Stores a festival, holiday, promotion or local event. The dashboard lists it among the
/// upcoming events, and from the next analytics refresh (started shortly after) customers who
/// buy in the days before it or during it get its purpose tag.
///
/// Rules beyond the schema: `end_date`, when given, is not before `date`, and an event
/// spans at most 366 days. A multiplier of 0 declares a closure; `lead_days` (0-60, default
/// the store's `CRM_EVENT_TAG_LEAD_DAYS`) sets how many days before it purchases earn its tag.
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
    let input = CalendarEventInput::from_json(body.into_inner())?;
    let stored = state.write(move |service| service.add_event(&input.fields())).await?;
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
    let id = event_id(id.into_inner())?;
    let input = CalendarEventInput::from_json(body.into_inner())?;
    let stored = state.write(move |service| service.replace_event(id, &input.fields())).await?;
    Ok(web::Json(stored.into()))
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
    let id = event_id(id.into_inner())?;
    state.write(move |service| service.delete_event(id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The event id in a path: one the store never gives (0, negative, past 2^53 - 1) names no
/// event.
fn event_id(id: i64) -> Result<EventId, ApiError> {
    EventId::try_from(id).map_err(|_| ApiError::NotFound(format!("no calendar event with id {id}")))
}

//! `POST /api/calendar/import` (an iCalendar file in) and `GET /api/calendar/events.ics`
//! (the calendar out).

use crate::{ApiError, AppState, Caller, ReadErrors, WriteErrors};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use crm_service::{ImportReport, ImportRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Largest iCalendar file accepted, in bytes (a country's public holidays for decades is a
/// few hundred kilobytes).
pub const MAX_ICS_BYTES: usize = 4 * 1024 * 1024;

/// How to read the file.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Type given to events without an `X-CRM-EVENT-TYPE` property (default `holiday`).
    #[param(example = "holiday")]
    pub event_type: Option<String>,
    /// Impact given to events without an `X-CRM-IMPACT-LEVEL` property: `low`, `medium`
    /// (default) or `high`; the multiplier follows it unless the file gives one.
    #[param(value_type = Option<crate::openapi::labels::ImpactLevel>)]
    pub impact_level: Option<String>,
    /// First day occurrences are taken from (default: two years before today, so past
    /// occurrences can teach the forecast).
    #[param(value_type = Option<String>, format = Date, example = "2024-01-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub from: Option<NaiveDate>,
    /// Last day (default: a year after today); at most four years after `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub to: Option<NaiveDate>,
}

/// What the import did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"from": "2024-12-01", "to": "2027-12-01", "occurrences": 42, "created": 40,
    "updated": 1, "unchanged": 0, "skipped": 1}))]
pub struct ImportResponse {
    /// First day of the window read.
    pub from: NaiveDate,
    /// Last day of the window read.
    pub to: NaiveDate,
    /// Occurrences in the file within the window (a recurring event counts once per
    /// occurrence).
    pub occurrences: usize,
    /// Events created.
    pub created: usize,
    /// Events rewritten because the file changed them.
    pub updated: usize,
    /// Events already as the file says (importing a file twice gives only these).
    pub unchanged: usize,
    /// Events left alone: edited here since their import, or entered here (the file is an
    /// export of this calendar).
    pub skipped: usize,
}

impl From<ImportReport> for ImportResponse {
    fn from(r: ImportReport) -> Self {
        Self {
            from: r.from,
            to: r.to,
            occurrences: r.occurrences,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
        }
    }
}

/// Import an iCalendar file
///
/// Reads an RFC 5545 file (`Content-Type: text/calendar`), such as the public holidays any
/// calendar app exports, and turns each occurrence of each `VEVENT` into a calendar event:
/// `SUMMARY` the name, `DTSTART` the first day, `DTEND` (exclusive for all-day events) or
/// `DURATION` the length, `DESCRIPTION` the notes. Recurring events (`RRULE`, less `EXDATE`s
/// and `RECURRENCE-ID` overrides; cancelled ones skipped) are expanded between `from` and
/// `to`. Type, impact, multiplier and lead days come from `X-CRM-*` properties (as
/// `GET /api/calendar/events.ics` writes them), else from the parameters.
///
/// Each occurrence is keyed by the file's `UID` and its date: importing the same file
/// twice creates nothing, a changed file updates what changed, and an event edited here
/// since its import is never overwritten. Imported occurrences of one `UID` count as the
/// same event for the forecast's learned effects. All or nothing: a bad file or event is a
/// 422 naming each `VEVENT`, property and line, and nothing is written. At most 4 MiB
/// (413) and 5,000 occurrences (422).
#[utoipa::path(
    post,
    path = "/api/calendar/import",
    tag = "calendar",
    params(ImportQuery),
    request_body(content = String, content_type = "text/calendar", description = "An iCalendar file",
        example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Holidays//EN\r\nBEGIN:VEVENT\r\nUID:new-year@example.org\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:New Year's Day\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250102\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
    responses(
        (status = 200, description = "Imported", body = ImportResponse),
        WriteErrors,
    )
)]
pub async fn import_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    query: crate::Query<ImportQuery>,
    body: web::Payload,
) -> Result<web::Json<ImportResponse>, ApiError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("text/calendar") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the file as Content-Type: text/calendar, not {:?}",
            content_type
        )));
    }
    let limit = MAX_ICS_BYTES.min(state.limits.max_body_bytes);
    let too_large = || ApiError::PayloadTooLarge(format!("an iCalendar file may be at most {limit} bytes"));
    // A body announced as too large is refused before a byte of it is read.
    let announced = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let bytes = match body.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => return Err(ApiError::BadRequest(format!("cannot read the request body: {error}"))),
        Err(_) => return Err(too_large()),
    };
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|e| ApiError::BadRequest(format!("the file is not UTF-8 text: {e}")))?;
    let query = query.into_inner();
    let request = ImportRequest {
        event_type: query.event_type,
        impact_level: query.impact_level,
        from: query.from,
        to: query.to,
    };
    // Read where the file's cost cannot hold up the writer; stored in one short write.
    let import = state.expensive(&caller, move |service, budget| service.read_import(&text, &request, budget)).await?;
    let report = state.write(move |service| service.store_import(&import)).await?;
    Ok(web::Json(report.into()))
}

/// Export the calendar as iCalendar
///
/// Every event as an all-day `VEVENT` (`DTEND` the day after the last), readable by common
/// calendar apps, with its type, impact, multiplier and lead days in `X-CRM-*` properties:
/// importing the file into an empty store gives the same events, and into this one changes
/// nothing.
#[utoipa::path(
    get,
    path = "/api/calendar/events.ics",
    tag = "calendar",
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        ReadErrors,
    )
)]
pub async fn export_calendar(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let file = state.expensive(&caller, |service, _| service.export_calendar()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"crm-trends.ics\""))
        .body(file))
}

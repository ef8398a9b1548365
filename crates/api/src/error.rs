//! One error type for every handler, rendered as RFC 9457 `application/problem+json`.
//! Every `From` conversion lives here, so each failure maps to one status and one stable
//! `code` in one place.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use crm_storage::StorageError;
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// The body of every error response (RFC 9457 problem details).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:crm-trends:problem:validation-failed",
    "title": "Validation failed",
    "status": 422,
    "detail": "2 of 3 records are invalid; nothing was written",
    "code": "validation-failed",
    "errors": [
        {"index": 0, "field": "total_amount", "message": "must have at most 2 decimal places, got 150.001"},
        {"index": 2, "field": "created_at", "message": "must be an RFC 3339 timestamp with an offset, such as 2025-09-27T10:30:00Z"}
    ]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, one per `code`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// A stable machine-readable code, such as `validation-failed` or `not-found`.
    pub code: String,
    /// For validation failures: every broken rule, by record index and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RecordError>,
}

/// One invalid field of one record in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordError {
    /// Position of the record in the batch (0-based); absent for errors outside a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Path of the field in the record, such as `items[1].unit_price`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Every way a request can fail.
#[derive(Debug)]
pub enum ApiError {
    /// The request was well-formed but broke the rules: 422.
    Validation {
        /// A one-line summary.
        detail: String,
        /// Every broken rule.
        errors: Vec<RecordError>,
    },
    /// The request could not be read (malformed JSON, bad query string): 400.
    BadRequest(String),
    /// The body was not JSON: 415.
    UnsupportedMediaType(String),
    /// The body or batch was too large: 413.
    PayloadTooLarge(String),
    /// The named resource does not exist: 404.
    NotFound(String),
    /// The database is busy; try again shortly: 503.
    Unavailable(String),
    /// Anything else: 500, with the cause logged and not shown.
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "Validation failed",
            ),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Self::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    /// The problem body this error renders as.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let (detail, errors) = match self {
            Self::Validation { detail, errors } => (detail.clone(), errors.clone()),
            Self::Internal(_) => (
                "the server failed to handle the request; the cause is in its log".into(),
                vec![],
            ),
            Self::BadRequest(d)
            | Self::UnsupportedMediaType(d)
            | Self::PayloadTooLarge(d)
            | Self::NotFound(d)
            | Self::Unavailable(d) => (d.clone(), vec![]),
        };
        Problem {
            problem_type: format!("urn:crm-trends:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code: code.into(),
            errors,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation { detail, .. }
            | Self::BadRequest(detail)
            | Self::UnsupportedMediaType(detail)
            | Self::PayloadTooLarge(detail)
            | Self::NotFound(detail)
            | Self::Unavailable(detail)
            | Self::Internal(detail) => f.write_str(detail),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            log::error!("request failed: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if matches!(self, Self::Unavailable(_)) {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.json(self.problem())
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        if error.is_busy() {
            log::warn!("database busy: {error}");
            Self::Unavailable("the database is busy; retry the request shortly".into())
        } else {
            Self::Internal(error.to_string())
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::Internal(format!("blocking task failed: {error}"))
    }
}

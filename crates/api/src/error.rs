//! One error type for every handler, rendered as RFC 9457 `application/problem+json`.
//! Every `From` conversion lives here, so each failure maps to one status and one stable
//! `code` in one place.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use crm_service::{Invalid, RecordFault, ServiceError, StoreFault, StoreFaultKind};
use serde::Serialize;
use std::error::Error;
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
    /// A stable machine-readable code.
    pub code: ProblemCode,
    /// For validation failures: every broken rule, by record index and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<RecordError>,
}

/// The stable codes of [`Problem`]: one per kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// 400: the request could not be read.
    BadRequest,
    /// 401: no valid API key.
    Unauthorized,
    /// 403: the key may not do this.
    Forbidden,
    /// 404: no such route or resource.
    NotFound,
    /// 405: the path exists, the method does not; `Allow` lists those that do.
    MethodNotAllowed,
    /// 409: the resource's state does not allow the change (an erased customer's tags).
    Conflict,
    /// 406: no answer in a form the request accepts (`Accept-Encoding`).
    NotAcceptable,
    /// 413: body or batch too large.
    PayloadTooLarge,
    /// 415: body not JSON.
    UnsupportedMediaType,
    /// 421: the request names a host this server does not answer to (`Host`).
    MisdirectedRequest,
    /// 429: past a rate limit; retry after `Retry-After`.
    TooManyRequests,
    /// 422: records broke the rules.
    ValidationFailed,
    /// 503: database busy; retry.
    Unavailable,
    /// 503: every turn for this kind of work is taken; retry after `Retry-After`.
    Busy,
    /// 503: the database file cannot be written (read-only); reads go on.
    ReadOnly,
    /// 507: the database's disk, or its size cap, is full; reads go on.
    StorageFull,
    /// 503: the work needed more time than a request may take.
    OverBudget,
    /// 500: a fault; see the server log.
    Internal,
}

impl ProblemCode {
    /// The code as it appears in JSON and in the problem `type` URI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad-request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::NotAcceptable => "not-acceptable",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::MisdirectedRequest => "misdirected-request",
            Self::TooManyRequests => "too-many-requests",
            Self::ValidationFailed => "validation-failed",
            Self::Unavailable => "unavailable",
            Self::Busy => "busy",
            Self::ReadOnly => "read-only",
            Self::StorageFull => "storage-full",
            Self::OverBudget => "over-budget",
            Self::Internal => "internal",
        }
    }
}

/// One invalid field of one record in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordError {
    /// Position of the record in the batch (0-based); absent for errors outside a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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
    /// No valid API key was presented: 401.
    Unauthorized(String),
    /// The key may not do this: 403.
    Forbidden(String),
    /// The body was not JSON: 415.
    UnsupportedMediaType(String),
    /// The body or batch was too large: 413.
    PayloadTooLarge(String),
    /// The named resource does not exist: 404.
    NotFound(String),
    /// The resource's state does not allow the change: 409.
    Conflict(String),
    /// The path exists but not with this method: 405, with `Allow`.
    MethodNotAllowed {
        /// What was asked.
        detail: String,
        /// The methods the path answers, as the `Allow` header lists them.
        allow: String,
    },
    /// The database is busy; try again shortly: 503.
    Unavailable(String),
    /// Every turn for this kind of work is taken: 503, retry after a few seconds.
    Busy(String),
    /// The work needed more time than a request may take: 503.
    OverBudget(String),
    /// The request names a host this server does not answer to: 421.
    MisdirectedRequest(String),
    /// No answer in a form the request accepts: 406.
    NotAcceptable(String),
    /// Past a rate limit: 429, with `Retry-After`.
    TooManyRequests {
        /// Which limit, and when to retry.
        detail: String,
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// The store cannot take writes until an operator acts: 507 when it is full, 503 when
    /// its file is read-only.
    WritesRefused {
        /// Whether the store is full (else read-only).
        full: bool,
        /// What happened and what to do.
        detail: String,
    },
    /// Anything else: 500, with the cause (and its causes) logged once and not shown.
    Internal(Box<dyn Error + Send + Sync>),
}

impl ApiError {
    /// A fault (500) caused by `cause`.
    pub fn internal(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// What went wrong with every cause, for an operator (a fault's chain is never sent
    /// in a problem body).
    pub fn chain(&self) -> String {
        match self {
            Self::Internal(cause) => crm_service::error_chain(cause.as_ref()),
            other => other.to_string(),
        }
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ProblemCode, &'static str) {
        match self {
            Self::Validation { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed, "Validation failed")
            }
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ProblemCode::BadRequest, "Bad request"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ProblemCode::Unauthorized, "Unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ProblemCode::Forbidden, "Forbidden"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, ProblemCode::UnsupportedMediaType, "Unsupported media type")
            }
            Self::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ProblemCode::PayloadTooLarge, "Payload too large")
            }
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ProblemCode::NotFound, "Not found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, ProblemCode::Conflict, "Conflict"),
            Self::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, ProblemCode::MethodNotAllowed, "Method not allowed")
            }
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ProblemCode::Unavailable, "Service unavailable"),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, ProblemCode::Busy, "Busy"),
            Self::OverBudget(_) => (StatusCode::SERVICE_UNAVAILABLE, ProblemCode::OverBudget, "Over budget"),
            Self::MisdirectedRequest(_) => {
                (StatusCode::MISDIRECTED_REQUEST, ProblemCode::MisdirectedRequest, "Misdirected request")
            }
            Self::NotAcceptable(_) => (StatusCode::NOT_ACCEPTABLE, ProblemCode::NotAcceptable, "Not acceptable"),
            Self::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ProblemCode::TooManyRequests, "Too many requests")
            }
            Self::WritesRefused { full: true, .. } => {
                (StatusCode::INSUFFICIENT_STORAGE, ProblemCode::StorageFull, "Storage full")
            }
            Self::WritesRefused { full: false, .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, ProblemCode::ReadOnly, "Database read-only")
            }
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ProblemCode::Internal, "Internal server error"),
        }
    }

    /// The problem body this error renders as.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let (detail, errors) = match self {
            Self::Validation { detail, errors } => (detail.clone(), errors.clone()),
            Self::MethodNotAllowed { detail, .. }
            | Self::WritesRefused { detail, .. }
            | Self::TooManyRequests { detail, .. } => (detail.clone(), vec![]),
            Self::Internal(_) => ("the server failed to handle the request; the cause is in its log".into(), vec![]),
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::UnsupportedMediaType(d)
            | Self::PayloadTooLarge(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::Unavailable(d)
            | Self::Busy(d)
            | Self::OverBudget(d)
            | Self::MisdirectedRequest(d)
            | Self::NotAcceptable(d) => (d.clone(), vec![]),
        };
        Problem {
            problem_type: format!("urn:crm-trends:problem:{}", code.as_str()),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code,
            errors,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validation { detail, .. }
            | Self::MethodNotAllowed { detail, .. }
            | Self::WritesRefused { detail, .. }
            | Self::TooManyRequests { detail, .. }
            | Self::BadRequest(detail)
            | Self::Unauthorized(detail)
            | Self::Forbidden(detail)
            | Self::UnsupportedMediaType(detail)
            | Self::PayloadTooLarge(detail)
            | Self::NotFound(detail)
            | Self::Conflict(detail)
            | Self::Unavailable(detail)
            | Self::Busy(detail)
            | Self::OverBudget(detail)
            | Self::MisdirectedRequest(detail)
            | Self::NotAcceptable(detail) => f.write_str(detail),
            Self::Internal(cause) => write!(f, "internal error: {cause}"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            log::error!("request failed: {}", crm_service::error_chain(cause.as_ref()));
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            Self::Busy(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            Self::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after)));
            }
            Self::OverBudget(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("30")));
            }
            Self::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"crm-trends\"")));
            }
            Self::MethodNotAllowed { allow, .. } => {
                if let Ok(allow) = HeaderValue::from_str(allow) {
                    response.insert_header((header::ALLOW, allow));
                }
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<StoreFault> for ApiError {
    fn from(fault: StoreFault) -> Self {
        match fault.kind() {
            StoreFaultKind::Busy => {
                log::warn!("{}", crm_service::error_chain(&fault));
                Self::Unavailable("the database is busy; retry the request shortly".into())
            }
            // Logged once by the store when writes begin to fail, in an operator's words.
            StoreFaultKind::Full => Self::WritesRefused {
                full: true,
                detail: "the server's storage is full; nothing was written, and reads still work. Retry once the \
                         operator has freed space"
                    .into(),
            },
            StoreFaultKind::ReadOnly => Self::WritesRefused {
                full: false,
                detail: "the server's database file cannot be written; nothing was written, and reads still work"
                    .into(),
            },
            StoreFaultKind::Other => Self::internal(fault),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(invalid) => invalid.into(),
            ServiceError::BadParameter(detail) => Self::BadRequest(detail),
            ServiceError::TooLarge(detail) => Self::PayloadTooLarge(detail),
            ServiceError::NotFound(detail) => Self::NotFound(detail),
            ServiceError::Conflict(detail) => Self::Conflict(detail),
            ServiceError::OverBudget(detail) => Self::OverBudget(detail),
            ServiceError::Storage(error) => error.into(),
        }
    }
}

/// The one conversion of broken rules into the problem body's `errors`.
impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        let errors = invalid
            .errors
            .into_iter()
            .map(|RecordFault { index, error }| RecordError { index, field: error.field, message: error.message })
            .collect();
        Self::Validation { detail: invalid.detail, errors }
    }
}

/// The error answers of a route that reads (documentation for the OpenAPI spec; every
/// body is a [`Problem`]).
#[derive(utoipa::IntoResponses)]
pub enum ReadErrors {
    /// A query parameter or path segment could not be read.
    #[response(status = 400, description = "Bad parameter", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:bad-request", "title": "Bad request", "status": 400, "detail": "query parameter days: invalid digit found in string", "code": "bad-request"}))]
    BadRequest(Problem),
    /// Keys are configured and none (or an unknown one) was presented.
    #[response(status = 401, description = "No valid API key", content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "Bearer realm=\"crm-trends\"")),
        example = json!({"type": "urn:crm-trends:problem:unauthorized", "title": "Unauthorized", "status": 401, "detail": "send an API key as Authorization: Bearer <key>", "code": "unauthorized"}))]
    Unauthorized(Problem),
    /// The request named a host the server does not answer to (DNS rebinding).
    #[response(status = 421, description = "Host not answered", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:misdirected-request", "title": "Misdirected request", "status": 421, "detail": "this server does not answer to the host \"evil.example:3001\"; it answers to localhost, 127.0.0.1, [::1] and the names in CRM_ALLOWED_HOSTS", "code": "misdirected-request"}))]
    MisdirectedRequest(Problem),
    /// Past a rate limit (failed authentications from the address, writes or expensive reads
    /// with the key).
    #[response(status = 429, description = "Too many requests", content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
        example = json!({"type": "urn:crm-trends:problem:too-many-requests", "title": "Too many requests", "status": 429, "detail": "too many failed authentications from this address; retry in 1 s", "code": "too-many-requests"}))]
    TooManyRequests(Problem),
    /// The database was busy, every turn for this work was taken, or the work needed more
    /// time than a request may take (codes `unavailable`, `busy`, `over-budget`).
    #[response(status = 503, description = "Busy or over budget; retry after Retry-After", content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
        example = json!({"type": "urn:crm-trends:problem:busy", "title": "Busy", "status": 503, "detail": "every slot for expensive reads (forecasts, backtests, imports, exports) is busy: no turn within 5 s; retry shortly", "code": "busy"}))]
    Unavailable(Problem),
    /// A fault; the cause is in the server log.
    #[response(status = 500, description = "Internal error", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:internal", "title": "Internal server error", "status": 500, "detail": "the server failed to handle the request; the cause is in its log", "code": "internal"}))]
    Internal(Problem),
}

/// The error answers of a route that writes a JSON batch (documentation for the spec).
#[derive(utoipa::IntoResponses)]
pub enum WriteErrors {
    /// The body is not valid JSON.
    #[response(status = 400, description = "Malformed JSON", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:bad-request", "title": "Bad request", "status": 400, "detail": "the body is not valid JSON: EOF while parsing a list at line 1 column 10", "code": "bad-request"}))]
    BadRequest(Problem),
    /// Keys are configured and none (or an unknown one) was presented.
    #[response(status = 401, description = "No valid API key", content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "Bearer realm=\"crm-trends\"")),
        example = json!({"type": "urn:crm-trends:problem:unauthorized", "title": "Unauthorized", "status": 401, "detail": "send an API key as Authorization: Bearer <key>", "code": "unauthorized"}))]
    Unauthorized(Problem),
    /// The key is a read key.
    #[response(status = 403, description = "A read key cannot write", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:forbidden", "title": "Forbidden", "status": 403, "detail": "this API key may read but not write; use a write key", "code": "forbidden"}))]
    Forbidden(Problem),
    /// Body over the size limit, or more records than the batch limit.
    #[response(status = 413, description = "Body or batch too large", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:payload-too-large", "title": "Payload too large", "status": 413, "detail": "a batch may hold at most 10000 records, this one has 12000; split it", "code": "payload-too-large"}))]
    PayloadTooLarge(Problem),
    /// Not sent as `application/json`.
    #[response(status = 415, description = "Body is not JSON", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:unsupported-media-type", "title": "Unsupported media type", "status": 415, "detail": "send the body as JSON with Content-Type: application/json", "code": "unsupported-media-type"}))]
    UnsupportedMediaType(Problem),
    /// Records broke the rules; nothing was written.
    #[response(
        status = 422,
        description = "Invalid records; nothing written",
        content_type = "application/problem+json"
    )]
    ValidationFailed(Problem),
    /// The request named a host the server does not answer to (DNS rebinding).
    #[response(status = 421, description = "Host not answered", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:misdirected-request", "title": "Misdirected request", "status": 421, "detail": "this server does not answer to the host \"evil.example:3001\"; it answers to localhost, 127.0.0.1, [::1] and the names in CRM_ALLOWED_HOSTS", "code": "misdirected-request"}))]
    MisdirectedRequest(Problem),
    /// The server's storage is full; nothing was written.
    #[response(status = 507, description = "Storage full; nothing written", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:storage-full", "title": "Storage full", "status": 507, "detail": "the server's storage is full; nothing was written, and reads still work. Retry once the operator has freed space", "code": "storage-full"}))]
    StorageFull(Problem),
    /// Past a rate limit (failed authentications from the address, writes or expensive reads
    /// with the key).
    #[response(status = 429, description = "Too many requests", content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
        example = json!({"type": "urn:crm-trends:problem:too-many-requests", "title": "Too many requests", "status": 429, "detail": "too many failed authentications from this address; retry in 1 s", "code": "too-many-requests"}))]
    TooManyRequests(Problem),
    /// The database was busy, the writer was taken for too long, or the work needed more
    /// time than a request may take; nothing was written.
    #[response(status = 503, description = "Busy; nothing written; retry after Retry-After", content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
        example = json!({"type": "urn:crm-trends:problem:busy", "title": "Busy", "status": 503, "detail": "the writer is busy with earlier writes; nothing was written: no turn within 5 s; retry shortly", "code": "busy"}))]
    Unavailable(Problem),
    /// A fault; the cause is in the server log.
    #[response(status = 500, description = "Internal error", content_type = "application/problem+json",
        example = json!({"type": "urn:crm-trends:problem:internal", "title": "Internal server error", "status": 500, "detail": "the server failed to handle the request; the cause is in its log", "code": "internal"}))]
    Internal(Problem),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause with a cause of its own, as the store's errors have.
    #[derive(Debug)]
    struct OpenFailed(std::io::Error);

    impl std::fmt::Display for OpenFailed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cannot open /data")
        }
    }

    impl std::error::Error for OpenFailed {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_fault_keeps_its_causes_for_the_log_and_shows_none_to_the_client() {
        let io = std::io::Error::other("permission denied");
        let error = ApiError::from(ServiceError::Storage(StoreFault::new(StoreFaultKind::Other, OpenFailed(io))));
        assert_eq!(error.chain(), "cannot open /data: permission denied");
        let problem = error.problem();
        assert_eq!((problem.status, problem.code), (500, ProblemCode::Internal));
        assert_eq!(problem.detail, "the server failed to handle the request; the cause is in its log");
    }

    #[test]
    fn service_errors_map_to_one_status_each() {
        let status = |e: ServiceError| ApiError::from(e).problem().status;
        assert_eq!(status(ServiceError::BadParameter("x".into())), 400);
        assert_eq!(status(ServiceError::NotFound("x".into())), 404);
        assert_eq!(status(ServiceError::Conflict("x".into())), 409);
        assert_eq!(status(ServiceError::TooLarge("x".into())), 413);
        assert_eq!(status(ServiceError::Invalid(Invalid::record("x", vec![]))), 422);
        let fault =
            |kind, text: &str| ServiceError::Storage(StoreFault::new(kind, std::io::Error::other(text.to_owned())));
        assert_eq!(status(fault(StoreFaultKind::Busy, "database is locked")), 503);
        let problem = ApiError::from(fault(StoreFaultKind::Full, "database or disk is full")).problem();
        assert_eq!((problem.status, problem.code), (507, ProblemCode::StorageFull));
        let problem = ApiError::from(fault(StoreFaultKind::ReadOnly, "attempt to write a readonly database")).problem();
        assert_eq!((problem.status, problem.code), (503, ProblemCode::ReadOnly));
    }
}

//! Extractor configurations whose errors are problem+json like every other error
//! (actix's defaults answer in text/plain).

use crate::ApiError;
use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError};
use actix_web::{FromRequest, HttpRequest, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// JSON bodies: at most `limit` bytes; malformed JSON is 400, JSON of the wrong shape 422,
/// another content type 415, an oversized body 413.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |error, _req| {
        let api_error = match &error {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError::PayloadTooLarge(format!("request body is larger than the {limit} bytes accepted"))
            }
            JsonPayloadError::ContentType => {
                ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into())
            }
            JsonPayloadError::Deserialize(cause) if cause.is_data() => ApiError::Validation {
                detail: format!("the body does not have the expected shape: {cause}"),
                errors: vec![],
            },
            JsonPayloadError::Deserialize(cause) => {
                ApiError::BadRequest(format!("the body is not valid JSON: {cause}"))
            }
            other => ApiError::BadRequest(format!("cannot read the request body: {other}")),
        };
        api_error.into()
    })
}

/// A query string read into `T`, like `web::Query`, except that a parameter that does not
/// fit its type is a 400 problem that names it (`query parameter days: invalid digit found
/// in string`): actix's own extractor loses the name.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Reads `query` (the part after `?`) into `T`, naming the parameter that does not fit.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Window { days: Option<u32> }
/// let window: Window = crm_api::parse_query("days=7").unwrap();
/// assert_eq!(window.days, Some(7));
/// let error = crm_api::parse_query::<Window>("days=seven").unwrap_err();
/// assert_eq!(error.to_string(), "query parameter days: invalid digit found in string");
/// ```
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        if path == "." {
            ApiError::BadRequest(format!("invalid query string: {}", error.inner()))
        } else {
            ApiError::BadRequest(format!("query parameter {path}: {}", error.inner()))
        }
    })
}

/// `deserialize_with` for an optional day in a query string: exactly `YYYY-MM-DD` with a
/// four-digit year (RFC 3339's full-date, what the spec's `format: date` says), so a year
/// such as `-262143` is a 400 naming the parameter rather than date arithmetic past the
/// calendar's end.
pub(crate) fn query_day<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = String::deserialize(deserializer)?;
    crm_domain::parse_day(&text).map(Some).map_err(serde::de::Error::custom)
}

/// Path segments: a malformed id is 404-worthy in spirit but reported as 400 naming it.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req| {
        let PathError::Deserialize(cause) = &error else {
            return ApiError::BadRequest(format!("invalid path: {error}")).into();
        };
        ApiError::BadRequest(format!("invalid path parameter: {cause}")).into()
    })
}

/// The customer id in a path: one the POS can never send (0, negative, past 2^53 - 1) names
/// no customer.
pub(crate) fn customer_id(id: i64) -> Result<crm_domain::CustomerId, ApiError> {
    crm_domain::CustomerId::try_from(id).map_err(|_| ApiError::NotFound(format!("no customer with id {id}")))
}

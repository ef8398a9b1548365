//! Extractor configurations whose errors are problem+json like every other error
//! (actix's defaults answer in text/plain).

use crate::ApiError;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::web;

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

/// Query strings: a bad parameter is 400 naming it.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let QueryPayloadError::Deserialize(cause) = &error else {
            return ApiError::BadRequest(format!("invalid query string: {error}")).into();
        };
        ApiError::BadRequest(format!("invalid query string: {cause}")).into()
    })
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

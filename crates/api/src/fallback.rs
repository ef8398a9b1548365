//! Refusals the framework makes on its own (the compression layer's 406) answered like
//! every other error: `application/problem+json` with a stable code, inside the security
//! headers.

use crate::ApiError;
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::Next;

/// Middleware (wrap outside the compression layer, inside the security headers): an error
/// answer that is not a problem becomes one with the same status.
pub async fn problem_only(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let accepted =
        req.headers().get(header::ACCEPT_ENCODING).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let response = next.call(req).await?;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return Ok(response.map_into_left_body());
    }
    let Some(problem) = problem_for(status, accepted.as_deref()) else {
        return Ok(response.map_into_left_body());
    };
    let (req, _) = response.into_parts();
    Ok(ServiceResponse::new(req, problem.error_response()).map_into_right_body())
}

/// The problem a framework answer of `status` stands for.
fn problem_for(status: StatusCode, accepted: Option<&str>) -> Option<ApiError> {
    Some(match status {
        StatusCode::NOT_ACCEPTABLE => ApiError::NotAcceptable(format!(
            "none of the content codings the request accepts ({}) is available; this server sends gzip or \
             identity (uncompressed)",
            accepted.unwrap_or("Accept-Encoding absent")
        )),
        StatusCode::NOT_FOUND => ApiError::NotFound("no such resource".into()),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the request body is too large".into()),
        StatusCode::BAD_REQUEST => ApiError::BadRequest("the request could not be read".into()),
        StatusCode::INTERNAL_SERVER_ERROR => ApiError::internal("a framework error answered without a problem body"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_of_every_encoding_names_what_was_asked_and_what_is_offered() {
        let problem = problem_for(StatusCode::NOT_ACCEPTABLE, Some("br;q=1, identity;q=0")).unwrap().problem();
        assert_eq!((problem.status, problem.code.as_str()), (406, "not-acceptable"));
        assert_eq!(
            problem.detail,
            "none of the content codings the request accepts (br;q=1, identity;q=0) is available; this server sends \
             gzip or identity (uncompressed)"
        );
        assert!(problem_for(StatusCode::IM_A_TEAPOT, None).is_none());
    }
}

//! API keys and who may call what.
//!
//! Two lists of keys: write keys (sync, calendar and tag writes, imports; they can read
//! too) and read keys (every other `/api` route). `/api/health` needs no key; `/metrics`
//! needs a read key unless the caller is on loopback; the dashboard's static files, the
//! spec and Swagger UI are public (the dashboard asks for a key when it needs one). With
//! no keys configured everything is open: the server then listens on loopback only.
//!
//! Keys are compared in constant time against every configured key, and never logged.

use crate::{ApiError, AppState};
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use std::fmt;

/// The shortest key accepted: shorter keys are guessable.
pub const MIN_KEY_LEN: usize = 16;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read every `/api` route.
    Read,
    /// Read, and write (sync, calendar, tags, imports).
    Write,
}

/// A key, kept out of logs and debug output.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The configured keys.
#[derive(Debug, Clone, Default)]
pub struct AccessKeys {
    write: Vec<Secret>,
    read: Vec<Secret>,
}

impl AccessKeys {
    /// Checks and keeps the keys: each at least [`MIN_KEY_LEN`] visible ASCII characters.
    pub fn new(write: Vec<String>, read: Vec<String>) -> Result<Self, String> {
        let check = |list: Vec<String>, name: &str| -> Result<Vec<Secret>, String> {
            list.into_iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .enumerate()
                .map(|(i, key)| {
                    if key.len() < MIN_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
                        Err(format!("{name} key #{} must be at least {MIN_KEY_LEN} visible ASCII characters", i + 1))
                    } else {
                        Ok(Secret(key))
                    }
                })
                .collect()
        };
        Ok(Self { write: check(write, "write")?, read: check(read, "read")? })
    }

    /// Whether any key is configured (and so whether access is enforced).
    pub fn enabled(&self) -> bool {
        !self.write.is_empty() || !self.read.is_empty()
    }

    /// The role a presented key grants, comparing it with every key in constant time.
    pub fn role_of(&self, presented: &str) -> Option<Role> {
        let presented = presented.as_bytes();
        let mut write = false;
        let mut read = false;
        for key in &self.write {
            write |= constant_time_eq::constant_time_eq(key.0.as_bytes(), presented);
        }
        for key in &self.read {
            read |= constant_time_eq::constant_time_eq(key.0.as_bytes(), presented);
        }
        if write {
            Some(Role::Write)
        } else if read {
            Some(Role::Read)
        } else {
            None
        }
    }
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Role(Role),
    /// A read key, or a caller on loopback.
    ReadOrLoopback,
}

fn needs(method: &Method, path: &str) -> Needs {
    if path == "/api/health" {
        Needs::Nothing
    } else if path == "/metrics" {
        Needs::ReadOrLoopback
    } else if path == "/api" || path.starts_with("/api/") {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            Needs::Role(Role::Read)
        } else {
            Needs::Role(Role::Write)
        }
    } else {
        Needs::Nothing
    }
}

/// Checks the request's `Authorization: Bearer <key>` against what its route needs.
fn authorize(keys: &AccessKeys, req: &ServiceRequest) -> Result<(), ApiError> {
    if !keys.enabled() {
        return Ok(());
    }
    let needed = match needs(req.method(), req.path()) {
        Needs::Nothing => return Ok(()),
        Needs::ReadOrLoopback if req.peer_addr().is_some_and(|a| a.ip().is_loopback()) => {
            return Ok(());
        }
        Needs::ReadOrLoopback => Role::Read,
        Needs::Role(role) => role,
    };
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(presented) = header.and_then(bearer_token) else {
        return Err(ApiError::Unauthorized("send an API key as Authorization: Bearer <key>".into()));
    };
    match keys.role_of(presented) {
        None => Err(ApiError::Unauthorized("the API key is not valid".into())),
        Some(role) if role < needed => {
            Err(ApiError::Forbidden("this API key may read but not write; use a write key".into()))
        }
        Some(role) => {
            req.extensions_mut().insert(role);
            Ok(())
        }
    }
}

/// The key of an `Authorization: Bearer <key>` header; the scheme name is
/// case-insensitive (RFC 9110).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Middleware enforcing the access rules (wrap the whole app with `from_fn(enforce)`).
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let keys = req.app_data::<web::Data<AppState>>().map(|s| s.keys.clone()).unwrap_or_default();
    match authorize(&keys, &req) {
        Ok(()) => next.call(req).await.map(ServiceResponse::map_into_left_body),
        // Answered here as a response (not an error), so outer layers log and count it.
        Err(refusal) => Ok(req.into_response(refusal.error_response()).map_into_right_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AccessKeys {
        AccessKeys::new(vec!["w-0123456789abcdef".into()], vec!["r-0123456789abcdef".into()]).unwrap()
    }

    #[test]
    fn write_keys_can_read_and_read_keys_cannot_write() {
        assert_eq!(keys().role_of("w-0123456789abcdef"), Some(Role::Write));
        assert_eq!(keys().role_of("r-0123456789abcdef"), Some(Role::Read));
        assert_eq!(keys().role_of("r-0123456789abcdeX"), None);
        assert!(Role::Read < Role::Write);
    }

    #[test]
    fn short_or_non_ascii_keys_are_refused_at_start() {
        assert!(AccessKeys::new(vec!["short".into()], vec![]).is_err());
        assert!(AccessKeys::new(vec![], vec!["0123456789 abcdef".into()]).is_err());
        assert!(!AccessKeys::new(vec![" ".into()], vec![]).unwrap().enabled());
    }

    #[test]
    fn health_is_open_metrics_allows_loopback_and_api_writes_need_a_write_key() {
        assert_eq!(needs(&Method::GET, "/api/health"), Needs::Nothing);
        assert_eq!(needs(&Method::GET, "/metrics"), Needs::ReadOrLoopback);
        assert_eq!(needs(&Method::GET, "/api/sync/status"), Needs::Role(Role::Read));
        assert_eq!(needs(&Method::POST, "/api/sync/sales"), Needs::Role(Role::Write));
        assert_eq!(needs(&Method::DELETE, "/api/calendar/events/1"), Needs::Role(Role::Write));
        assert_eq!(needs(&Method::GET, "/swagger-ui/"), Needs::Nothing);
        assert_eq!(needs(&Method::GET, "/apis"), Needs::Nothing);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_needs_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn keys_never_appear_in_debug_output() {
        assert!(!format!("{:?}", keys()).contains("0123456789"));
    }
}

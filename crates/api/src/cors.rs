//! Cross-origin calls from browsers (CORS): the POS page at checkout calls the insight card
//! from its own origin (`fetch('http://localhost:3001/api/customers/123/insights')` from
//! `http://localhost:3000`).
//!
//! Origins are allowed by exact match, never `*`. A preflight is answered after routing, by
//! the route's resource, and only for a method the path declares ([`preflight`]); every
//! answer to an allowed origin, refusals included, carries `Access-Control-Allow-Origin`
//! ([`decorate`]), so the page can read a 401. A request from a page of any other origin
//! is refused (403) before it reaches a handler, so a page the user happens to visit cannot
//! make the browser write to this server (even with no keys configured).

use crate::host::HostPolicy;
use crate::{ApiError, AppState};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

/// The request headers a cross-origin page may send.
const ALLOWED_HEADERS: [&str; 2] = ["authorization", "content-type"];

/// The response headers a cross-origin page may read beside the safelisted ones.
const EXPOSED_HEADERS: &str = "Location, Retry-After, WWW-Authenticate, Allow";

/// How long a browser may cache a preflight's answer, in seconds.
const MAX_AGE_SECS: &str = "3600";

/// The origins whose pages may call the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<String>,
}

impl CorsPolicy {
    /// The origins of the seed's set-up: the POS front end on port 3000 of this machine.
    pub const SEED_ORIGINS: [&str; 2] = ["http://localhost:3000", "http://127.0.0.1:3000"];

    /// Allows exactly these origins (`https://pos.example.com`); none turns CORS off.
    pub fn new(origins: Vec<String>) -> Self {
        Self { origins }
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// The request's `Origin` when it names a page of another origin that is not allowed.
    /// A page of this server's own origin (Swagger UI, the dashboard) is not cross-origin:
    /// its origin is the `Host` it calls, and that host is one the server answers to (never
    /// merely whatever name the request claims, which DNS rebinding controls).
    fn refused_origin<'a>(&self, headers: &'a HeaderMap, hosts: &HostPolicy) -> Option<&'a str> {
        let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("(unreadable)");
        if self.allows(origin) {
            return None;
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|host| hosts.allows(host));
        let own = host.is_some_and(|host| {
            let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
        });
        (!own).then_some(origin)
    }
}

/// What a preflight asks, when the request is one (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`).
pub(crate) struct Preflight {
    origin: String,
    method: Option<Method>,
    headers: Vec<String>,
}

impl Preflight {
    pub(crate) fn of(method: &Method, headers: &HeaderMap) -> Option<Self> {
        if *method != Method::OPTIONS {
            return None;
        }
        let origin = headers.get(header::ORIGIN)?.to_str().ok()?.to_owned();
        let asked = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
        let method = asked.to_str().ok().and_then(|m| Method::from_bytes(m.as_bytes()).ok());
        let headers = headers
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Some(Self { origin, method, headers })
    }

    /// The answer to this preflight for a path that declares `allow` (its `Allow` header):
    /// 204 with the CORS grant, or 403 naming what is refused. `None` when the origin is
    /// not allowed: the request is then handled as any other unknown method.
    pub(crate) fn answer(
        &self,
        policy: &CorsPolicy,
        declares: impl Fn(&Method) -> bool,
        allow: &str,
    ) -> Option<HttpResponse> {
        if !policy.allows(&self.origin) {
            return None;
        }
        let refusal =
            match &self.method {
                None => Some("the requested method is not a valid method".to_owned()),
                Some(m) if !declares(m) => Some(format!("{m} is not allowed on this path; it allows {allow}")),
                Some(_) => self.headers.iter().find(|h| !ALLOWED_HEADERS.contains(&h.as_str())).map(|h| {
                    format!("the request header {h} is not allowed; send only Authorization and Content-Type")
                }),
            };
        Some(match refusal {
            Some(detail) => ApiError::Forbidden(format!("CORS preflight refused: {detail}")).error_response(),
            None => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, allow))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type"))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECS))
                .finish(),
        })
    }
}

/// Middleware (wrap the whole app): refuses requests from pages of origins that are not
/// allowed, and adds the CORS headers to every answer to an allowed origin.
pub async fn decorate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Decided before the request moves on, without copying the policy.
    let (refused, origin, enabled) = match AppState::of(req.request()) {
        Ok(state) => {
            let policy = &state.cors;
            let refused = policy.refused_origin(req.headers(), &state.hosts).map(str::to_owned);
            let origin =
                req.headers().get(header::ORIGIN).filter(|o| o.to_str().is_ok_and(|o| policy.allows(o))).cloned();
            (refused, origin, !policy.origins.is_empty())
        }
        Err(_) => (None, None, false),
    };
    if let Some(origin) = refused {
        let refusal = ApiError::Forbidden(format!(
            "requests from pages at {origin} are not allowed; the server's CORS origins are set by CRM_CORS_ORIGINS"
        ));
        return Ok(req.into_response(refusal.error_response()).map_into_right_body());
    }
    let mut response = next.call(req).await?.map_into_left_body();
    if !enabled {
        return Ok(response);
    }
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn seed() -> CorsPolicy {
        CorsPolicy::new(CorsPolicy::SEED_ORIGINS.map(str::to_owned).to_vec())
    }

    #[test]
    fn only_listed_origins_and_the_servers_own_pages_may_call() {
        let policy = seed();
        let hosts = HostPolicy::default();
        let from = |origin: &str, host: &str| {
            policy
                .refused_origin(&headers(&[(header::ORIGIN, origin), (header::HOST, host)]), &hosts)
                .map(str::to_owned)
        };
        assert_eq!(from("http://localhost:3000", "127.0.0.1:3001"), None);
        assert_eq!(from("http://127.0.0.1:3000", "127.0.0.1:3001"), None);
        assert_eq!(from("http://127.0.0.1:3001", "127.0.0.1:3001"), None, "the server's own page");
        assert_eq!(from("http://127.0.0.1:4000", "127.0.0.1:3001"), Some("http://127.0.0.1:4000".into()));
        assert_eq!(from("http://localhost:3000.evil.example", "x"), Some("http://localhost:3000.evil.example".into()));
        assert_eq!(from("null", "127.0.0.1:3001"), Some("null".into()));
        assert_eq!(policy.refused_origin(&HeaderMap::new(), &hosts), None, "not from a browser page");
        assert_eq!(
            CorsPolicy::default().refused_origin(&headers(&[(header::ORIGIN, "http://localhost:3000")]), &hosts),
            Some("http://localhost:3000")
        );
    }

    #[test]
    fn a_page_is_same_origin_only_on_a_host_the_server_answers_to() {
        // After DNS rebinding, a page of evil.com calls this server as evil.com: same origin
        // by the headers, but not a name a keyless server answers to.
        let rebound = headers(&[(header::ORIGIN, "http://evil.com:39014"), (header::HOST, "evil.com:39014")]);
        assert_eq!(seed().refused_origin(&rebound, &HostPolicy::default()), Some("http://evil.com:39014"));
        let with_keys = HostPolicy::new(&[], true).unwrap();
        assert_eq!(seed().refused_origin(&rebound, &with_keys), None, "with keys, the key stops a foreign page");
    }

    #[test]
    fn a_preflight_is_granted_for_declared_methods_and_the_two_headers_only() {
        let policy = seed();
        let ask = |method: &str, request_headers: &str| {
            let map = headers(&[
                (header::ORIGIN, "http://localhost:3000"),
                (header::ACCESS_CONTROL_REQUEST_METHOD, method),
                (header::ACCESS_CONTROL_REQUEST_HEADERS, request_headers),
            ]);
            let preflight = Preflight::of(&Method::OPTIONS, &map).unwrap();
            preflight.answer(&policy, |m| *m == Method::GET, "GET, HEAD").map(|r| r.status().as_u16())
        };
        assert_eq!(ask("GET", "authorization"), Some(204));
        assert_eq!(ask("GET", "Authorization, Content-Type"), Some(204));
        assert_eq!(ask("DELETE", "authorization"), Some(403));
        assert_eq!(ask("GET", "x-api-key"), Some(403));
        let other =
            headers(&[(header::ORIGIN, "http://127.0.0.1:4000"), (header::ACCESS_CONTROL_REQUEST_METHOD, "GET")]);
        let preflight = Preflight::of(&Method::OPTIONS, &other).unwrap();
        assert!(preflight.answer(&policy, |_| true, "GET").is_none(), "not an allowed origin");
        assert!(Preflight::of(&Method::GET, &other).is_none());
        assert!(Preflight::of(&Method::OPTIONS, &headers(&[(header::ORIGIN, "http://localhost:3000")])).is_none());
    }
}

//! Which host names the server answers to: the defence against DNS rebinding.
//!
//! A page on `http://evil.example` can have its name re-pointed at 127.0.0.1 after it has
//! loaded; its requests then reach this server as same-origin requests carrying
//! `Host: evil.example`. A server without keys would trust them, so a server without keys
//! answers only the names it is known by on this machine (`localhost`, `127.0.0.1`,
//! `[::1]`, with any port) and those listed in `CRM_ALLOWED_HOSTS`; any other `Host` is a
//! 421 before routing, open routes included. With keys, the key already stops a foreign
//! page (it cannot read the key another origin keeps), so the list is optional: set, it is
//! enforced the same way; unset, any name is answered (behind a load balancer, by an
//! address, by a health check).

use crate::{ApiError, AppState};
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

/// The names every server answers to: this machine's own.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The host names a server answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPolicy {
    /// Names allowed besides the loopback ones, lower-case, without port; `None`: any name.
    allowed: Option<Vec<String>>,
}

/// An entry of `CRM_ALLOWED_HOSTS` that is not a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a host name (CRM_ALLOWED_HOSTS)")]
pub struct NotAHost(pub String);

impl Default for HostPolicy {
    /// The loopback names only.
    fn default() -> Self {
        Self { allowed: Some(Vec::new()) }
    }
}

impl HostPolicy {
    /// The policy of a server: `listed` names (`CRM_ALLOWED_HOSTS`: `shop.example.com`,
    /// `192.0.2.7`, `[2001:db8::7]`, each with or without a port, which is ignored) beside
    /// the loopback ones. With `keys` configured and nothing listed, every name is answered.
    pub fn new(listed: &[String], keys: bool) -> Result<Self, NotAHost> {
        let mut allowed = Vec::new();
        for entry in listed.iter().map(|h| h.trim()).filter(|h| !h.is_empty()) {
            let name = host_name(entry).ok_or_else(|| NotAHost(entry.to_owned()))?;
            allowed.push(name);
        }
        if keys && allowed.is_empty() {
            return Ok(Self { allowed: None });
        }
        Ok(Self { allowed: Some(allowed) })
    }

    /// Whether a request naming `host` (a `Host` header's value, or a request target's
    /// authority) is answered.
    pub fn allows(&self, host: &str) -> bool {
        let Some(allowed) = &self.allowed else { return true };
        host_name(host).is_some_and(|name| LOOPBACK_NAMES.contains(&name.as_str()) || allowed.contains(&name))
    }

    /// Whether every name is answered.
    pub fn allows_any(&self) -> bool {
        self.allowed.is_none()
    }
}

/// The name part of `host[:port]`, lower-case and without a final dot; `None` when it is
/// not shaped like a host (empty, a bad port, a stray bracket or character).
fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<std::net::Ipv6Addr>().ok()?;
        (&host[..inside.len() + 2], after.strip_prefix(':'))
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return None;
    }
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let shaped = !name.is_empty()
        && (name.starts_with('[')
            || name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    shaped.then_some(name)
}

/// Middleware (wrap the whole app): answers 421 to a request that names a host the server
/// does not answer to, in its `Host` header or its request target (`GET http://x/ HTTP/1.1`).
/// A request without either (HTTP/1.0) cannot come from a browser page and goes on.
pub async fn check(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = match AppState::of(req.request()) {
        Ok(state) => {
            let named = req.headers().get(header::HOST).map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
            let target = req.uri().authority().map(|a| a.as_str().to_owned());
            named.into_iter().chain(target).find(|host| !state.hosts.allows(host))
        }
        Err(_) => None,
    };
    if let Some(host) = refused {
        let shown: String = host.chars().take(100).collect();
        let refusal = ApiError::MisdirectedRequest(format!(
            "this server does not answer to the host {shown:?}; it answers to localhost, 127.0.0.1, [::1] and the \
             names in CRM_ALLOWED_HOSTS"
        ));
        return Ok(req.into_response(refusal.error_response()).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_keys_only_loopback_names_and_listed_ones_are_answered() {
        let policy = HostPolicy::new(&["Shop.Example.com:3001".into(), "192.0.2.7".into()], false).unwrap();
        for host in ["localhost", "localhost:3001", "LOCALHOST.", "127.0.0.1:3001", "[::1]", "[::1]:3001"] {
            assert!(policy.allows(host), "{host}");
        }
        for host in ["shop.example.com", "shop.example.com:443", "192.0.2.7:3001"] {
            assert!(policy.allows(host), "{host}");
        }
        for host in [
            "evil.com:39014",
            "localhost.evil.com",
            "127.0.0.1.nip.io",
            "evil.com#@localhost",
            "localhost:99999",
            "[::1",
            "",
            "192.0.2.8",
        ] {
            assert!(!policy.allows(host), "{host}");
        }
        assert!(!HostPolicy::default().allows("shop.example.com"));
    }

    #[test]
    fn with_keys_the_list_is_optional() {
        assert!(HostPolicy::new(&[], true).unwrap().allows("10.0.0.5:3001"));
        assert!(HostPolicy::new(&[], true).unwrap().allows_any());
        let listed = HostPolicy::new(&["crm.example.com".into()], true).unwrap();
        assert!(listed.allows("crm.example.com") && listed.allows("localhost:3001"));
        assert!(!listed.allows("10.0.0.5:3001"));
    }

    #[test]
    fn a_listed_entry_must_be_a_host() {
        assert_eq!(
            HostPolicy::new(&["http://shop.example.com/".into()], false),
            Err(NotAHost("http://shop.example.com/".into()))
        );
        assert_eq!(
            NotAHost("http://shop.example.com/".into()).to_string(),
            r#""http://shop.example.com/" is not a host name (CRM_ALLOWED_HOSTS)"#
        );
        assert!(HostPolicy::new(&["[2001:db8::7]:3001".into()], false).unwrap().allows("[2001:DB8::7]"));
    }
}

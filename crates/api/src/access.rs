//! Who may call what.
//!
//! Every route declares its [`Access`] in the route table ([`crate::routes`]); the check runs
//! after routing, on the matched route's declaration, so no spelling of a path can reach a
//! handler around it. What is not declared is denied: a path that matches no route answers
//! 401 to a caller without a valid key (so it learns nothing about which paths exist) and
//! 404 to one with a key.
//!
//! Two lists of keys: write keys (sync, calendar and tag writes, imports; they can read too)
//! and read keys. With no keys configured the server answers only callers on this machine
//! (it listens on loopback), unless started with `--insecure-no-auth`.
//!
//! Who the caller is, is judged by the connection's peer address, or behind a trusted
//! reverse proxy by the client address the proxy reports (`Forwarded` or
//! `X-Forwarded-For`). A request that carries forwarding headers but does not come from a
//! trusted proxy, or comes from one that does not say who the client is, is never taken for
//! a local caller.
//!
//! Keys are compared in constant time against every configured key, and never logged.

use crate::ApiError;
use actix_web::HttpRequest;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use std::fmt;
use std::future::{Ready, ready};
use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};

/// The shortest key accepted: shorter keys are guessable.
pub const MIN_KEY_LEN: usize = 16;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read every route that reads.
    Read,
    /// Read, and write (sync, calendar, tags, imports).
    Write,
}

/// Who may call a route: declared for every route in the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a key: health, Swagger UI, the spec, the dashboard's files.
    Open,
    /// A read or write key.
    Read,
    /// A write key.
    Write,
    /// A read key, or a caller on this machine (metrics for a local scraper).
    ReadOrLocal,
}

impl Access {
    /// The name the OpenAPI document gives it (`x-access`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Read => "read",
            Self::Write => "write",
            Self::ReadOrLocal => "read-or-local",
        }
    }
}

/// A key, kept out of logs and debug output.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A key refused: shorter than [`MIN_KEY_LEN`], or holding a character that is not visible
/// ASCII. It names the key by its place in its list, never by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} key #{number} must be at least {MIN_KEY_LEN} visible ASCII characters", match role { Role::Write => "write", Role::Read => "read" })]
pub struct WeakKey {
    /// Which list it is in.
    pub role: Role,
    /// Its place in that list, from 1 (blank entries not counted).
    pub number: usize,
}

/// A new key set without a key, for a server that has keys: refused, or the server would be
/// open to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the new key set is empty; a server started with keys keeps at least one")]
pub struct KeysEmptied;

/// The configured keys.
#[derive(Debug, Clone, Default)]
pub struct AccessKeys {
    write: Vec<Secret>,
    read: Vec<Secret>,
}

impl AccessKeys {
    /// Checks and keeps the keys: each at least [`MIN_KEY_LEN`] visible ASCII characters.
    pub fn new(write: Vec<String>, read: Vec<String>) -> Result<Self, WeakKey> {
        let check = |list: Vec<String>, role: Role| -> Result<Vec<Secret>, WeakKey> {
            list.into_iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .enumerate()
                .map(|(i, key)| {
                    if key.len() < MIN_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
                        Err(WeakKey { role, number: i + 1 })
                    } else {
                        Ok(Secret(key))
                    }
                })
                .collect()
        };
        Ok(Self { write: check(write, Role::Write)?, read: check(read, Role::Read)? })
    }

    /// How many write and read keys there are.
    pub fn counts(&self) -> (usize, usize) {
        (self.write.len(), self.read.len())
    }

    /// Whether any key is configured (and so whether access is enforced).
    pub fn enabled(&self) -> bool {
        !self.write.is_empty() || !self.read.is_empty()
    }

    /// The role a presented key grants, comparing it with every key in constant time.
    pub fn role_of(&self, presented: &str) -> Option<Role> {
        self.key_of(presented).map(|(role, _)| role)
    }

    /// The role a presented key grants and which configured key it is (write keys first,
    /// then read keys), comparing it with every key in constant time.
    fn key_of(&self, presented: &str) -> Option<(Role, u16)> {
        let presented = presented.as_bytes();
        let mut found = None;
        let keys = self.write.iter().map(|k| (Role::Write, k)).chain(self.read.iter().map(|k| (Role::Read, k)));
        for (index, (role, key)) in keys.enumerate() {
            let same = constant_time_eq::constant_time_eq(key.0.as_bytes(), presented);
            // The first match wins (a key listed as both write and read is a write key).
            if same && found.is_none() {
                found = Some((role, u16::try_from(index).unwrap_or(u16::MAX)));
            }
        }
        found
    }
}

/// The access rules of one server: its keys, the reverse proxies it trusts to report the
/// client's address, and whether it was told to serve the network without keys.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Shared by every clone (each worker's), so a reload reaches them all at once.
    keys: Arc<RwLock<AccessKeys>>,
    trusted_proxies: Vec<IpAddr>,
    insecure_no_auth: bool,
}

/// What a request presented as its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// No `Authorization: Bearer` header.
    Nothing,
    /// A key that is not configured.
    Unknown,
    /// A configured key: its role, and which key it is (for per-key rate limits).
    Key(Role, u16),
}

/// Whom a rate limit counts a request against: the key it presented, or, without one, its
/// client address (`None` when a proxy hides it: such clients share one count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A configured key, by its place in the configuration.
    Key(u16),
    /// A client without a key.
    Client(Option<IpAddr>),
}

/// What the access rules know of the caller of one request. Also an extractor, for
/// handlers whose answer depends on it (health shows row counts only to a reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The key the request presented.
    pub presented: Presented,
    /// The client's address: the peer's, or the one a trusted proxy reports; `None` when
    /// it cannot be known.
    pub client: Option<IpAddr>,
}

impl Caller {
    /// Whom rate limits count this caller as.
    pub fn subject(&self) -> Subject {
        match self.presented {
            Presented::Key(_, key) => Subject::Key(key),
            Presented::Nothing | Presented::Unknown => Subject::Client(self.client),
        }
    }

    /// Whether the client is known to be on this machine.
    pub fn is_local(&self) -> bool {
        self.client.is_some_and(|ip| ip.to_canonical().is_loopback())
    }
}

impl AccessPolicy {
    /// The rules for these keys and trusted proxies. `insecure_no_auth`: without keys, serve
    /// callers that are not on this machine too.
    pub fn new(keys: AccessKeys, trusted_proxies: Vec<IpAddr>, insecure_no_auth: bool) -> Self {
        let trusted_proxies = trusted_proxies.into_iter().map(|ip| ip.to_canonical()).collect();
        Self { keys: Arc::new(RwLock::new(keys)), trusted_proxies, insecure_no_auth }
    }

    /// The keys now.
    fn keys(&self) -> std::sync::RwLockReadGuard<'_, AccessKeys> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the keys (a reload, for rotating keys without a restart). A server started
    /// with keys keeps some: an empty set is refused, since it would open every route.
    pub fn replace_keys(&self, keys: AccessKeys) -> Result<(), KeysEmptied> {
        if self.keys().enabled() && !keys.enabled() {
            return Err(KeysEmptied);
        }
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        Ok(())
    }

    /// Whether access is enforced by keys (any is configured).
    pub fn keys_enabled(&self) -> bool {
        self.keys().enabled()
    }

    /// Who is calling: the key presented and the client's address.
    pub fn caller(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Caller {
        let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let presented = match header.and_then(bearer_token) {
            None => Presented::Nothing,
            Some(token) => {
                self.keys().key_of(token).map_or(Presented::Unknown, |(role, key)| Presented::Key(role, key))
            }
        };
        Caller { presented, client: self.client_address(peer, headers) }
    }

    /// The client's address. A direct connection is its peer. A request from a trusted
    /// proxy is the address the proxy reports: the nearest hop of the forwarding chain that
    /// is not itself a trusted proxy. A request that carries forwarding headers without
    /// coming from a trusted proxy, or from a trusted proxy that names no client, has no
    /// known client.
    fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        let chain = forwarded_chain(headers);
        if !self.trusted_proxies.contains(&peer) {
            return if chain.is_none() { Some(peer) } else { None };
        }
        for hop in chain?.into_iter().rev() {
            match hop {
                Some(ip) if self.trusted_proxies.contains(&ip.to_canonical()) => continue,
                Some(ip) => return Some(ip.to_canonical()),
                None => return None,
            }
        }
        None
    }

    /// Admits the caller to a route that needs `access`, or says why not: 401 without a
    /// valid key, 403 for a key that may not do this or a remote caller of a keyless server.
    pub fn admit(&self, caller: &Caller, access: Access) -> Result<(), ApiError> {
        if !self.keys().enabled() {
            return if caller.is_local() || self.insecure_no_auth || access == Access::Open {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "this server has no API keys configured and answers only callers on its own machine; \
                     this request came through a proxy or from another address"
                        .into(),
                ))
            };
        }
        let needed = match access {
            Access::Open => return Ok(()),
            Access::ReadOrLocal if caller.is_local() => return Ok(()),
            Access::Read | Access::ReadOrLocal => Role::Read,
            Access::Write => Role::Write,
        };
        match caller.presented {
            Presented::Nothing => Err(ApiError::Unauthorized("send an API key as Authorization: Bearer <key>".into())),
            Presented::Unknown => Err(ApiError::Unauthorized("the API key is not valid".into())),
            Presented::Key(role, _) if role < needed => {
                Err(ApiError::Forbidden("this API key may read but not write; use a write key".into()))
            }
            Presented::Key(..) => Ok(()),
        }
    }

    /// Whether the caller may read: a read or write key, or any local caller of a keyless
    /// server.
    pub fn may_read(&self, caller: &Caller) -> bool {
        self.admit(caller, Access::Read).is_ok()
    }
}

impl actix_web::FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(crate::AppState::of(req).map(|state| state.access.caller(req.peer_addr().map(|a| a.ip()), req.headers())))
    }
}

/// The forwarding chain a request carries, client first, from `Forwarded` (RFC 7239) or,
/// failing that, `X-Forwarded-For`; `None` when it carries neither. A hop that is not an IP
/// address (`unknown`, an obfuscated name, garbage) is `None`.
fn forwarded_chain(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values = |name| -> Vec<String> {
        headers.get_all(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect()
    };
    let forwarded = values(header::FORWARDED);
    if !forwarded.is_empty() {
        let hops = forwarded.iter().flat_map(|v| v.split(',')).map(|element| {
            let value = element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
            });
            value.and_then(parse_hop)
        });
        return Some(hops.collect());
    }
    let x_forwarded_for = values(header::HeaderName::from_static("x-forwarded-for"));
    if x_forwarded_for.is_empty() {
        return None;
    }
    Some(x_forwarded_for.iter().flat_map(|v| v.split(',')).map(|hop| parse_hop(hop.trim())).collect())
}

/// One hop's address: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

/// The key of an `Authorization: Bearer <key>` header; the scheme name is
/// case-insensitive (RFC 9110).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    const WRITE: &str = "w-0123456789abcdef";
    const READ: &str = "r-0123456789abcdef";

    fn keys() -> AccessKeys {
        AccessKeys::new(vec![WRITE.into()], vec![READ.into()]).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn write_keys_can_read_and_read_keys_cannot_write() {
        assert_eq!(keys().role_of(WRITE), Some(Role::Write));
        assert_eq!(keys().role_of(READ), Some(Role::Read));
        assert_eq!(keys().role_of("r-0123456789abcdeX"), None);
        assert_eq!(keys().key_of(WRITE), Some((Role::Write, 0)));
        assert_eq!(keys().key_of(READ), Some((Role::Read, 1)));
        assert!(Role::Read < Role::Write);
    }

    #[test]
    fn short_or_non_ascii_keys_are_refused_at_start() {
        assert_eq!(
            AccessKeys::new(vec!["short".into()], vec![]).unwrap_err(),
            WeakKey { role: Role::Write, number: 1 }
        );
        let spaced = AccessKeys::new(vec![], vec![READ.into(), "0123456789 abcdef".into()]).unwrap_err();
        assert_eq!(spaced.to_string(), "read key #2 must be at least 16 visible ASCII characters");
        assert!(!AccessKeys::new(vec![" ".into()], vec![]).unwrap().enabled());
    }

    #[test]
    fn each_access_admits_exactly_the_keys_it_names() {
        let policy = AccessPolicy::new(keys(), vec![], false);
        let remote = Some(ip("192.0.2.7"));
        let caller = |auth: Option<&str>, client| {
            let bearer = auth.map(|k| format!("Bearer {k}"));
            let pairs: Vec<(&'static str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
            policy.caller(client, &headers(&pairs))
        };
        let status = |caller: &Caller, access| policy.admit(caller, access).err().map(|e| e.problem().status);
        let (anonymous, unknown) = (caller(None, remote), caller(Some("x-0123456789abcdef"), remote));
        let (reader, writer) = (caller(Some(READ), remote), caller(Some(WRITE), remote));
        for access in [Access::Read, Access::Write, Access::ReadOrLocal] {
            assert_eq!(status(&anonymous, access), Some(401), "{access:?}");
            assert_eq!(status(&unknown, access), Some(401), "{access:?}");
            assert_eq!(status(&writer, access), None, "{access:?}");
        }
        assert_eq!(status(&reader, Access::Read), None);
        assert_eq!(status(&reader, Access::ReadOrLocal), None);
        assert_eq!(status(&reader, Access::Write), Some(403));
        assert_eq!(status(&anonymous, Access::Open), None);
        assert_eq!(status(&caller(None, Some(ip("127.0.0.1"))), Access::ReadOrLocal), None);
        assert_eq!(status(&caller(None, Some(ip("::1"))), Access::ReadOrLocal), None);
        assert_eq!(status(&caller(None, Some(ip("::ffff:127.0.0.1"))), Access::ReadOrLocal), None);
        assert_eq!(status(&caller(None, Some(ip("127.0.0.1"))), Access::Read), Some(401));
        assert!(policy.may_read(&reader) && !policy.may_read(&anonymous));
    }

    #[test]
    fn without_keys_only_local_callers_are_served_unless_insecure() {
        let policy = AccessPolicy::new(AccessKeys::default(), vec![], false);
        let local = policy.caller(Some(ip("127.0.0.1")), &HeaderMap::new());
        let proxied = policy.caller(Some(ip("127.0.0.1")), &headers(&[("x-forwarded-for", "203.0.113.9")]));
        assert!(policy.admit(&local, Access::Write).is_ok());
        assert_eq!(policy.admit(&proxied, Access::Read).err().map(|e| e.problem().status), Some(403));
        assert!(policy.admit(&proxied, Access::Open).is_ok());
        let insecure = AccessPolicy::new(AccessKeys::default(), vec![], true);
        assert!(insecure.admit(&proxied, Access::Write).is_ok());
    }

    #[test]
    fn a_trusted_proxy_reports_the_client_and_nothing_else_can() {
        let policy = AccessPolicy::new(keys(), vec![ip("127.0.0.1"), ip("10.0.0.2")], false);
        let client = |peer: &str, pairs: &[(&'static str, &str)]| policy.caller(Some(ip(peer)), &headers(pairs)).client;
        // Direct connections are their peer.
        assert_eq!(client("192.0.2.7", &[]), Some(ip("192.0.2.7")));
        // Through the trusted proxy on this machine: the client it reports, never loopback.
        assert_eq!(client("127.0.0.1", &[("x-forwarded-for", "203.0.113.9")]), Some(ip("203.0.113.9")));
        assert_eq!(client("127.0.0.1", &[("forwarded", "for=203.0.113.9;proto=https")]), Some(ip("203.0.113.9")));
        assert_eq!(client("127.0.0.1", &[("forwarded", r#"for="[2001:db8::17]:4711""#)]), Some(ip("2001:db8::17")));
        // The nearest untrusted hop counts: a client cannot pose as local by sending its own header.
        let spoofed = [("x-forwarded-for", "127.0.0.1, 203.0.113.9")];
        assert_eq!(client("127.0.0.1", &spoofed), Some(ip("203.0.113.9")));
        assert_eq!(client("127.0.0.1", &[("x-forwarded-for", "203.0.113.9, 10.0.0.2")]), Some(ip("203.0.113.9")));
        assert_eq!(client("127.0.0.1", &[("x-forwarded-for", "203.0.113.9:5123")]), Some(ip("203.0.113.9")));
        // Forwarded wins over X-Forwarded-For; an unknown or obfuscated hop is no client.
        let both = [("forwarded", "for=198.51.100.4"), ("x-forwarded-for", "127.0.0.1")];
        assert_eq!(client("127.0.0.1", &both), Some(ip("198.51.100.4")));
        assert_eq!(client("127.0.0.1", &[("forwarded", "for=unknown")]), None);
        assert_eq!(client("127.0.0.1", &[("forwarded", "for=_hidden")]), None);
        // A trusted proxy that names no client, or forwarding headers from anyone else: unknown.
        assert_eq!(client("127.0.0.1", &[]), None);
        assert_eq!(client("192.0.2.7", &[("x-forwarded-for", "127.0.0.1")]), None);
        // Without trusted proxies, a loopback peer that forwards is not local either.
        let untrusting = AccessPolicy::new(keys(), vec![], false);
        let via_proxy = untrusting.caller(Some(ip("127.0.0.1")), &headers(&[("x-forwarded-for", "127.0.0.1")]));
        assert!(!via_proxy.is_local());
        assert!(untrusting.caller(Some(ip("127.0.0.1")), &HeaderMap::new()).is_local());
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
    fn keys_are_replaced_for_every_clone_and_never_by_none() {
        let policy = AccessPolicy::new(keys(), vec![], false);
        let worker = policy.clone();
        let next = "w-next-0123456789abcdef";
        policy.replace_keys(AccessKeys::new(vec![WRITE.into(), next.into()], vec![]).unwrap()).unwrap();
        let bearer = format!("Bearer {next}");
        let caller = worker.caller(None, &headers(&[("authorization", &bearer)]));
        assert_eq!(caller.presented, Presented::Key(Role::Write, 1));
        let old_read = worker.caller(None, &headers(&[("authorization", &format!("Bearer {READ}"))]));
        assert_eq!(old_read.presented, Presented::Unknown, "the read key was rotated out");
        assert_eq!(policy.replace_keys(AccessKeys::default()), Err(KeysEmptied));
        assert_eq!(KeysEmptied.to_string(), "the new key set is empty; a server started with keys keeps at least one");
        assert!(worker.keys_enabled());
    }

    #[test]
    fn keys_never_appear_in_debug_output() {
        assert!(!format!("{:?}", keys()).contains("0123456789"));
        assert!(!format!("{:?}", AccessPolicy::new(keys(), vec![], false)).contains("0123456789"));
    }
}

//! Which web pages may use the server, and which host names it answers to.
//!
//! A browser lets any page open a WebSocket to any server and sends the page's `Origin` with the
//! handshake; without a check, every page a user visits could sign up, read and post through a
//! server on their machine. So `/ws` and `/api` accept:
//! - no `Origin` (native clients send none);
//! - an `Origin` whose host and port are the request's `Host` (the page served by `serve --web`,
//!   or through a reverse proxy that passes `Host` on);
//! - a loopback `Origin` (`localhost`, `127.x.x.x`, `[::1]`) while the server listens on
//!   loopback (`trunk serve` on 127.0.0.1:8080, which forwards `/ws` with its own `Origin`);
//! - an origin given with `--allow-origin`.
//!
//! `Origin: null` (sandboxed frames, `file:` pages) is refused. A server that listens on loopback
//! also refuses any request whose `Host` is not a loopback name or the host of an allowed origin:
//! a page on `evil.example` whose DNS name is made to point at 127.0.0.1 (DNS rebinding) is
//! "same origin" to itself, but its requests carry `Host: evil.example`. Refusals are a 403 whose
//! body says why.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::uri::{Authority, Uri};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origin check of one server.
#[derive(Clone, Debug)]
pub struct OriginPolicy {
    loopback_bind: bool,
    allowed: Arc<[WebOrigin]>,
}

/// A web origin, as `--allow-origin` takes it: `scheme://host[:port]`, the port defaulting by
/// scheme (`https://chat.example.com` is port 443).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebOrigin {
    scheme: String,
    host: String,
    port: u16,
}

impl std::str::FromStr for WebOrigin {
    type Err = NotAnOrigin;

    fn from_str(text: &str) -> Result<Self, NotAnOrigin> {
        Self::parse(text).ok_or_else(|| NotAnOrigin(text.to_owned()))
    }
}

/// Text that is not a web origin (as `--allow-origin` takes it); holds the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAnOrigin(pub String);

impl std::fmt::Display for NotAnOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not an origin like https://chat.example.com",
            self.0
        )
    }
}

impl std::error::Error for NotAnOrigin {}

impl WebOrigin {
    /// Parses `scheme://host[:port]` (a trailing `/` is tolerated); `None` if it is not one.
    fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.strip_suffix('/').unwrap_or(text).parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        if uri
            .path_and_query()
            .is_some_and(|path| path.as_str() != "/")
        {
            return None;
        }
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let port = authority.port_u16().or(match scheme.as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            _ => None,
        })?;
        Some(Self {
            scheme,
            host: authority.host().to_ascii_lowercase(),
            port,
        })
    }

    /// Whether this origin is the `Host` of the request (its port defaulting by this scheme).
    fn is_host(&self, host: &Authority) -> bool {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        self.host.eq_ignore_ascii_case(host.host())
            && self.port == host.port_u16().unwrap_or(default_port)
    }
}

/// Whether `host` (a name or an address, IPv6 in brackets) is a loopback one.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl OriginPolicy {
    /// The policy of a server listening on loopback or not, which also allows `allowed`.
    pub fn new(loopback_bind: bool, allowed: &[WebOrigin]) -> Self {
        Self {
            loopback_bind,
            allowed: allowed.into(),
        }
    }

    /// Why a request to `path` with `headers` is refused, if it is.
    fn refusal(&self, path: &str, headers: &HeaderMap) -> Option<String> {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .and_then(|host| host.parse::<Authority>().ok());
        if self.loopback_bind {
            match &host {
                None => return Some("the request has no valid Host header".into()),
                Some(host)
                    if !is_loopback_host(host.host())
                        && !self
                            .allowed
                            .iter()
                            .any(|origin| origin.host.eq_ignore_ascii_case(host.host())) =>
                {
                    return Some(format!(
                        "this server listens on loopback and answers only to loopback names, not {}",
                        host.host()
                    ));
                }
                Some(_) => {}
            }
        }
        if !(path == "/ws" || path.starts_with("/api/")) {
            return None;
        }
        let origin = headers.get(header::ORIGIN)?;
        let text = origin.to_str().unwrap_or("(not text)");
        let allowed = WebOrigin::parse(text).is_some_and(|origin| {
            host.as_ref().is_some_and(|host| origin.is_host(host))
                || (self.loopback_bind && is_loopback_host(&origin.host))
                || self.allowed.contains(&origin)
        });
        (!allowed).then(|| {
            format!(
                "pages from {text} may not use this server (its operator can allow them with --allow-origin)"
            )
        })
    }
}

/// Middleware: answers 403 with the reason to a request [`OriginPolicy`] refuses.
pub async fn check(State(policy): State<OriginPolicy>, request: Request, next: Next) -> Response {
    match policy.refusal(request.uri().path(), request.headers()) {
        Some(reason) => {
            tracing::info!(%reason, "request refused");
            (StatusCode::FORBIDDEN, format!("{reason}\n")).into_response()
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    fn allows(policy: &OriginPolicy, host: &str, origin: Option<&str>) -> bool {
        policy.refusal("/ws", &headers(host, origin)).is_none()
    }

    #[test]
    fn a_lan_server_accepts_its_own_origin_with_default_ports_and_no_other() {
        let policy = OriginPolicy::new(false, &[]);
        assert!(allows(&policy, "chat.lan:9001", None));
        assert!(allows(
            &policy,
            "chat.lan:9001",
            Some("http://chat.lan:9001")
        ));
        assert!(allows(&policy, "Chat.LAN", Some("https://chat.lan")));
        assert!(allows(&policy, "chat.lan:443", Some("https://chat.lan")));
        assert!(allows(
            &policy,
            "[fd00::5]:9001",
            Some("http://[fd00::5]:9001")
        ));
        assert!(!allows(&policy, "chat.lan", Some("https://chat.lan:8443")));
        assert!(!allows(
            &policy,
            "chat.lan:9001",
            Some("http://evil.example:9001")
        ));
        assert!(!allows(&policy, "chat.lan:9001", Some("null")));
        // Not bound to loopback: a loopback page is not trusted.
        assert!(!allows(
            &policy,
            "chat.lan:9001",
            Some("http://127.0.0.1:8080")
        ));
        // Only /ws and /api are checked.
        let evil = headers("chat.lan:9001", Some("http://evil.example"));
        assert!(policy.refusal("/index.html", &evil).is_none());
        assert!(policy.refusal("/api/rooms/lobby/messages", &evil).is_some());
    }

    #[test]
    fn a_loopback_server_answers_loopback_names_and_allowed_hosts_only() {
        let policy = OriginPolicy::new(true, &["https://chat.example.com".parse().unwrap()]);
        assert!(allows(
            &policy,
            "localhost:9001",
            Some("http://localhost:8080")
        ));
        assert!(allows(&policy, "127.0.0.1", Some("http://127.0.0.1:8080")));
        assert!(allows(&policy, "[::1]:9001", Some("http://[::1]:8080")));
        assert!(allows(
            &policy,
            "127.0.0.1:9001",
            Some("https://chat.example.com/")
        ));
        assert!(allows(
            &policy,
            "chat.example.com",
            Some("https://chat.example.com")
        ));
        assert!(!allows(
            &policy,
            "evil.example:9001",
            Some("http://evil.example:9001")
        ));
        assert!(!allows(&policy, "evil.example:9001", None));
        assert!(policy.refusal("/", &HeaderMap::new()).is_some());
    }

    #[test]
    fn allowed_origins_must_be_origins() {
        assert!("https://a.example:8443".parse::<WebOrigin>().is_ok());
        for bad in [
            "chat.example.com",
            "https://a.example/path",
            "null",
            "",
            "https://u@a.example",
        ] {
            assert!(bad.parse::<WebOrigin>().is_err(), "{bad}");
        }
    }
}

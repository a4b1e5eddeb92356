//! The console's security model.
//!
//! - Read-only unless actions are on ([`Security::actions`]); a POST with actions off is
//!   refused (403) before anything is done.
//! - With a token, every request needs it: `Authorization: Bearer TOKEN`, or basic auth with the
//!   token as the password (any user name); otherwise 401. Actions on an address other than
//!   loopback without a token are refused at start-up ([`ConsoleError::TokenRequired`]).
//! - Every form carries the per-process random CSRF token ([`Security::csrf_token`]); a POST
//!   without it, or with another, is refused (403) and changes nothing.
//! - On loopback without a token, only requests for an IP address or `localhost` are answered
//!   (the `Host` header): a site whose name is rebound to 127.0.0.1 cannot read the console.
//! - Every answer forbids framing, sniffing, caching and referrers, and allows only this
//!   console's own stylesheet (`Content-Security-Policy: default-src 'self'`).

use crate::error::{ConsoleError, PageError};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use eventbus_runtime::settings::Secret;
use std::net::SocketAddr;
use std::sync::Arc;

/// The name of the CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";

/// What the console allows and how it checks requests.
#[derive(Debug, Clone)]
pub struct Security {
    loopback: bool,
    actions: bool,
    token: Option<Secret>,
    csrf: String,
}

impl Security {
    /// The security of a console listening on `addr`: actions on a non-loopback address need a
    /// token; an empty token is refused.
    pub fn new(
        addr: SocketAddr,
        actions: bool,
        token: Option<Secret>,
    ) -> Result<Self, ConsoleError> {
        if token.as_ref().is_some_and(|t| t.expose().is_empty()) {
            return Err(ConsoleError::EmptyToken);
        }
        if actions && token.is_none() && !addr.ip().is_loopback() {
            return Err(ConsoleError::TokenRequired { addr });
        }
        let csrf = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Ok(Security {
            loopback: addr.ip().is_loopback(),
            actions,
            token,
            csrf,
        })
    }

    /// Whether actions (POST forms) are allowed.
    pub fn actions(&self) -> bool {
        self.actions
    }

    /// The CSRF token every form carries (random, per process).
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Whether the request carries the token (always, when there is none).
    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let given = if let Some(bearer) = value.strip_prefix("Bearer ") {
            bearer.trim().as_bytes().to_vec()
        } else if let Some(basic) = value.strip_prefix("Basic ") {
            let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) else {
                return false;
            };
            match decoded.iter().position(|&b| b == b':') {
                Some(colon) => decoded[colon + 1..].to_vec(),
                None => return false,
            }
        } else {
            return false;
        };
        constant_time_eq(&given, token.expose().as_bytes())
    }

    /// Whether the request's `Host` is acceptable: on loopback without a token, only an IP
    /// address or `localhost` (a page of another site whose name was rebound to 127.0.0.1 cannot
    /// read the console); otherwise any.
    pub fn host_allowed(&self, headers: &HeaderMap) -> bool {
        if !self.loopback || self.token.is_some() {
            return true;
        }
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return true;
        };
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok()
    }

    /// Check the action of a submitted form: [`Security::check_action`] with its CSRF field.
    pub fn check_form(&self, fields: &[(String, String)]) -> Result<(), PageError> {
        let csrf = fields
            .iter()
            .find(|(name, _)| name == CSRF_FIELD)
            .map(|(_, value)| value.as_str());
        self.check_action(csrf)
    }

    /// Check an action: actions on and the form's CSRF token right (the bearer token was checked
    /// for every request by the middleware).
    pub fn check_action(&self, csrf: Option<&str>) -> Result<(), PageError> {
        if !self.actions {
            return Err(PageError::Forbidden(
                "actions are off: this console is read-only (start it with --actions)".into(),
            ));
        }
        match csrf {
            Some(csrf) if constant_time_eq(csrf.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(PageError::Forbidden(
                "the form's CSRF token is missing or wrong: reload the page and submit it again"
                    .into(),
            )),
        }
    }
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware of every request: the token (401 with a basic-auth challenge), POST refused
/// with actions off (403), the protective headers on every answer.
pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let security = &state.security;
    let mut response = if !security.host_allowed(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "console request for another host name refused");
        PageError::Forbidden(
            "this console answers only to its address or localhost (the Host header names \
             another host)"
                .into(),
        )
        .into_response()
    } else if !security.authorized(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "console request without the token refused");
        let mut response = PageError::Unauthorized.into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"eventbus console\""),
        );
        response
    } else if request.method() != Method::GET
        && request.method() != Method::HEAD
        && !security.actions
    {
        tracing::warn!(path = %request.uri().path(), "console action refused: actions are off");
        PageError::Forbidden(
            "actions are off: this console is read-only (start it with --actions)".into(),
        )
        .into_response()
    } else {
        next.run(request).await.into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn actions_on_a_public_address_need_a_token() {
        assert!(matches!(
            Security::new(addr("0.0.0.0:8088"), true, None),
            Err(ConsoleError::TokenRequired { .. })
        ));
        assert!(Security::new(addr("0.0.0.0:8088"), false, None).is_ok());
        assert!(Security::new(addr("127.0.0.1:8088"), true, None).is_ok());
        assert!(Security::new(addr("[::1]:8088"), true, None).is_ok());
        assert!(Security::new(addr("0.0.0.0:8088"), true, Some(Secret::new("t"))).is_ok());
        assert!(matches!(
            Security::new(addr("127.0.0.1:8088"), false, Some(Secret::new(""))),
            Err(ConsoleError::EmptyToken)
        ));
    }

    #[test]
    fn tokens_bearer_and_basic() {
        let security =
            Security::new(addr("0.0.0.0:1"), true, Some(Secret::new("s3cret"))).expect("ok");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(value).expect("ascii"),
            );
            security.authorized(&headers)
        };
        assert!(with("Bearer s3cret"));
        assert!(!with("Bearer s3cre"));
        assert!(!with("Bearer s3cret2"));
        let basic = |user_pass: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(user_pass)
            )
        };
        assert!(with(&basic("ops:s3cret")));
        assert!(!with(&basic("ops:wrong")));
        assert!(!with(&basic("s3cret")));
        assert!(!security.authorized(&HeaderMap::new()));
    }

    #[test]
    fn host_names_on_loopback() {
        let security = Security::new(addr("127.0.0.1:1"), true, None).expect("ok");
        let with = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_str(host).expect("ascii"));
            security.host_allowed(&headers)
        };
        for host in [
            "127.0.0.1:8088",
            "localhost:8088",
            "LOCALHOST",
            "[::1]:8088",
            "127.0.0.1",
        ] {
            assert!(with(host), "{host}");
        }
        for host in [
            "evil.example:8088",
            "evil.example",
            "127.0.0.1.evil.example:80",
        ] {
            assert!(!with(host), "{host}");
        }
        let tokened = Security::new(addr("127.0.0.1:1"), true, Some(Secret::new("t"))).expect("ok");
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("console.example"));
        assert!(tokened.host_allowed(&headers));
    }

    #[test]
    fn csrf() {
        let security = Security::new(addr("127.0.0.1:1"), true, None).expect("ok");
        let other = Security::new(addr("127.0.0.1:1"), true, None).expect("ok");
        assert_ne!(security.csrf_token(), other.csrf_token());
        assert!(security.check_action(Some(security.csrf_token())).is_ok());
        assert!(security.check_action(None).is_err());
        assert!(security.check_action(Some(other.csrf_token())).is_err());
        let read_only = Security::new(addr("127.0.0.1:1"), false, None).expect("ok");
        assert!(read_only
            .check_action(Some(read_only.csrf_token()))
            .is_err());
    }
}

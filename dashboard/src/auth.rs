//! Who may ask: with a token, every request must carry it (`Authorization: Bearer`, or the
//! cookie `/login` sets for browsers); without one (loopback only), the `Host` must name a
//! loopback host, so a web page elsewhere cannot reach the dashboard by DNS rebinding.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::state::AppState;

/// The cookie holding the token in a browser.
const COOKIE: &str = "mobevolve_token";

pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.token_required() {
        if request.uri().path() == "/login"
            || presented_token(request.headers()).is_some_and(|t| state.token_matches(t))
        {
            return next.run(request).await;
        }
        let mut response = (
            StatusCode::UNAUTHORIZED,
            "this dashboard needs its token: send `Authorization: Bearer <token>`, or open /login?token=<token> once in a browser\n",
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"mobevolve\""),
        );
        return response;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !is_loopback_host(host) {
        return (
            StatusCode::FORBIDDEN,
            "this dashboard answers only requests to a loopback host (localhost, 127.0.0.1, [::1]); serve it with a token to reach it otherwise\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// The token of `Authorization: Bearer <token>` or of the cookie.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then_some(value)
        })
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or("", |(n, _)| n)
    } else {
        host.rsplit_once(':').map_or(host, |(n, _)| n)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Deserialize)]
pub(crate) struct Login {
    token: Option<String>,
}

/// `/login?token=…`: check the token, keep it in a cookie, go to the runs.
pub(crate) async fn login(State(state): State<AppState>, Query(q): Query<Login>) -> Response {
    if !state.token_required() {
        return Redirect::to("/").into_response();
    }
    match q.token {
        Some(t) if state.token_matches(&t) => {
            let mut response = Redirect::to("/").into_response();
            if let Ok(cookie) =
                HeaderValue::from_str(&format!("{COOKIE}={t}; HttpOnly; SameSite=Strict; Path=/"))
            {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        _ => (StatusCode::UNAUTHORIZED, "wrong or missing token\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_and_presented_tokens() {
        for ok in [
            "localhost:8484",
            "127.0.0.1:1",
            "127.0.0.1",
            "[::1]:80",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8484",
            "10.0.0.1:80",
            "",
            "[::2]:80",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(presented_token(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; mobevolve_token=xyz"),
        );
        assert_eq!(presented_token(&h), Some("xyz"));
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(presented_token(&h), None);
    }
}

//! The session cookie: `carneau_session`, HttpOnly (scripts cannot read it), SameSite=Lax
//! (not sent on cross-site POSTs), Path=/, Secure when `CARNEAU_COOKIE_SECURE=true`.

use std::time::Duration;

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use carneau_commands::accounts::SessionToken;

/// The cookie's name.
pub const SESSION_COOKIE: &str = "carneau_session";

/// The `Set-Cookie` value that stores `token` for `max_age`.
pub fn session_cookie(token: &SessionToken, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        token.expose(),
        max_age.as_secs()
    );
    // A token is base64url: always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| clear_session_cookie(false))
}

/// The `Set-Cookie` value that removes the cookie (logout).
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "carneau_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("carneau_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    }
}

/// The session token of the request's `carneau_session` cookie, if one is well-formed.
pub(super) fn session_token(headers: &HeaderMap) -> Option<SessionToken> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .find_map(|(_, value)| SessionToken::parse(value.trim_matches('"')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let token = SessionToken::generate();
        let mut headers = HeaderMap::new();
        let cookie = format!("theme=dark; {SESSION_COOKIE}={}; other=1", token.expose());
        headers.insert(COOKIE, cookie.parse().unwrap());
        assert_eq!(session_token(&headers), Some(token));
        headers.insert(COOKIE, "carneau_session=garbage".parse().unwrap());
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_when_asked() {
        let token = SessionToken::generate();
        let plain = session_cookie(&token, Duration::from_secs(60), false);
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(plain.contains("Path=/") && plain.contains("Max-Age=60"));
        assert!(!plain.contains("Secure"));
        let secure = session_cookie(&token, Duration::from_secs(60), true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
    }
}

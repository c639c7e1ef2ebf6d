//! One id per request, chosen at the edge, so a buyer's complaint, a log line and a problem
//! body can be matched up.
//!
//! The middleware accepts the caller's `x-request-id` when it is a sane token (a proxy or a
//! client retrying may have chosen one), or else mints a UUID v7. The id is put in the
//! request's extensions (for the tracing span), in a task-local (so an [`ApiError`] built
//! anywhere in the handler carries it) and in the response header.
//!
//! [`ApiError`]: crate::problem::ApiError

use std::fmt;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

/// The header the id travels in, both ways.
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id accepted; longer ones are replaced, not truncated.
pub const REQUEST_ID_MAX_CHARS: usize = 64;

tokio::task_local! {
    static CURRENT_REQUEST_ID: RequestId;
}

/// The id of one HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh, time-ordered id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// Accepts a caller's id of 1 to [`REQUEST_ID_MAX_CHARS`] characters of
    /// `[A-Za-z0-9-_.]`; anything else could smuggle text into logs or headers.
    pub fn parse(candidate: &str) -> Option<Self> {
        let sane = !candidate.is_empty()
            && candidate.len() <= REQUEST_ID_MAX_CHARS
            && candidate
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
        sane.then(|| Self(candidate.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(&REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(Self::parse)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of the request being handled by this task, if any.
pub fn current() -> Option<RequestId> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// Picks `request`'s id (the caller's, or a fresh one), puts it in its extensions for the
/// tracing span, runs `handle` with it visible to the whole request, and puts it in the
/// response header. Part of the outermost middleware (`layers::edge`).
pub async fn with_request_id<F>(mut request: Request, handle: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let id = RequestId::from_headers(request.headers()).unwrap_or_else(RequestId::generate);
    request.extensions_mut().insert(id.clone());
    // The id only ever holds header-safe characters, so this conversion cannot fail.
    let value = HeaderValue::from_str(id.as_str()).ok();
    let mut response = CURRENT_REQUEST_ID.scope(id, handle(request)).await;
    if let Some(value) = value {
        response
            .headers_mut()
            .insert(REQUEST_ID_HEADER.clone(), value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sane_tokens_only() {
        assert!(RequestId::parse("abc-DEF_123.4").is_some());
        assert!(RequestId::parse(&"a".repeat(REQUEST_ID_MAX_CHARS)).is_some());
        assert!(RequestId::parse(&"a".repeat(REQUEST_ID_MAX_CHARS + 1)).is_none());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("has space").is_none());
        assert!(RequestId::parse("line\nbreak").is_none());
        assert!(RequestId::parse("quote\"").is_none());
    }

    #[test]
    fn generated_ids_are_accepted_back() {
        let id = RequestId::generate();
        assert_eq!(RequestId::parse(id.as_str()), Some(id));
    }
}

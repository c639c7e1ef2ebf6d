//! Optional request headers of the command routes, parsed into what they mean.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use carneau_commands::IdempotencyKey;

use crate::problem::{ApiError, FieldError};

/// `Idempotency-Key`: a retried request with the same key returns what the first one
/// created instead of creating it again.
#[derive(Debug, Clone)]
pub struct IdempotencyKeyHeader(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        raw.to_str()
            .ok()
            .and_then(IdempotencyKey::parse)
            .map(|key| Self(Some(key)))
            .ok_or_else(|| {
                invalid_header(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })
    }
}

/// `If-Match: "<version>"`: the command applies only if the event is still at the
/// version the client last saw (its `ETag`); otherwise 409. `If-Match: *` (any version,
/// RFC 9110) sets no condition.
#[derive(Debug, Clone, Copy)]
pub struct IfMatchVersion(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatchVersion {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("if-match") else {
            return Ok(Self(None));
        };
        if raw.as_bytes().trim_ascii() == b"*" {
            return Ok(Self(None));
        }
        raw.to_str()
            .ok()
            .map(|value| value.trim().trim_matches('"'))
            .and_then(|version| version.parse().ok())
            .map(|version| Self(Some(version)))
            .ok_or_else(|| {
                invalid_header("If-Match", "must be an ETag this API returned, e.g. \"3\"")
            })
    }
}

/// The `ETag` of an aggregate at `version`.
pub fn version_etag(version: u64) -> String {
    format!("\"{version}\"")
}

fn invalid_header(name: &str, message: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid-header",
        "Invalid header",
        format!("The {name} header {message}."),
    )
    .with_field_errors(vec![FieldError::new(name, message)])
}

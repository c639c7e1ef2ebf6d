//! The one error type of the HTTP API: every failure leaves as an RFC 9457 problem
//! (`application/problem+json`) with a stable `type` URN per reason, a human `detail`,
//! field errors when the input was at fault, and the request id.
//!
//! Internals are logged with the request id and never shown: a 500 always says the same
//! generic sentence. Domain errors map to their own slugs in one place, [`mapping`], so a
//! slug is a contract clients can switch on.

mod body;
mod field_errors;
pub mod mapping;
pub mod responses;

pub use body::{FieldError, Problem, RetryAdvice};
pub use field_errors::FieldErrors;

use std::borrow::Cow;

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::request_id;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem `type`; the slug follows.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:carneau:problem:";

/// What a 500 says instead of the real cause, which only the logs see.
const INTERNAL_DETAIL: &str =
    "An unexpected error occurred. Quote the request id when reporting it.";

/// An HTTP error on its way to becoming a [`Problem`] response. Boxed, so that
/// `Result<T, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<Parts>);

#[derive(Debug)]
struct Parts {
    status: StatusCode,
    slug: Cow<'static, str>,
    title: Cow<'static, str>,
    detail: String,
    errors: Vec<FieldError>,
    headers: HeaderMap,
    /// A 503's advice on retrying; unknown means it may have taken effect.
    retry: Option<RetryAdvice>,
    /// The cause of a server-side failure, logged and never shown.
    source: Option<anyhow::Error>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status, self.0.slug, self.0.detail)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_ref().map(|cause| cause.as_ref() as _)
    }
}

impl ApiError {
    /// The general constructor: `slug` becomes `urn:carneau:problem:<slug>`.
    pub fn new(
        status: StatusCode,
        slug: impl Into<Cow<'static, str>>,
        title: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Parts {
            status,
            slug: slug.into(),
            title: title.into(),
            detail: detail.into(),
            errors: Vec::new(),
            headers: HeaderMap::new(),
            retry: None,
            source: None,
        }))
    }

    /// 422 `validation`: the input is well-formed but these fields break a rule.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Validation failed",
            FieldError::sentences(&errors),
        )
        .with_field_errors(errors)
    }

    /// 404 `not-found`: `what` (e.g. "event 0192…") does not exist.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("{what} was not found."),
        )
    }

    /// 409 with its own slug: the request clashes with the current state.
    pub fn conflict(slug: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, slug, "Conflict", detail)
    }

    /// 401 `unauthorized` with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
        .with_header(
            axum::http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer"),
        )
    }

    /// 403 `forbidden`: authenticated, but not allowed to do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 400 with its own slug: the request cannot be understood.
    pub fn bad_request(slug: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
    }

    /// 500 `internal`: logged with its cause, shown as a generic sentence. A cause whose
    /// chain holds an unreachable database is not a fault of ours but an outage: it is the
    /// 503 of [`ApiError::store`] instead, wherever in the code it was wrapped.
    pub fn internal(error: anyhow::Error) -> Self {
        if database_unavailable_in(&error) {
            return Self::store_unavailable(error);
        }
        let mut problem = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
            INTERNAL_DETAIL,
        );
        problem.0.source = Some(error);
        problem
    }

    /// The event store failed: 503 `store-unavailable` with `Retry-After` when it could
    /// not be reached (nothing was written; retrying is safe), else 500 `internal`.
    pub fn store(error: carneau_commands::StoreError) -> Self {
        Self::internal(error.into())
    }

    /// 503 `store-unavailable` with `Retry-After`: the database could not be reached.
    pub(crate) fn store_unavailable(error: anyhow::Error) -> Self {
        tracing::warn!(error = format!("{error:#}"), "the database is unavailable");
        if pool_timed_out_in(&error) {
            crate::metrics::pool_timed_out();
        }
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
            "Try again",
            "The service cannot reach its database right now. Try again in a moment.",
        )
        .with_header(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from_static("1"),
        )
    }

    /// The problem a bare error status (from axum or a tower layer) stands for.
    pub fn from_status(status: StatusCode) -> Self {
        let (slug, title, detail): (&str, &str, Cow<'static, str>) = match status {
            StatusCode::NOT_FOUND => ("not-found", "Not found", "No such resource.".into()),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method-not-allowed",
                "Method not allowed",
                "This resource does not support this method; see the Allow header.".into(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload-too-large",
                "Payload too large",
                "The request body is larger than this API accepts.".into(),
            ),
            StatusCode::INTERNAL_SERVER_ERROR => {
                return Self::internal(anyhow::anyhow!("a layer answered 500 without a cause"))
            }
            other => (
                "http-error",
                other.canonical_reason().unwrap_or("HTTP error"),
                format!("The request failed with HTTP status {}.", other.as_u16()).into(),
            ),
        };
        Self::new(status, slug, title, detail)
    }

    /// Adds field errors (shown in `errors`).
    pub fn with_field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors.extend(errors);
        self
    }

    /// Adds a response header (e.g. `Retry-After`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.insert(name, value);
        self
    }

    /// Marks a 503 as changing nothing: the client may send the request again as it was.
    /// Without it a 503 says to retry only with the same `Idempotency-Key`.
    pub fn nothing_changed(mut self) -> Self {
        self.0.retry = Some(RetryAdvice::Safe);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The slug of the problem `type`.
    pub fn slug(&self) -> &str {
        &self.0.slug
    }

    /// What went wrong, for a person.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The fields at fault, if any.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.errors
    }
}

impl Parts {
    fn log(&self, request_id: Option<&str>) {
        let request_id = request_id.unwrap_or("-");
        if self.status.is_server_error() {
            match &self.source {
                Some(cause) => tracing::error!(
                    request_id,
                    status = self.status.as_u16(),
                    slug = %self.slug,
                    error = format!("{cause:#}"),
                    "request failed"
                ),
                None => tracing::warn!(
                    request_id,
                    status = self.status.as_u16(),
                    slug = %self.slug,
                    detail = %self.detail,
                    "request refused"
                ),
            }
        } else {
            tracing::debug!(request_id, status = self.status.as_u16(), slug = %self.slug, "request refused");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = *self.0;
        let request_id = request_id::current().map(|id| id.as_str().to_owned());
        parts.log(request_id.as_deref());
        let detail = if parts.status == StatusCode::INTERNAL_SERVER_ERROR {
            INTERNAL_DETAIL.to_owned()
        } else {
            parts.detail
        };
        // Every 503 says when and how to come back: a client must never have to guess
        // whether a retry could do the work twice.
        let unavailable = parts.status == StatusCode::SERVICE_UNAVAILABLE;
        let retry = unavailable.then(|| parts.retry.unwrap_or(RetryAdvice::SameIdempotencyKey));
        let mut headers = parts.headers;
        if unavailable && !headers.contains_key(RETRY_AFTER) {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        let problem = Problem {
            problem_type: format!("{PROBLEM_TYPE_PREFIX}{}", parts.slug),
            title: parts.title.into_owned(),
            status: parts.status.as_u16(),
            detail,
            request_id,
            errors: parts.errors,
            retry,
        };
        let body = match serde_json::to_vec(&problem) {
            Ok(body) => body,
            // Serialising strings and numbers cannot fail; still, never panic here.
            Err(_) => b"{\"type\":\"urn:carneau:problem:internal\"}".to_vec(),
        };
        let mut response = (parts.status, body).into_response();
        response.headers_mut().extend(headers);
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        response
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(error)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(anyhow::Error::new(error).context("database query failed"))
    }
}

/// Whether a response already carries a problem body.
pub fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(PROBLEM_CONTENT_TYPE))
}

/// Whether an unreachable database is somewhere in `error`'s chain of causes.
/// Whether `error` is a wait for a pool connection that ran out: the pool is too small for
/// the load, or PostgreSQL too slow to give connections back.
fn pool_timed_out_in(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::PoolTimedOut)
        ) || matches!(
            cause.downcast_ref::<carneau_commands::StoreError>(),
            Some(carneau_commands::StoreError::Database(
                sqlx::Error::PoolTimedOut
            ))
        )
    })
}

fn database_unavailable_in(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(carneau_commands::event_store::is_database_unavailable)
            || cause
                .downcast_ref::<carneau_commands::StoreError>()
                .is_some_and(carneau_commands::StoreError::is_unavailable)
    })
}

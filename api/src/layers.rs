//! The middleware every route sits behind, outermost first:
//!
//! 1. the edge: the request id (chosen, put in the response header and in a task-local);
//!    one tracing span per request carrying it, so every log line has it; bare error
//!    statuses (405 from routing, 413 from the body limit…) turned into problems; a log
//!    line, a count and a duration per request, by matched route and final status;
//! 2. the limits: a body size limit, answered with a 413 problem
//!    ([`REQUEST_BODY_LIMIT_BYTES`], or the image limit on the one route that takes image
//!    uploads); a request timeout, answered with a 503 problem; a panic, answered with a
//!    500 problem instead of a dropped connection.
//!
//! Two layers, not one per concern: `Router::layer` wraps every route in each layer
//! separately, and each layer cost every request a clone of the inner service and a
//! boxed future. The seven layers this replaces were about a quarter of the server's CPU
//! per request in a sold-out rush (measured by removing them: docs/benchmarks.md).

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use carneau_commands::event_images::ImageRejection;
use futures::FutureExt;
use tracing::Instrument;

use crate::metrics;
use crate::problem::{self, ApiError};
use crate::request_id::{self, RequestId};

/// The longest a request may take before it is answered with a 503 problem.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body accepted (64 KiB): organiser and buyer payloads are small.
pub const REQUEST_BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The route that takes image uploads: its body may be as large as an image allowed
/// plus the multipart framing and the alt text.
pub const IMAGE_UPLOAD_ROUTE: &str = "/organiser/events/{event_id}/images";
/// What a multipart upload adds to the image itself (boundaries, headers, alt text).
const MULTIPART_OVERHEAD_BYTES: usize = 64 * 1024;

/// The limits the middleware enforces; tests shrink them.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// See [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`REQUEST_BODY_LIMIT_BYTES`].
    pub body_limit_bytes: usize,
    /// The largest image upload (`CARNEAU_IMAGE_MAX_BYTES`), for [`IMAGE_UPLOAD_ROUTE`].
    pub image_limit_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            request_timeout: REQUEST_TIMEOUT,
            body_limit_bytes: REQUEST_BODY_LIMIT_BYTES,
            image_limit_bytes: usize::try_from(
                carneau_commands::event_images::DEFAULT_MAX_IMAGE_BYTES,
            )
            .unwrap_or(usize::MAX),
        }
    }
}

/// Whether `request` matched the image upload route.
fn is_image_upload(request: &Request) -> bool {
    request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|path| path.as_str() == IMAGE_UPLOAD_ROUTE)
}

/// The body limit of the route `request` matched.
fn body_limit_of(request: &Request, limits: HttpLimits) -> usize {
    if is_image_upload(request) {
        // One byte over the image limit must still reach the handler, which names the
        // file's size in its 422; far beyond it the body is cut off with a 413.
        limits
            .image_limit_bytes
            .saturating_mul(2)
            .saturating_add(MULTIPART_OVERHEAD_BYTES)
    } else {
        limits.body_limit_bytes
    }
}

/// Refuses a declared length over the route's limit at once, and cuts off a body that
/// grows past it (extractors are told no limit of their own: `DefaultBodyLimit`); then
/// answers a 503 problem if the request takes longer than the timeout, and a 500 problem
/// if the handler panics (instead of a dropped connection).
async fn enforce_limits(limits: HttpLimits, mut request: Request, next: Next) -> Response {
    let limit = body_limit_of(&request, limits);
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        if is_image_upload(&request) {
            // A file far too large is the file's fault like one a little too large.
            let rejection = ImageRejection::TooLarge {
                size_bytes: None,
                max_bytes: u64::try_from(limits.image_limit_bytes).unwrap_or(u64::MAX),
            };
            return crate::routes::event_images::rejection_problem(&rejection).into_response();
        }
        return ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE).into_response();
    }
    request = request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    let handled = AssertUnwindSafe(next.run(request)).catch_unwind();
    match tokio::time::timeout(limits.request_timeout, handled).await {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => panic_to_problem(panic),
        Err(_) => timeout_problem(limits.request_timeout),
    }
}

/// The outermost middleware: the request id around everything; a span per request
/// carrying it, so every log line has it; a bare error status turned into a problem; the
/// request logged, counted and timed by its final status.
async fn edge(request: Request, next: Next) -> Response {
    request_id::with_request_id(request, |request| {
        let span = request_span(&request);
        async move {
            let timing = metrics::http::RequestTiming::start(&request);
            tracing::debug!("started processing request");
            let response = problem_for_bare_status(next.run(request).await);
            let status = response.status().as_u16();
            let latency_ms =
                u64::try_from(timing.finish(&response).as_millis()).unwrap_or(u64::MAX);
            if response.status().is_server_error() {
                tracing::error!(status, latency_ms, "response failed");
            }
            tracing::info!(status, latency_ms, "finished processing request");
            response
        }
        .instrument(span)
    })
    .await
}

/// Puts `router` (routes and fallback already added) behind the full middleware stack.
pub fn with_http_layers(router: Router, limits: HttpLimits) -> Router {
    // Series are registered on first use and kept (`metrics::http`): the recorder must
    // be in place before the first request, whoever builds the router.
    let _ = metrics::Metrics::install();
    // `Router::layer` wraps each route: the last layer added is the outermost.
    router
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            enforce_limits(limits, request, next)
        }))
        .layer(middleware::from_fn(edge))
}

fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(RequestId::as_str)
        .unwrap_or("-");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("-");
    tracing::info_span!(
        "http_request",
        request_id,
        method = %request.method(),
        path = request.uri().path(),
        route,
    )
}

fn timeout_problem(timeout: Duration) -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "request-timeout",
        "Request timed out",
        format!(
            "The request did not complete within {} ms and may have taken effect; \
             try again in a moment.",
            timeout.as_millis()
        ),
    )
    .into_response()
}

fn panic_to_problem(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    ApiError::internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

/// Rewrites an error response without a problem body (axum's 405, a 413 from the body
/// limit, …) as a problem, keeping its headers (`Allow`, `WWW-Authenticate`, …).
fn problem_for_bare_status(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || problem::is_problem(response.headers())
    {
        return response;
    }
    let (parts, _body) = response.into_parts();
    let mut converted = ApiError::from_status(status).into_response();
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            converted.headers_mut().insert(name.clone(), value.clone());
        }
    }
    converted
}

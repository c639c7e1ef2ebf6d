//! The middleware every route sits behind, outermost first:
//!
//! 1. request id: chosen, put in the response header and in a task-local;
//! 2. metrics: a count and a duration per request, by matched route and final status;
//! 3. tracing: one span per request carrying the request id, so every log line has it;
//! 4. bare error statuses (405 from routing, 413 from the body limit…) become problems;
//! 5. panics become a 500 problem instead of a dropped connection;
//! 6. a request timeout, answered with a 503 problem;
//! 7. a body size limit, answered with a 413 problem: [`REQUEST_BODY_LIMIT_BYTES`], or
//!    the image limit on the one route that takes image uploads.

use std::any::Any;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use carneau_commands::event_images::ImageRejection;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

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
/// grows past it; extractors (`DefaultBodyLimit`) are told the same limit.
async fn limit_body(limits: HttpLimits, mut request: Request, next: Next) -> Response {
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
    next.run(request).await
}

/// Puts `router` (routes and fallback already added) behind the full middleware stack.
pub fn with_http_layers(router: Router, limits: HttpLimits) -> Router {
    let timeout = limits.request_timeout;
    // `Router::layer` wraps each route: the last layer added is the outermost.
    router
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            limit_body(limits, request, next)
        }))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            enforce_timeout(timeout, request, next)
        }))
        .layer(CatchPanicLayer::custom(panic_to_problem))
        .layer(middleware::map_response(problem_for_bare_status))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn(metrics::http::record_request))
        .layer(middleware::from_fn(request_id::assign_request_id))
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

async fn enforce_timeout(timeout: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request-timeout",
            "Request timed out",
            format!(
                "The request did not complete within {} ms and may have taken effect; \
                 try again in a moment.",
                timeout.as_millis()
            ),
        )
        .into_response(),
    }
}

fn panic_to_problem(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    ApiError::internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

/// Rewrites an error response without a problem body (axum's 405, tower-http's 413, …) as
/// a problem, keeping its headers (`Allow`, `WWW-Authenticate`, …).
async fn problem_for_bare_status(response: Response) -> Response {
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

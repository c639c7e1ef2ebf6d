//! `GET /metrics`: the Prometheus text exposition of the process's metrics, for admins.
//! A scraper inside a private network can read the same text without a session on
//! `CARNEAU_METRICS_ADDR` ([`scrape_router`]), a listener of its own that must never be
//! exposed publicly.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminSession;
use crate::metrics::scrape;
use crate::problem::responses::{RoleProblems, ServerProblems};
use crate::state::AppState;

/// The OpenAPI tag of this route.
const TAG: &str = "operations";

/// The content type of the Prometheus text exposition format.
pub const EXPOSITION_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// The process's metrics, in the Prometheus text format (admins).
///
/// HTTP requests and durations per route template, holds, refusals, payments, refunds,
/// door scans, projector lag, the mail backlog, the cache and the database pool (see the
/// README, "Operating it"). Each node answers for itself: scrape every node.
#[utoipa::path(get, path = "/metrics", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "The metrics, in the Prometheus text exposition format.",
            body = String, content_type = "text/plain"),
        RoleProblems, ServerProblems,
    ))]
async fn metrics(State(state): State<AppState>, _admin: AdminSession) -> Response {
    exposition(&state).await
}

/// The unauthenticated scrape endpoint served on `CARNEAU_METRICS_ADDR`: `GET /metrics`
/// only, outside the documented API.
pub fn scrape_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(unauthenticated_metrics))
        .with_state(state)
}

async fn unauthenticated_metrics(State(state): State<AppState>) -> Response {
    exposition(&state).await
}

/// Refreshes the scrape-time gauges and renders everything.
async fn exposition(state: &AppState) -> Response {
    scrape::refresh(state).await;
    let body = state.metrics.render();
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static(EXPOSITION_CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

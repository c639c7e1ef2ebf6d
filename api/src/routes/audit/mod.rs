//! The auditors' routes: the event log in its one order, and one order's or one event's
//! whole story in sentences. Read only; who may read what is `policy::log_scope`.

mod accounts;
pub mod cursor;
pub mod entry;
mod history;
mod log;
mod reader;
mod sentence;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "audit";

/// The media type of the log as one JSON object per line.
pub const NDJSON: &str = "application/x-ndjson";

/// The audit routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log::read_log))
        .routes(routes!(history::order_history))
        .routes(routes!(history::event_history))
}

//! Public queries of the catalogue (events, ticket tiers, availability), for buyers.
//!
//! Still empty: the catalogue routes are added here.

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "events";

/// The public catalogue routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

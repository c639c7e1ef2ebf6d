//! Organiser commands (create and publish events, manage tiers), behind the admin token.
//!
//! Every handler here takes an [`Organiser`] argument and declares
//! `security(("admin_token" = []))` and [`OrganiserProblems`]. For now the only route lets
//! an organiser console check its token before doing anything.

use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Organiser;
use crate::problem::responses::{OrganiserProblems, ServerProblems};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "organiser";

/// The organiser routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check_token))
}

/// Checks the organiser token: 204 when it is valid.
#[utoipa::path(get, path = "/organiser/token", tag = TAG,
    security(("admin_token" = [])),
    responses(
        (status = 204, description = "The token is valid."),
        OrganiserProblems,
        ServerProblems,
    ))]
async fn check_token(_organiser: Organiser) -> StatusCode {
    StatusCode::NO_CONTENT
}

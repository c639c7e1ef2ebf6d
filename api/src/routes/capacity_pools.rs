//! Organiser routes for capacities shared by several ticket types ("capacity pools"): a
//! venue of 1,000 that Standard, VIP and Student tickets all draw from, each type keeping
//! its own capacity too. Same rules as the other organiser routes: an organiser's session,
//! the event's organiser or an admin (403 `not-event-organiser`), the event after the
//! change with its version as `ETag`, `If-Match` to apply only at that version.

use axum::http::StatusCode;
use axum::response::Response;
use carneau_domain::ids::{CapacityPoolId, EventId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, OrganiserSession};
use crate::extract::{ApiJson, ApiPath, IdempotencyKeyHeader, IfMatchVersion};
use crate::problem::mapping::command_problem;
use crate::problem::responses::{
    BodyProblems, ConflictProblem, NotFoundProblem, RoleProblems, ServerProblems,
};
use crate::problem::ApiError;
use crate::routes::catalogue::requests::{AddCapacityPoolRequest, ChangeCapacityPoolRequest};
use crate::routes::organiser::{event_response, TAG};
use crate::state::AppState;

/// The shared capacity routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_capacity_pool))
        .routes(routes!(change_capacity_pool, remove_capacity_pool))
}

/// Shares a capacity between ticket types of the event: their tickets sold and held
/// together never exceed it, and buyers see each type's availability as the smaller of
/// its own and the pool's. A ticket type can be in one shared capacity only (409
/// `ticket-type-in-another-pool`); a capacity below what the types already sold and hold
/// is refused (409 `capacity-pool-below-promised`). With an `Idempotency-Key`, a retry
/// adds nothing twice.
#[utoipa::path(post, path = "/organiser/events/{event_id}/capacity-pools", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key adds the shared capacity once.")),
    request_body = AddCapacityPoolRequest,
    responses(
        (status = 201, description = "Added; the event after the change.",
            body = carneau_projections::catalogue::EventDetail),
        (status = 200, description = "Already added by an earlier request with this key.",
            body = carneau_projections::catalogue::EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn add_capacity_pool(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<AddCapacityPoolRequest>,
) -> Result<Response, ApiError> {
    let build = request.parse()?;
    let (executed, _id, added) = state
        .catalogue
        .add_capacity_pool(
            event_id,
            key.as_ref(),
            build,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    let status = crate::routes::created_or_repeated(added);
    event_response(&state, status, &executed, false).await
}

/// Changes a shared capacity: its name, its capacity, or the whole list of its ticket
/// types; fields left out keep their value. A capacity below the tickets its types have
/// sold and held is refused (409 `capacity-pool-below-promised`, with the numbers).
#[utoipa::path(patch, path = "/organiser/events/{event_id}/capacity-pools/{pool_id}",
    tag = TAG, security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("pool_id" = uuid::Uuid, Path, description = "The shared capacity's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = ChangeCapacityPoolRequest,
    responses(
        (status = 200, description = "The event after the change.",
            body = carneau_projections::catalogue::EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn change_capacity_pool(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, pool_id)): ApiPath<(EventId, CapacityPoolId)>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<ChangeCapacityPoolRequest>,
) -> Result<Response, ApiError> {
    let change = request.parse()?;
    let executed = state
        .catalogue
        .change_capacity_pool(
            event_id,
            pool_id,
            change,
            if_match.0,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(&state, StatusCode::OK, &executed, false).await
}

/// Stops sharing a capacity: its ticket types keep only their own capacities.
#[utoipa::path(delete, path = "/organiser/events/{event_id}/capacity-pools/{pool_id}",
    tag = TAG, security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("pool_id" = uuid::Uuid, Path, description = "The shared capacity's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    responses(
        (status = 200, description = "The event after the change.",
            body = carneau_projections::catalogue::EventDetail),
        NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn remove_capacity_pool(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, pool_id)): ApiPath<(EventId, CapacityPoolId)>,
    if_match: IfMatchVersion,
) -> Result<Response, ApiError> {
    let executed = state
        .catalogue
        .remove_capacity_pool(
            event_id,
            pool_id,
            if_match.0,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(&state, StatusCode::OK, &executed, false).await
}

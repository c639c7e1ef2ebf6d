//! The organiser's view of an event's waiting lists: every place in the order it was
//! taken, with the offers made and how they ended, and the switch that opens or closes the
//! lists. Same rules as the other organiser routes: an organiser's session, the event's
//! organiser or an admin (403 `not-event-organiser`).

use axum::extract::State;
use carneau_domain::ids::EventId;
use carneau_projections::inventory::{waiting_list, WaitingPlaceView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, require_event_manager, OrganiserSession};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::mapping::command_problem;
use crate::problem::responses::{BodyProblems, NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::ApiError;
use crate::routes::organiser::TAG;
use crate::state::AppState;

/// The organiser's waiting list routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(event_waiting_list, switch_waiting_list))
}

/// An event's waiting lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingListView {
    /// Whether buyers may join, and the people waiting are offered the tickets that come
    /// back. Closed, the places stay but claim no ticket.
    pub open: bool,
    /// How long an offer holds its tickets, in hours.
    #[schema(example = 24)]
    pub offer_hours: u64,
    /// Every place, in the order taken (ticket types mixed; `position` is within a type).
    pub entries: Vec<WaitingPlaceView>,
}

/// Opens or closes the waiting lists.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchWaitingListRequest {
    /// `true` to open, `false` to close.
    pub open: bool,
}

/// The event's waiting lists: every place, its status and its offer.
#[utoipa::path(get, path = "/organiser/events/{event_id}/waiting-list", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The waiting lists.", body = WaitingListView),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn event_waiting_list(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<ApiJson<WaitingListView>, ApiError> {
    let event = require_event_manager(&state, &session.principal, event_id).await?;
    view(&state, event_id, event.waiting_list_open())
        .await
        .map(ApiJson)
}

/// Opens or closes the event's waiting lists. Closing lets the tickets the people waiting
/// claimed go on sale to everyone and stops offers; their places are kept, and claim again
/// if the lists are opened again. Switching to where it is changes nothing.
#[utoipa::path(put, path = "/organiser/events/{event_id}/waiting-list", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    request_body = SwitchWaitingListRequest,
    responses(
        (status = 200, description = "The waiting lists after the switch.", body = WaitingListView),
        BodyProblems, NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn switch_waiting_list(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    ApiJson(request): ApiJson<SwitchWaitingListRequest>,
) -> Result<ApiJson<WaitingListView>, ApiError> {
    let executed = state
        .catalogue
        .switch_waiting_list(event_id, request.open, &command_context(&session.principal))
        .await
        .map_err(command_problem)?;
    // What the places claim changed: the guard's counts with it.
    state.reservations.catalogue_changed(event_id).await;
    view(&state, event_id, executed.state.waiting_list_open())
        .await
        .map(ApiJson)
}

async fn view(
    state: &AppState,
    event_id: EventId,
    open: bool,
) -> Result<WaitingListView, ApiError> {
    let entries = waiting_list(&state.pool, event_id.as_uuid())
        .await
        .map_err(ApiError::internal)?;
    Ok(WaitingListView {
        open,
        offer_hours: state.config.waiting_offer_hours(),
        entries,
    })
}

//! Organiser commands on the catalogue: create and edit events, manage their ticket
//! types, publish and cancel. Every route needs an organiser's session; an organiser acts
//! on the events they created, an admin on every event (403 `not-event-organiser`
//! otherwise, checked on the state each command loads anyway).
//!
//! Responses carry the event's state after the command (read-your-writes) and its
//! version as `ETag`; sending it back as `If-Match` makes a command apply only if
//! nobody changed the event since.

use axum::http::header::{ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carneau_commands::Executed;
use carneau_domain::event::{Event, EventCommand};
use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_projections::catalogue::{organiser_events, EventDetail, OrganiserEventSummary};
use carneau_projections::inventory::availability;
use chrono::Utc;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, OrganiserSession, Principal};
use crate::extract::{version_etag, ApiJson, ApiPath, IdempotencyKeyHeader, IfMatchVersion};
use crate::problem::mapping::{command_problem, event_not_found, not_event_organiser};
use crate::problem::responses::{
    BodyProblems, ConflictProblem, NotFoundProblem, RoleProblems, ServerProblems,
};
use crate::problem::ApiError;
use crate::routes::catalogue::requests::{
    AddTicketTypeRequest, CancelEventRequest, ChangeTicketTypeRequest, CreateEventRequest,
    EditEventRequest,
};
use crate::routes::catalogue::view::event_detail;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "organiser";

/// The organiser routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_events, create_event))
        .routes(routes!(get_event, edit_event))
        .routes(routes!(add_ticket_type))
        .routes(routes!(change_ticket_type, remove_ticket_type))
        .routes(routes!(publish_event))
        .routes(routes!(cancel_event))
}

/// The event as JSON with its version as `ETag` (and `Location` when created).
pub(crate) async fn event_response(
    state: &AppState,
    status: StatusCode,
    executed: &Executed<Event>,
    location: bool,
) -> Result<Response, ApiError> {
    let availability = match executed.state.id() {
        Some(id) => availability(&state.pool, id.as_uuid()).await?,
        None => HashMap::new(),
    };
    let detail = event_detail(executed, &availability)?;
    let mut headers = HeaderMap::new();
    if let Ok(etag) = HeaderValue::from_str(&version_etag(executed.version)) {
        headers.insert(ETAG, etag);
    }
    if location {
        if let Ok(path) = HeaderValue::from_str(&format!("/organiser/events/{}", detail.id)) {
            headers.insert(LOCATION, path);
        }
    }
    Ok((status, headers, ApiJson(detail)).into_response())
}

/// Runs one command on an existing event and answers with its new state.
pub(crate) async fn run(
    state: &AppState,
    principal: &Principal,
    event_id: EventId,
    command: EventCommand,
    if_match: IfMatchVersion,
) -> Result<Response, ApiError> {
    let executed = state
        .catalogue
        .execute(event_id, command, if_match.0, &command_context(principal))
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(state, StatusCode::OK, &executed, false).await
}

/// The caller's events, drafts included, soonest first; an admin sees every event. From
/// the read model: an event created a moment ago may take a moment to appear.
#[utoipa::path(get, path = "/organiser/events", tag = TAG,
    operation_id = "list_organiser_events",
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "The events.", body = OrganiserEventList),
        RoleProblems, ServerProblems,
    ))]
async fn my_events(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
) -> Result<ApiJson<OrganiserEventList>, ApiError> {
    let principal = &session.principal;
    let owner =
        (!carneau_commands::policy::is_admin(principal)).then(|| principal.account_id.as_uuid());
    let items = organiser_events(&state.pool, owner).await?;
    Ok(ApiJson(OrganiserEventList { items }))
}

/// An organiser's events.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OrganiserEventList {
    /// The events, soonest first (at most 500).
    pub items: Vec<OrganiserEventSummary>,
}

/// Creates an event as a draft. With an `Idempotency-Key`, a retry returns the event the
/// first attempt created (200) instead of creating another.
#[utoipa::path(post, path = "/organiser/events", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Makes retries safe: the same key returns the same event.")),
    request_body = CreateEventRequest,
    responses(
        (status = 201, description = "Created as a draft.", body = EventDetail,
            headers(("ETag" = String), ("Location" = String))),
        (status = 200, description = "Already created by an earlier request with this key.",
            body = EventDetail),
        BodyProblems, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn create_event(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<CreateEventRequest>,
) -> Result<Response, ApiError> {
    let (details, currency) = request.parse()?;
    let (executed, created) = state
        .catalogue
        .create_draft(
            key.as_ref(),
            session.principal.account_id,
            details,
            currency,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    let status = crate::routes::created_or_repeated(created);
    event_response(&state, status, &executed, true).await
}

/// An event in any state (drafts included), straight from its history.
#[utoipa::path(get, path = "/organiser/events/{event_id}", tag = TAG,
    operation_id = "get_organiser_event",
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event.", body = EventDetail, headers(("ETag" = String))),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn get_event(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let executed = state
        .catalogue
        .load(event_id)
        .await
        .map_err(command_problem)?
        .ok_or_else(event_not_found)?;
    if !carneau_commands::policy::may_manage_event(&session.principal, &executed.state) {
        return Err(not_event_organiser());
    }
    event_response(&state, StatusCode::OK, &executed, false).await
}

/// Changes an event's details; fields left out keep their value.
#[utoipa::path(patch, path = "/organiser/events/{event_id}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = EditEventRequest,
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn edit_event(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<EditEventRequest>,
) -> Result<Response, ApiError> {
    let change = request.parse()?;
    run(
        &state,
        &session.principal,
        event_id,
        EventCommand::EditDetails(change),
        if_match,
    )
    .await
}

/// Adds a ticket type. With an `Idempotency-Key`, a retry adds nothing twice.
#[utoipa::path(post, path = "/organiser/events/{event_id}/ticket-types", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key adds the ticket type once.")),
    request_body = AddTicketTypeRequest,
    responses(
        (status = 201, description = "Added; the event after the change.", body = EventDetail),
        (status = 200, description = "Already added by an earlier request with this key.",
            body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn add_ticket_type(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<AddTicketTypeRequest>,
) -> Result<Response, ApiError> {
    let build = request.parse()?;
    let (executed, _id, added) = state
        .catalogue
        .add_ticket_type(
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

/// Changes a ticket type; fields left out keep their value. A capacity below the
/// tickets sold and held is refused (409 `capacity-below-promised`, with the numbers).
#[utoipa::path(patch, path = "/organiser/events/{event_id}/ticket-types/{ticket_type_id}",
    tag = TAG, security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("ticket_type_id" = uuid::Uuid, Path, description = "The ticket type's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = ChangeTicketTypeRequest,
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn change_ticket_type(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, ticket_type_id)): ApiPath<(EventId, TicketTypeId)>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<ChangeTicketTypeRequest>,
) -> Result<Response, ApiError> {
    let change = request.parse()?;
    let executed = state
        .catalogue
        .change_ticket_type(
            event_id,
            ticket_type_id,
            change,
            if_match.0,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(&state, StatusCode::OK, &executed, false).await
}

/// Removes a ticket type none of whose tickets is sold or held (409
/// `ticket-type-has-buyers` otherwise: close its sale instead).
#[utoipa::path(delete, path = "/organiser/events/{event_id}/ticket-types/{ticket_type_id}",
    tag = TAG, security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("ticket_type_id" = uuid::Uuid, Path, description = "The ticket type's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    responses(
        (status = 200, description = "The event after the change.", body = EventDetail),
        NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn remove_ticket_type(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath((event_id, ticket_type_id)): ApiPath<(EventId, TicketTypeId)>,
    if_match: IfMatchVersion,
) -> Result<Response, ApiError> {
    let executed = state
        .catalogue
        .remove_ticket_type(
            event_id,
            ticket_type_id,
            if_match.0,
            &command_context(&session.principal),
        )
        .await
        .map_err(command_problem)?;
    state.reservations.catalogue_changed(event_id).await;
    event_response(&state, StatusCode::OK, &executed, false).await
}

/// Puts the event on sale: it appears in the public listing.
#[utoipa::path(post, path = "/organiser/events/{event_id}/publish", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    responses(
        (status = 200, description = "Published.", body = EventDetail),
        NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn publish_event(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    if_match: IfMatchVersion,
) -> Result<Response, ApiError> {
    let command = EventCommand::Publish {
        published_at: Utc::now(),
    };
    run(&state, &session.principal, event_id, command, if_match).await
}

/// Calls the event off; it can no longer change.
#[utoipa::path(post, path = "/organiser/events/{event_id}/cancel", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("If-Match" = Option<String>, Header, description = "Apply only at this ETag.")),
    request_body = CancelEventRequest,
    responses(
        (status = 200, description = "Cancelled.", body = EventDetail),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn cancel_event(
    OrganiserSession(session): OrganiserSession,
    state: axum::extract::State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    if_match: IfMatchVersion,
    ApiJson(request): ApiJson<CancelEventRequest>,
) -> Result<Response, ApiError> {
    let command = EventCommand::Cancel {
        cancelled_at: Utc::now(),
        reason: request.reason,
    };
    run(&state, &session.principal, event_id, command, if_match).await
}

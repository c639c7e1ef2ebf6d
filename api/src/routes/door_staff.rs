//! Door staff: an event's organiser (or an admin) lets accounts check tickets in at that
//! event's door, by their email, and withdraws it. Access is per event and recorded in
//! the staff account's history.

use axum::extract::State;
use axum::http::StatusCode;
use carneau_domain::account::{AccountCommand, EmailAddress};
use carneau_domain::ids::{AccountId, EventId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, require_event_manager, OrganiserSession};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::responses::{BodyProblems, NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::{ApiError, FieldError, FieldErrors};
use crate::routes::accounts::accounts_problem;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "organiser";

/// The door-staff routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(grant_door_staff))
        .routes(routes!(revoke_door_staff))
}

/// Whom to let work the door.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorStaffRequest {
    /// The email of an existing account.
    #[schema(example = "door@example.com")]
    pub email: String,
}

/// An account that may check tickets in at an event's door.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DoorStaffMember {
    /// The event.
    pub event_id: uuid::Uuid,
    /// The staff member's account.
    pub account_id: uuid::Uuid,
    /// Their email.
    pub email: String,
}

/// Lets the account with this email check tickets in at this event's door (the event's
/// organiser or an admin). Granting twice changes nothing.
#[utoipa::path(post, path = "/organiser/events/{event_id}/door-staff", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    request_body = DoorStaffRequest,
    responses(
        (status = 200, description = "Granted.", body = DoorStaffMember),
        (status = 422, description = "No account has this email (`account-not-found`, field `email`), or the body is invalid.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn grant_door_staff(
    State(state): State<AppState>,
    OrganiserSession(session): OrganiserSession,
    ApiPath(event_id): ApiPath<EventId>,
    ApiJson(request): ApiJson<DoorStaffRequest>,
) -> Result<ApiJson<DoorStaffMember>, ApiError> {
    require_event_manager(&state, &session.principal, event_id).await?;
    let mut errors = FieldErrors::default();
    let email = errors.check("email", EmailAddress::parse(&request.email));
    let email = errors.finish(email)?;
    let account_id = state
        .accounts
        .find_by_email(&email)
        .await
        .map_err(accounts_problem)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "account-not-found",
                "Account not found",
                "No account has this email; the person must register first.",
            )
            .with_field_errors(vec![FieldError::new("email", "has no account")])
        })?;
    state
        .accounts
        .execute(
            account_id,
            AccountCommand::GrantDoorStaff(event_id),
            &command_context(&session.principal),
        )
        .await
        .map_err(accounts_problem)?;
    Ok(ApiJson(DoorStaffMember {
        event_id: event_id.as_uuid(),
        account_id: account_id.as_uuid(),
        email: email.as_str().to_owned(),
    }))
}

/// Withdraws an account's door-staff access to this event (the event's organiser or an
/// admin). Takes effect on the staff member's next request.
#[utoipa::path(delete, path = "/organiser/events/{event_id}/door-staff/{account_id}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("account_id" = uuid::Uuid, Path, description = "The staff member's account.")),
    responses(
        (status = 204, description = "Withdrawn (or never granted)."),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn revoke_door_staff(
    State(state): State<AppState>,
    OrganiserSession(session): OrganiserSession,
    ApiPath((event_id, account_id)): ApiPath<(EventId, AccountId)>,
) -> Result<StatusCode, ApiError> {
    require_event_manager(&state, &session.principal, event_id).await?;
    state
        .accounts
        .execute(
            account_id,
            AccountCommand::RevokeDoorStaff(event_id),
            &command_context(&session.principal),
        )
        .await
        .map_err(accounts_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

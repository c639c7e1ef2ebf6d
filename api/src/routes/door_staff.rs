//! Door staff: an event's organiser (or an admin) lets accounts check tickets in at that
//! event's door, by their email, lists them, and withdraws it. Access is per event and
//! recorded in the staff account's history; the list comes from the `door_staff` read
//! model, a moment behind that history.

use axum::extract::State;
use axum::http::StatusCode;
use carneau_domain::account::{AccountCommand, EmailAddress};
use carneau_domain::ids::{AccountId, EventId};
use carneau_projections::door_staff::{door_staff_of_event, DoorStaffView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, require_event_manager, OrganiserSession};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::mapping::accounts_problem;
use crate::problem::responses::{BodyProblems, NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::{ApiError, FieldError, FieldErrors};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "organiser";

/// The door-staff routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_door_staff, grant_door_staff))
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
    /// How they are called.
    pub name: String,
}

/// One account that may check tickets in at the event's door.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DoorStaffEntry {
    /// The staff member's account.
    pub account_id: uuid::Uuid,
    /// Their email (empty for a moment after the account registered).
    pub email: String,
    /// How they are called (likewise).
    pub name: String,
    /// When access was granted.
    pub granted_at: DateTime<Utc>,
}

impl From<DoorStaffView> for DoorStaffEntry {
    fn from(view: DoorStaffView) -> Self {
        Self {
            account_id: view.account_id,
            email: view.email,
            name: view.name,
            granted_at: view.granted_at,
        }
    }
}

/// An event's door staff.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DoorStaffList {
    /// Longest-serving first.
    pub door_staff: Vec<DoorStaffEntry>,
}

/// Who may check tickets in at this event's door besides its organiser and admins (the
/// event's organiser or an admin; from the read model: a second or so behind a grant or
/// a withdrawal).
#[utoipa::path(get, path = "/organiser/events/{event_id}/door-staff", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event's door staff.", body = DoorStaffList),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn list_door_staff(
    State(state): State<AppState>,
    OrganiserSession(session): OrganiserSession,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<ApiJson<DoorStaffList>, ApiError> {
    require_event_manager(&state, &session.principal, event_id).await?;
    let door_staff = door_staff_of_event(&state.pool, event_id.as_uuid())
        .await
        .map_err(ApiError::internal)?;
    Ok(ApiJson(DoorStaffList {
        door_staff: door_staff.into_iter().map(DoorStaffEntry::from).collect(),
    }))
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
    let granted = state
        .accounts
        .execute(
            account_id,
            AccountCommand::GrantDoorStaff(event_id),
            &command_context(&session.principal),
        )
        .await
        .map_err(accounts_problem)?;
    let staff = &granted.state;
    Ok(ApiJson(DoorStaffMember {
        event_id: event_id.as_uuid(),
        account_id: account_id.as_uuid(),
        email: staff.email().unwrap_or(&email).as_str().to_owned(),
        name: staff
            .name()
            .map(|name| name.as_str().to_owned())
            .unwrap_or_default(),
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

//! Account administration, for admins: find an account by email, grant and revoke roles.
//! Every change is an event in the account's history and holds from the account's next
//! request on.

use axum::extract::State;
use axum::http::StatusCode;
use carneau_domain::account::{AccountCommand, EmailAddress, Role};
use carneau_domain::ids::AccountId;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, AdminSession, Principal};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::mapping::accounts_problem;
use crate::problem::responses::{NotFoundProblem, QueryProblems, RoleProblems, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::routes::accounts::{AccountRole, Me};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "admin";

/// The admin routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_account))
        .routes(routes!(grant_role, revoke_role))
}

/// Which account to find.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// The account's email (any case).
    email: String,
}

fn account_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "account-not-found",
        "Account not found",
        "There is no account with this email or id.",
    )
}

async fn account_view(state: &AppState, account_id: AccountId) -> Result<Me, ApiError> {
    let account = state
        .accounts
        .load(account_id)
        .await
        .map_err(accounts_problem)?
        .ok_or_else(account_not_found)?;
    Principal::from_account(&account)
        .map(|principal| Me::from(&principal))
        .ok_or_else(account_not_found)
}

/// The account registered with this email.
#[utoipa::path(get, path = "/admin/accounts", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(AccountQuery),
    responses(
        (status = 200, description = "The account.", body = Me),
        QueryProblems, NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn find_account(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiQuery(query): ApiQuery<AccountQuery>,
) -> Result<ApiJson<Me>, ApiError> {
    let email = EmailAddress::parse(&query.email).map_err(|error| {
        ApiError::bad_request("invalid-query", "The email is not valid.")
            .with_field_errors(vec![FieldError::new("email", error.message())])
    })?;
    let account_id = state
        .accounts
        .find_by_email(&email)
        .await
        .map_err(accounts_problem)?
        .ok_or_else(account_not_found)?;
    Ok(ApiJson(account_view(&state, account_id).await?))
}

async fn change_role(
    state: &AppState,
    admin: &Principal,
    account_id: AccountId,
    command: AccountCommand,
) -> Result<ApiJson<Me>, ApiError> {
    state
        .accounts
        .execute(account_id, command, &command_context(admin))
        .await
        .map_err(accounts_problem)?;
    Ok(ApiJson(account_view(state, account_id).await?))
}

/// Grants a role (`organiser`, `admin` or `auditor`); granting one already held changes nothing.
#[utoipa::path(put, path = "/admin/accounts/{account_id}/roles/{role}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("account_id" = uuid::Uuid, Path, description = "The account's id."),
        ("role" = AccountRole, Path, description = "The role.")),
    responses(
        (status = 200, description = "The account after the change.", body = Me),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn grant_role(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    ApiPath((account_id, role)): ApiPath<(AccountId, Role)>,
) -> Result<ApiJson<Me>, ApiError> {
    change_role(
        &state,
        &session.principal,
        account_id,
        AccountCommand::GrantRole(role),
    )
    .await
}

/// Revokes a role; revoking one not held changes nothing. An admin cannot revoke their
/// own admin role (409 `cannot-revoke-own-admin`), so the platform keeps an admin.
#[utoipa::path(delete, path = "/admin/accounts/{account_id}/roles/{role}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("account_id" = uuid::Uuid, Path, description = "The account's id."),
        ("role" = AccountRole, Path, description = "The role.")),
    responses(
        (status = 200, description = "The account after the change.", body = Me),
        (status = 409, description = "An admin revoking their own admin role (`cannot-revoke-own-admin`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn revoke_role(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    ApiPath((account_id, role)): ApiPath<(AccountId, Role)>,
) -> Result<ApiJson<Me>, ApiError> {
    if !carneau_commands::policy::may_revoke_role(&session.principal, account_id, role) {
        return Err(ApiError::conflict(
            "cannot-revoke-own-admin",
            "An admin cannot revoke their own admin role; ask another admin.",
        ));
    }
    change_role(
        &state,
        &session.principal,
        account_id,
        AccountCommand::RevokeRole(role),
    )
    .await
}

//! Accounts and sessions: register, sign in and out (one device or all), change the
//! password or reset a forgotten one, verify the email, and `GET /me`.
//!
//! Sign-in answers with the session token in the body (for API clients, which send it as
//! `Authorization: Bearer`) and in the `carneau_session` cookie (for browsers).

mod password_reset;
mod requests;
mod views;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carneau_commands::accounts::{NewAccount, Session, SessionToken, VerificationToken};
use carneau_commands::rate_limit::Decision;
use carneau_commands::CommandContext;
use carneau_domain::account::{EmailAddress, Password};
use carneau_domain::{Cause, Process};
use chrono::{DateTime, Utc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use requests::{
    ChangePasswordRequest, PasswordResetRequest, RegisterRequest, ResetPasswordRequest,
    SignInRequest, VerifyEmailRequest,
};
pub use views::{AccountRole, Me, SessionView, SignedInResponse};

use crate::auth::{clear_session_cookie, command_context, session_cookie, ClientAddress, SignedIn};
use crate::extract::ApiJson;
use crate::problem::mapping::{
    accounts_problem, invalid_link, password_change_problem, rate_limited,
};
use crate::problem::responses::{
    BodyProblems, RateLimitedProblems, ServerProblems, SignedInProblems,
};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "accounts";

/// The account routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(sign_in, sign_out_everywhere))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(send_verification_link))
        .routes(routes!(verify_email))
        .routes(routes!(password_reset::request_password_reset))
        .routes(routes!(password_reset::reset_password))
}

fn anonymous_context() -> CommandContext {
    CommandContext::process(
        Process::SelfService,
        Cause::Request {
            request_id: crate::request_id::current().map(|id| id.to_string()),
        },
    )
}

/// Opens a session for a just-authenticated account: 200/201 with the token and cookie.
async fn signed_in(
    state: &AppState,
    status: StatusCode,
    account_id: carneau_domain::ids::AccountId,
) -> Result<Response, ApiError> {
    let sessions = state.accounts.sessions();
    let (token, expires_at) = sessions.issue(account_id).await?;
    let session = sessions
        .resolve(&token)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a new session did not resolve")))?;
    Ok(session_response(
        state, status, &token, expires_at, &session,
    ))
}

fn session_response(
    state: &AppState,
    status: StatusCode,
    token: &SessionToken,
    expires_at: DateTime<Utc>,
    session: &Session,
) -> Response {
    let cookie = session_cookie(
        token,
        state.accounts.sessions().lifetime(),
        state.config.accounts.cookie_secure,
    );
    let body = SignedInResponse {
        account: Me::from(&session.principal),
        session: SessionView {
            token: token.expose().to_owned(),
            expires_at,
        },
    };
    (status, [(SET_COOKIE, cookie)], ApiJson(body)).into_response()
}

fn signed_out(state: &AppState) -> Response {
    let cookie = clear_session_cookie(state.config.accounts.cookie_secure);
    (StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response()
}

async fn limit(
    state: &AppState,
    scope: String,
    limit: carneau_commands::rate_limit::Limit,
) -> Result<(), ApiError> {
    match state.rate_limiter.check(&scope, limit).await {
        Decision::Allowed => Ok(()),
        Decision::Refused { retry_after } => Err(rate_limited(retry_after)),
    }
}

/// Registers a buyer account, signs it in and mails a link that verifies its email.
/// Emails are unique without regard to case.
#[utoipa::path(post, path = "/accounts", tag = TAG,
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in; the cookie is set too.",
            body = SignedInResponse),
        (status = 409, description = "An account with this email exists (`email-taken`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, RateLimitedProblems, ServerProblems,
    ))]
async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    limit(
        &state,
        format!("register-address:{address}"),
        state.config.accounts.registration_per_address,
    )
    .await?;
    let new: NewAccount = request.parse()?;
    let account = state
        .accounts
        .register(new, &anonymous_context())
        .await
        .map_err(accounts_problem)?;
    let account_id = account
        .id()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("registered account has no id")))?;
    // Guest orders of this email stay hidden until it is verified: the link goes out at
    // once. Registering succeeded either way; the account page can send it again.
    if let Err(error) = mail_verification_link(&state, account_id).await {
        tracing::warn!(%error, "verification link not sent at registration");
    }
    signed_in(&state, StatusCode::CREATED, account_id).await
}

/// Starts a verification of the account's email and mails its link.
async fn mail_verification_link(
    state: &AppState,
    account_id: carneau_domain::ids::AccountId,
) -> Result<(), ApiError> {
    let (token, email) = state
        .accounts
        .start_email_verification(account_id)
        .await
        .map_err(accounts_problem)?;
    let link = format!(
        "{}/verify-email?token={}",
        state.config.accounts.public_url,
        token.expose()
    );
    state.verification_links.send(&email, &link);
    Ok(())
}

/// Signs in with email and password. A wrong password and an unknown email get the same
/// answer. Past the per-address limit: 429. Past the per-email limit an attempt is only
/// slowed down, unless it comes from an address the account signed in from before.
#[utoipa::path(post, path = "/sessions", tag = TAG,
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the cookie is set too.", body = SignedInResponse),
        (status = 401, description = "Wrong email or password (`invalid-credentials`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, RateLimitedProblems, ServerProblems,
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Response, ApiError> {
    limit(
        &state,
        format!("login-address:{address}"),
        state.config.accounts.login_per_address,
    )
    .await?;
    let (email, password): (EmailAddress, Password) = request.parse()?;
    let known_places = format!("login-known:{}", email.normalized());
    let place = address.to_string();
    // Guessing one account's password from many addresses is slowed down, never refused:
    // a refusal would let anyone who knows an email keep its owner out. The owner's own
    // addresses (where the account signed in before) are not slowed down at all.
    if !state.rate_limiter.remembers(&known_places, &place).await {
        let scope = format!("login-email:{}", email.normalized());
        let over = state
            .rate_limiter
            .check(&scope, state.config.accounts.login_per_email)
            .await;
        if matches!(over, Decision::Refused { .. }) {
            tokio::time::sleep(state.config.accounts.login_slowdown).await;
        }
    }
    let account_id = state
        .accounts
        .authenticate(&email, &password)
        .await
        .map_err(accounts_problem)?;
    state
        .rate_limiter
        .remember(&known_places, &place, KNOWN_PLACE_KEPT)
        .await;
    signed_in(&state, StatusCode::OK, account_id).await
}

/// How long an address an account signed in from stays known to it.
const KNOWN_PLACE_KEPT: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3_600);

/// Signs this session out; the cookie is cleared. Takes effect on the next request.
#[utoipa::path(delete, path = "/sessions/current", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 204, description = "Signed out."),
        SignedInProblems, ServerProblems,
    ))]
async fn sign_out(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, ApiError> {
    state.accounts.sessions().revoke(&session).await?;
    Ok(signed_out(&state))
}

/// Signs every session of the account out, this one included.
#[utoipa::path(delete, path = "/sessions", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 204, description = "Every session signed out."),
        SignedInProblems, ServerProblems,
    ))]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, ApiError> {
    state
        .accounts
        .sessions()
        .revoke_all(session.principal.account_id, None)
        .await?;
    Ok(signed_out(&state))
}

/// The signed-in account: who it is, its roles, the events it works the door of, and
/// whether its email is verified.
#[utoipa::path(get, path = "/me", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "The account.", body = Me),
        SignedInProblems, ServerProblems,
    ))]
async fn me(SignedIn(session): SignedIn) -> ApiJson<Me> {
    ApiJson(Me::from(&session.principal))
}

/// Changes the password. Every other session of the account is signed out; this one
/// stays.
#[utoipa::path(put, path = "/me/password", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other sessions are signed out."),
        (status = 403, description = "The current password is wrong (`invalid-credentials`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, SignedInProblems, ServerProblems,
    ))]
async fn change_password(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let (current, new) = request.parse()?;
    state
        .accounts
        .change_password(
            session.principal.account_id,
            &current,
            &new,
            session.hash,
            &command_context(&session.principal),
        )
        .await
        .map_err(password_change_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a link that verifies the account's email (again), through the mail outbox
/// (written to the server's log when no SMTP server is configured).
#[utoipa::path(post, path = "/me/email-verification", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 202, description = "A link is on its way."),
        (status = 204, description = "The email is verified already; nothing sent."),
        SignedInProblems, ServerProblems,
    ))]
async fn send_verification_link(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<StatusCode, ApiError> {
    if session.principal.email_verified {
        return Ok(StatusCode::NO_CONTENT);
    }
    mail_verification_link(&state, session.principal.account_id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Uses a verification link's token: the email of the account it was sent for becomes
/// verified. Needs no session (the token is the proof); works once.
#[utoipa::path(post, path = "/email-verifications", tag = TAG,
    request_body = VerifyEmailRequest,
    responses(
        (status = 204, description = "Verified."),
        (status = 410, description = "The link is unknown, used or expired (`verification-link-invalid`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, ServerProblems,
    ))]
async fn verify_email(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<VerifyEmailRequest>,
) -> Result<StatusCode, ApiError> {
    let token = VerificationToken::parse(&request.token).ok_or_else(invalid_link)?;
    state
        .accounts
        .verify_email(&token, &anonymous_context())
        .await
        .map_err(accounts_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

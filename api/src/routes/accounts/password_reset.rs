//! "Forgot password": ask for a reset link by email, then set a new password with it.
//!
//! Asking answers 202 with no body whether or not the email has an account, and the
//! account's work (storing the link, recording the fact, queueing the email) runs after
//! the answer, so neither the answer nor its timing tells who has an account. Both
//! routes are rate limited per client address, and asking also per email. Requests are
//! counted by outcome for operators (`carneau_password_reset_requests_total`).

use axum::extract::State;
use axum::http::StatusCode;
use carneau_commands::accounts::{ResetLinkRefusal, ResetRequestOutcome};
use tracing::Instrument;

use super::requests::{PasswordResetRequest, ResetPasswordRequest};
use super::{anonymous_context, limit, TAG};
use crate::auth::ClientAddress;
use crate::extract::ApiJson;
use crate::metrics::{self, ResetRequested};
use crate::password_reset_mail::ResetLinkMail;
use crate::problem::mapping::{accounts_problem, reset_link_problem};
use crate::problem::responses::{BodyProblems, RateLimitedProblems, ServerProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// Asks for a link that sets a new password, mailed to the account with this email if
/// there is one. The answer is the same either way: 202, empty.
#[utoipa::path(post, path = "/password-reset-requests", tag = TAG,
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If an account has this email, a link is on its way \
            (it works once, for one hour; a newer link replaces it)."),
        BodyProblems, RateLimitedProblems, ServerProblems,
    ))]
pub(super) async fn request_password_reset(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    limit(
        &state,
        format!("reset-address:{address}"),
        state.config.accounts.reset_per_address,
    )
    .await
    .inspect_err(|_| metrics::password_reset_requested(ResetRequested::Limited))?;
    let email = request.parse()?;
    // Counted for every email, with or without an account: a refusal reveals nothing.
    limit(
        &state,
        format!("reset-email:{}", email.normalized()),
        state.config.accounts.reset_per_email,
    )
    .await
    .inspect_err(|_| metrics::password_reset_requested(ResetRequested::Limited))?;
    let context = anonymous_context();
    let mail = ResetLinkMail {
        public_url: state.config.accounts.public_url.clone(),
        from: state.config.tickets.mail_from.clone(),
    };
    let accounts = state.accounts.clone();
    // After the answer: the work only an existing account takes must not show in the
    // time the answer takes. A failure is logged; the person can ask again.
    tokio::spawn(
        async move {
            let outcome = match accounts
                .request_password_reset(&email, &mail, &context)
                .await
            {
                Ok(ResetRequestOutcome::LinkQueued) => ResetRequested::Sent,
                Ok(ResetRequestOutcome::NoAccount) => ResetRequested::UnknownAddress,
                Err(error) => {
                    tracing::warn!(%error, "a password reset link could not be queued");
                    ResetRequested::Failed
                }
            };
            metrics::password_reset_requested(outcome);
        }
        .instrument(tracing::Span::current()),
    );
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password with the token of a reset link. The link works once, for one
/// hour, and only if no newer link was sent; every session of the account ends, so the
/// person signs in again with the new password.
#[utoipa::path(post, path = "/password-resets", tag = TAG,
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "The password is set; every session of the account is signed out."),
        (status = 410, description = "The link cannot be used: `reset-link-invalid` (unknown or \
            malformed), `reset-link-used`, `reset-link-superseded` (a newer link was sent) or \
            `reset-link-expired`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, RateLimitedProblems, ServerProblems,
    ))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    limit(
        &state,
        format!("reset-use-address:{address}"),
        state.config.accounts.reset_per_address,
    )
    .await?;
    let (token, new) = request.parse()?;
    let token = token.ok_or_else(|| reset_link_problem(ResetLinkRefusal::Unknown))?;
    state
        .accounts
        .reset_password(&token, &new, &anonymous_context())
        .await
        .map_err(accounts_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

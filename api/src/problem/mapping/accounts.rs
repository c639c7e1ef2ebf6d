//! The accounts' refusals (`AccountsError`, `AccountError`) as problems.

use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use carneau_commands::accounts::{AccountsError, ResetLinkRefusal};
use carneau_domain::account::AccountError;

use crate::problem::{ApiError, FieldError};

/// Maps a refused or failed account operation to its problem.
pub fn accounts_problem(error: AccountsError) -> ApiError {
    match error {
        AccountsError::EmailTaken => ApiError::conflict(
            "email-taken",
            "An account with this email already exists. Sign in instead.",
        )
        .with_field_errors(vec![FieldError::new("email", "is already registered")]),
        AccountsError::InvalidCredentials => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "Wrong email or password",
            "The email or the password is not right.",
        ),
        AccountsError::InvalidVerificationToken => invalid_link(),
        AccountsError::ResetLinkRefused(refusal) => reset_link_problem(refusal),
        AccountsError::Rejected(reason) => account_problem(&reason),
        AccountsError::Conflict => ApiError::conflict(
            "concurrent-modification",
            "The account was changed by another request at the same time. Try again.",
        ),
        AccountsError::Store(cause) => ApiError::internal(cause),
    }
}

/// A password change's failure: signed in already, a wrong current password is a 403
/// refusal, not a 401 that would make a client think its session ended.
pub fn password_change_problem(error: AccountsError) -> ApiError {
    match error {
        AccountsError::InvalidCredentials => ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid-credentials",
            "Wrong password",
            "The current password is not right.",
        )
        .with_field_errors(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]),
        error @ (AccountsError::EmailTaken
        | AccountsError::InvalidVerificationToken
        | AccountsError::ResetLinkRefused(_)
        | AccountsError::Rejected(_)
        | AccountsError::Conflict
        | AccountsError::Store(_)) => accounts_problem(error),
    }
}

fn account_problem(reason: &AccountError) -> ApiError {
    match reason {
        AccountError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "account-not-found",
            "Account not found",
            "This account does not exist.",
        ),
        AccountError::AlreadyRegistered
        | AccountError::EmailMismatch
        | AccountError::NoResetRequested => ApiError::conflict(reason.kind(), reason.to_string()),
    }
}

/// 410 `verification-link-invalid`.
pub fn invalid_link() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "verification-link-invalid",
        "Verification link not valid",
        "This verification link is unknown, was used already or has expired. Ask for a new one.",
    )
}

/// 410 for a password reset link that cannot set a password, one `type` per reason so
/// that the page can say what to do: `reset-link-invalid` (unknown or malformed),
/// `reset-link-used`, `reset-link-superseded`, `reset-link-expired`.
pub fn reset_link_problem(refusal: ResetLinkRefusal) -> ApiError {
    let (slug, title, detail) = match refusal {
        ResetLinkRefusal::Unknown => (
            "reset-link-invalid",
            "Reset link not valid",
            "This password reset link is not valid. Check that you opened the whole link from the email, or ask for a new one.",
        ),
        ResetLinkRefusal::Used => (
            "reset-link-used",
            "Reset link used already",
            "This password reset link was used already: each link works once. Log in with your new password, or ask for a new link.",
        ),
        ResetLinkRefusal::Superseded => (
            "reset-link-superseded",
            "Reset link replaced by a newer one",
            "A newer password reset link was sent since this one; only the latest works. Open the most recent email, or ask for a new link.",
        ),
        ResetLinkRefusal::Expired => (
            "reset-link-expired",
            "Reset link expired",
            "This password reset link has expired: links work for one hour. Ask for a new one.",
        ),
    };
    ApiError::new(StatusCode::GONE, slug, title, detail)
}

/// 429 `rate-limited` with `Retry-After` in whole seconds (rounded up).
pub fn rate_limited(retry_after: Duration) -> ApiError {
    let seconds = retry_after.as_millis().div_ceil(1_000).max(1);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many attempts",
        format!("Too many attempts; try again in {seconds} seconds."),
    )
    .with_header(
        RETRY_AFTER,
        HeaderValue::from_str(&seconds.to_string()).unwrap_or(HeaderValue::from_static("60")),
    )
}

//! Mail the sender gave up on after its bounded retries (dead letters), for admins: list
//! them and send them again once the cause is mended. The same as `carneau mail
//! dead-letters` and `carneau mail retry`, for an admin without a shell.

use axum::extract::State;
use axum::http::StatusCode;
use carneau_commands::mail::{dead_letters, retry_all_dead_letters, retry_dead_letter, DeadLetter};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminSession;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::responses::{NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "admin";

/// The dead-letter routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dead_letters))
        .routes(routes!(retry_one))
        .routes(routes!(retry_all))
}

/// A message the sender gave up on, without its body (it holds bearer secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    /// The message's id: what the retry route takes.
    pub id: i64,
    /// Its dedupe key (`tickets:{order}`, `verify-email:...`).
    pub dedupe_key: String,
    /// Where it was going.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// Attempts made.
    pub attempts: i32,
    /// The SMTP server's last answer.
    pub last_error: Option<String>,
    /// When the sender gave up.
    pub dead_lettered_at: DateTime<Utc>,
}

impl From<DeadLetter> for DeadLetterView {
    fn from(letter: DeadLetter) -> Self {
        Self {
            id: letter.id,
            dedupe_key: letter.dedupe_key,
            recipient: letter.recipient,
            subject: letter.subject,
            attempts: letter.attempts,
            last_error: letter.last_error,
            dead_lettered_at: letter.dead_lettered_at,
        }
    }
}

/// The dead letters, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetters {
    /// Each message given up on and not sent since.
    pub dead_letters: Vec<DeadLetterView>,
}

/// How many messages went back in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requeued {
    /// Messages queued again.
    pub requeued: u64,
}

fn outbox_failed(error: sqlx::Error) -> ApiError {
    ApiError::internal(error.into())
}

/// The messages the mail sender gave up on after its bounded retries.
#[utoipa::path(get, path = "/admin/mail/dead-letters", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "The dead letters.", body = DeadLetters),
        RoleProblems, ServerProblems,
    ))]
async fn list_dead_letters(
    State(state): State<AppState>,
    _admin: AdminSession,
) -> Result<ApiJson<DeadLetters>, ApiError> {
    let letters = dead_letters(&state.pool).await.map_err(outbox_failed)?;
    Ok(ApiJson(DeadLetters {
        dead_letters: letters.into_iter().map(DeadLetterView::from).collect(),
    }))
}

/// Puts one dead letter back in the sender's queue, due now, with a fresh set of attempts.
#[utoipa::path(post, path = "/admin/mail/dead-letters/{message_id}/retry", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("message_id" = i64, Path, description = "The message's id.")),
    responses(
        (status = 204, description = "Queued again."),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn retry_one(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(message_id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    if retry_dead_letter(&state.pool, message_id)
        .await
        .map_err(outbox_failed)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("This dead letter"))
    }
}

/// Puts every dead letter back in the sender's queue.
#[utoipa::path(post, path = "/admin/mail/dead-letters/retry", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "How many were queued again.", body = Requeued),
        RoleProblems, ServerProblems,
    ))]
async fn retry_all(
    State(state): State<AppState>,
    _admin: AdminSession,
) -> Result<ApiJson<Requeued>, ApiError> {
    let requeued = retry_all_dead_letters(&state.pool)
        .await
        .map_err(outbox_failed)?;
    Ok(ApiJson(Requeued { requeued }))
}

//! Authentication and authorization of requests: who is calling (a session, from the
//! `carneau_session` cookie or `Authorization: Bearer`), and what they may do.
//!
//! A handler states what it needs by the extractor it takes:
//!
//! | extractor | lets through | otherwise |
//! | --- | --- | --- |
//! | [`MaybeSignedIn`] | everyone (`None` when anonymous or the token is unknown) | - |
//! | [`SignedIn`] | any live session | 401 `unauthorized` |
//! | [`OrganiserSession`] | organisers and admins | 401, or 403 `forbidden` |
//! | [`AdminSession`] | admins | 401, or 403 `forbidden` |
//!
//! The rules themselves are `carneau_commands::policy`'s; this module only asks them.
//! Per-event rules take the principal and the event: [`require_event_manager`] (owner
//! or admin, else 403 `not-event-organiser`) and [`may_work_door`] (owner, admin or door
//! staff granted for that event). A request's session is resolved once (Redis, no
//! PostgreSQL on a hit) and kept in the request's extensions for the other extractors.

mod client_address;
mod cookie;
mod openapi;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use carneau_commands::accounts::{Session, SessionToken};
use carneau_commands::{policy, CommandContext};
use carneau_domain::event::Event;
use carneau_domain::ids::EventId;

pub use carneau_commands::accounts::Principal;
pub use client_address::ClientAddress;
pub use cookie::{clear_session_cookie, session_cookie, SESSION_COOKIE};
pub use openapi::{SessionSchemes, BEARER_SCHEME, COOKIE_SCHEME};

use crate::problem::mapping::{command_problem, event_not_found, not_event_organiser};
use crate::problem::ApiError;
use crate::state::AppState;

/// The session a request presented, resolved once and kept in its extensions.
#[derive(Clone)]
struct ResolvedSession(Option<Session>);

/// The token a request presents: `Authorization: Bearer` first, else the cookie. A bearer
/// value that is not shaped like a session token (a reservation token, say) is ignored.
fn presented_token(headers: &HeaderMap) -> Option<SessionToken> {
    bearer_token(headers)
        .and_then(SessionToken::parse)
        .or_else(|| cookie::session_token(headers))
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Session>, ApiError> {
    if let Some(ResolvedSession(session)) = parts.extensions.get::<ResolvedSession>() {
        return Ok(session.clone());
    }
    let session = match presented_token(&parts.headers) {
        Some(token) => state
            .accounts
            .sessions()
            .resolve(&token)
            .await
            .map_err(ApiError::internal)?,
        None => None,
    };
    parts.extensions.insert(ResolvedSession(session.clone()));
    Ok(session)
}

fn not_signed_in() -> ApiError {
    ApiError::unauthorized(
        "Sign in first: send the session cookie or `Authorization: Bearer <session token>`.",
    )
}

/// The caller's session if there is a live one; anonymous callers get `None`.
pub struct MaybeSignedIn(pub Option<Session>);

/// A signed-in caller (any role). 401 otherwise.
pub struct SignedIn(pub Session);

/// An organiser or an admin. 401 when not signed in, 403 for other accounts.
pub struct OrganiserSession(pub Session);

/// An admin. 401 when not signed in, 403 for other accounts.
pub struct AdminSession(pub Session);

impl<S> FromRequestParts<S> for MaybeSignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(resolve(parts, &AppState::from_ref(state)).await?))
    }
}

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        resolve(parts, &AppState::from_ref(state))
            .await?
            .map(Self)
            .ok_or_else(not_signed_in)
    }
}

/// Implements an extractor that lets through signed-in callers for whom `$allowed` (a
/// rule of [`policy`]) holds, and answers 403 `forbidden` with `$refusal` to the others.
macro_rules! role_session {
    ($extractor:ident, $allowed:path, $refusal:literal) => {
        impl<S> FromRequestParts<S> for $extractor
        where
            AppState: FromRef<S>,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
                if $allowed(&session.principal) {
                    Ok(Self(session))
                } else {
                    Err(ApiError::forbidden($refusal))
                }
            }
        }
    };
}

role_session!(
    OrganiserSession,
    policy::may_use_organiser_routes,
    "This route is for organisers; ask an admin to make your account an organiser."
);
role_session!(AdminSession, policy::is_admin, "This route is for admins.");

/// The command context of a request made by `principal` (its account, whether it acts
/// as an admin, and the request id).
pub fn command_context(principal: &Principal) -> CommandContext {
    CommandContext::account(
        principal.account_id,
        policy::is_admin(principal),
        crate::request_id::current().map(|id| id.to_string()),
    )
}

/// Loads the event from its history (no lag): 404 `event-not-found` when it does not exist.
pub async fn load_event(state: &AppState, event_id: EventId) -> Result<Event, ApiError> {
    Ok(state
        .catalogue
        .load(event_id)
        .await
        .map_err(command_problem)?
        .ok_or_else(event_not_found)?
        .state)
}

/// Loads the event (from its history: no lag) and checks that `principal` may manage it:
/// 404 `event-not-found` when it does not exist, 403 `not-event-organiser` when it is
/// another organiser's (or the caller is no organiser). For routes that do not run a
/// catalogue command (command routes get the same check inside the command, for free).
pub async fn require_event_manager(
    state: &AppState,
    principal: &Principal,
    event_id: EventId,
) -> Result<Event, ApiError> {
    if !policy::may_use_organiser_routes(principal) {
        return Err(not_event_organiser());
    }
    let event = load_event(state, event_id).await?;
    if policy::may_manage_event(principal, &event) {
        Ok(event)
    } else {
        Err(not_event_organiser())
    }
}

/// Whether `principal` may check tickets in at `event_id`'s door
/// ([`policy::may_work_door`]): door staff granted for that event or an admin (decided
/// from the cached principal, no query), or the event's organiser (one load of the
/// event). `false` for an event that does not exist.
pub async fn may_work_door(
    state: &AppState,
    principal: &Principal,
    event_id: EventId,
) -> Result<bool, ApiError> {
    if policy::may_work_door(principal, event_id, None) {
        return Ok(true);
    }
    if !policy::may_use_organiser_routes(principal) {
        return Ok(false);
    }
    let event = state
        .catalogue
        .load(event_id)
        .await
        .map_err(command_problem)?;
    Ok(policy::may_work_door(
        principal,
        event_id,
        event.as_ref().map(|event| &event.state),
    ))
}

//! Who may work an event's door: a signed-in caller who is the event's organiser, an
//! admin, or door staff granted for that event (`carneau_commands::policy::may_work_door`).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use carneau_commands::{policy, CommandContext};
use carneau_domain::event::Event;
use carneau_domain::ids::EventId;

use crate::auth::{command_context, Principal, SignedIn};
use crate::problem::mapping::{command_problem, event_not_found, not_door_staff};
use crate::problem::ApiError;
use crate::state::AppState;

/// A signed-in caller of the door routes, not yet checked against an event (401
/// `unauthorized` when not signed in).
pub struct DoorAgent {
    principal: Principal,
}

impl<S> FromRequestParts<S> for DoorAgent
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self {
            principal: session.principal,
        })
    }
}

impl DoorAgent {
    /// 404 `event-not-found` for an unknown event; 403 `not-door-staff` unless the
    /// caller may work its door ([`policy::may_work_door`], decided on the one load of
    /// the event). Returns the event as loaded, for routes that show it.
    pub async fn require(&self, state: &AppState, event_id: EventId) -> Result<Event, ApiError> {
        let event = state
            .catalogue
            .load(event_id)
            .await
            .map_err(command_problem)?
            .ok_or_else(event_not_found)?;
        if policy::may_work_door(&self.principal, event_id, Some(&event.state)) {
            Ok(event.state)
        } else {
            tracing::info!(account = %self.principal.account_id, %event_id, "door access refused");
            Err(not_door_staff())
        }
    }

    /// Which events' doors this agent may work, for listing them.
    pub fn scope(&self) -> policy::DoorScope {
        policy::door_scope(&self.principal)
    }

    /// The command context of this agent's check-ins.
    pub fn command_context(&self) -> CommandContext {
        command_context(&self.principal)
    }
}

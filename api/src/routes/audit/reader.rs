//! Who reads the log, and how much of it: the signed-in caller with their
//! [`LogScope`], decided by `policy::log_scope` (401 when not signed in, 403 for accounts
//! that may read no part of it).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use carneau_commands::accounts::Principal;
use carneau_commands::policy::{self, LogScope};
use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_projections::LogFilter;

use crate::auth::{load_event, SignedIn};
use crate::problem::mapping::{not_event_organiser, not_log_reader};
use crate::problem::ApiError;
use crate::state::AppState;

/// A caller who may read some of the log, and which part.
pub struct LogReader {
    /// The signed-in account.
    pub principal: Principal,
    /// What it may read.
    pub scope: LogScope,
}

impl<S> FromRequestParts<S> for LogReader
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        let scope = policy::log_scope(&session.principal).ok_or_else(not_log_reader)?;
        Ok(Self {
            principal: session.principal,
            scope,
        })
    }
}

impl LogReader {
    /// `filter` narrowed to what this reader may see: an organiser's reads are limited to
    /// the streams of their own events.
    pub fn scoped(&self, mut filter: LogFilter) -> LogFilter {
        if let LogScope::EventsOrganisedBy(account_id) = self.scope {
            filter.organiser = Some(account_id.as_uuid());
        }
        filter
    }

    /// Loads the event (from its history) and checks that this reader may read its part
    /// of the log: 404 `event-not-found` when it does not exist, 403
    /// `not-event-organiser` when it is another organiser's.
    pub async fn require_event(
        &self,
        state: &AppState,
        event_id: EventId,
    ) -> Result<Event, ApiError> {
        let event = load_event(state, event_id).await?;
        if policy::may_read_event_log(&self.principal, &event) {
            Ok(event)
        } else {
            Err(not_event_organiser())
        }
    }
}

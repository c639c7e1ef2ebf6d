//! The door: check tickets in by their scanned code. What scanners download to check
//! codes offline is in `door_lists`, the offline batches in `door_offline`.
//!
//! Every scan that can be judged gets `200` with a verdict (`admitted`,
//! `already_checked_in`, `revoked`, `not_issued`, `forged`, `wrong_event`,
//! `unreadable`): a scanner wants a verdict to show, not an error. Problems are for
//! requests that cannot be judged: not signed in, not allowed at this door, an unknown
//! event, a malformed body.

use axum::extract::State;
use carneau_commands::policy::DoorScope;
use carneau_domain::ids::EventId;
use carneau_domain::ticket_code::CodeError;
use carneau_projections::catalogue::{
    door_events as door_events_of, DoorEventsOf, OrganiserEventSummary,
};
use carneau_projections::door_staff::account_names;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::actor::ActorView;
use crate::door_access::DoorAgent;
use crate::extract::{ApiJson, ApiPath};
use crate::metrics::{self, ScanMode};
use crate::problem::mapping::check_in_refusal;
use crate::problem::responses::{BodyProblems, NotFoundProblem, ServerProblems, SignedInProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "door";

/// The longest scanned text accepted (a code is 156 characters).
const MAX_SCANNED_CHARS: usize = 512;

/// The door routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(door_events))
        .routes(routes!(check_in))
        .routes(routes!(super::door_offline::offline_scans))
        .routes(routes!(super::door_lists::scanner_data))
        .routes(routes!(super::door_lists::check_in_counts))
        .routes(routes!(super::door_lists::double_entries))
}

/// How long after its end an event stays in the door list (late leavers, re-entries).
const DOOR_LIST_AFTER_END: Duration = Duration::hours(12);

/// The events whose door the caller may work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorEventList {
    /// Soonest first (at most 500).
    pub events: Vec<OrganiserEventSummary>,
}

/// The events whose door the caller may work, soonest first: those it was made door
/// staff of, those it organises, every event for an admin. Drafts (nothing sold) and
/// events that ended more than 12 hours ago are left out. From the catalogue read model:
/// an event published a moment ago may take a moment to appear. Any signed-in account
/// may ask; one with no door gets an empty list.
#[utoipa::path(get, path = "/door/events", tag = TAG,
    responses(
        (status = 200, description = "The events.", body = DoorEventList),
        SignedInProblems, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
async fn door_events(
    State(state): State<AppState>,
    agent: DoorAgent,
) -> Result<ApiJson<DoorEventList>, ApiError> {
    let (every, organiser, door_staff) = match agent.scope() {
        DoorScope::Every => (true, None, Vec::new()),
        DoorScope::Of {
            organiser,
            door_staff,
        } => (
            false,
            organiser.map(|id| id.as_uuid()),
            door_staff.iter().map(|id| id.as_uuid()).collect(),
        ),
    };
    let of = DoorEventsOf {
        every,
        organiser,
        door_staff: &door_staff,
    };
    let events = door_events_of(&state.pool, of, Utc::now() - DOOR_LIST_AFTER_END).await?;
    Ok(ApiJson(DoorEventList { events }))
}

/// A scanned code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The text the QR code carried.
    pub code: String,
}

/// What the door should do with the person holding the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Let them in: the first scan of a genuine, valid ticket (now recorded).
    Admitted,
    /// Someone was already let in on this ticket (`checked_in_at`, `checked_in_by`).
    AlreadyCheckedIn,
    /// The ticket was refunded: its code no longer admits anyone.
    Revoked,
    /// A genuine code, but no order issued the ticket: do not admit.
    NotIssued,
    /// The code is forged or was altered.
    Forged,
    /// A genuine ticket, of another event (`code_event_id`).
    WrongEvent,
    /// The text is not a ticket code.
    Unreadable,
}

impl Verdict {
    /// Its name as the scanner reads it (`already_checked_in`): the metrics' label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admitted => "admitted",
            Self::AlreadyCheckedIn => "already_checked_in",
            Self::Revoked => "revoked",
            Self::NotIssued => "not_issued",
            Self::Forged => "forged",
            Self::WrongEvent => "wrong_event",
            Self::Unreadable => "unreadable",
        }
    }
}

/// The verdict on one scan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanResult {
    /// What to do.
    pub verdict: Verdict,
    /// `true` only for `admitted`.
    pub admitted: bool,
    /// The ticket, when the code is genuine.
    pub ticket_id: Option<Uuid>,
    /// When it was (first) checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Who checked it in (the door agent).
    pub checked_in_by: Option<ActorView>,
    /// The name of whoever checked it in (`checked_in_by`), when the accounts read model
    /// knows it.
    pub checked_in_by_name: Option<String>,
    /// The device that admitted it, when it was scanned offline (absent for an online
    /// check-in).
    pub checked_in_device: Option<String>,
    /// The ticket's type, for the door to call out (from the tickets read model, a
    /// moment behind the log: absent for a ticket issued a second ago).
    pub ticket_type_name: Option<String>,
    /// Who the ticket is for, for the door to compare with the person holding it (from
    /// the tickets read model, like `ticket_type_name`; absent when the event does not
    /// ask for names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendee_name: Option<String>,
    /// The event a `wrong_event` ticket is for.
    pub code_event_id: Option<Uuid>,
    /// That event's title, to send its holder to the right door.
    pub code_event_title: Option<String>,
    /// A sentence for the door agent.
    pub detail: String,
}

impl ScanResult {
    pub(crate) fn refused(verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            verdict,
            admitted: false,
            ticket_id: None,
            checked_in_at: None,
            checked_in_by: None,
            checked_in_by_name: None,
            checked_in_device: None,
            ticket_type_name: None,
            attendee_name: None,
            code_event_id: None,
            code_event_title: None,
            detail: detail.into(),
        }
    }

    /// Adds what the door shows besides the verdict: the ticket's type, who checked it
    /// in, the title of the event a wrong-event ticket is for. Read models and the
    /// event store only: a failure leaves the verdict without them rather than failing
    /// a scan already decided (and, for an admission, recorded).
    async fn described(mut self, state: &AppState) -> Self {
        if let Some(ticket_id) = self.ticket_id {
            match carneau_projections::tickets::ticket(&state.pool, ticket_id).await {
                Ok(Some(ticket)) => {
                    self.ticket_type_name = Some(ticket.ticket_type_name);
                    self.attendee_name = ticket.attendee_name;
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "ticket type of a scan not read"),
            }
        }
        if let Some(ActorView::Account { account_id }) = &self.checked_in_by {
            if self.verdict == Verdict::AlreadyCheckedIn {
                match account_names(&state.pool, &[*account_id]).await {
                    Ok(names) => {
                        self.checked_in_by_name = names.into_iter().next().and_then(|n| n.name)
                    }
                    Err(error) => tracing::warn!(%error, "name of a door agent not read"),
                }
            }
        }
        if let Some(event_id) = self.code_event_id {
            match state.catalogue.load(EventId::from_uuid(event_id)).await {
                Ok(event) => {
                    self.code_event_title = event
                        .as_ref()
                        .and_then(|e| e.state.details())
                        .map(|d| d.title.as_str().to_owned())
                }
                Err(error) => tracing::warn!(%error, "title of a wrong event not read"),
            }
        }
        self
    }
}

/// Checks a ticket in by its scanned code. The first scan of a genuine, unrevoked
/// ticket of this event admits and is recorded in the log; every later scan says when
/// and by whom it was admitted. Revocation is decided from the event log (the ticket's
/// order), not from a read model: a refund recorded before the scan is always seen.
/// For the event's organiser, admins and its door staff.
#[utoipa::path(post, path = "/door/events/{event_id}/check-ins", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event whose door scans.")),
    request_body = CheckInRequest,
    responses(
        (status = 200, description = "The verdict on the scan.", body = ScanResult),
        (status = 403, description = "Not allowed at this door (`not-door-staff`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, SignedInProblems, NotFoundProblem, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
async fn check_in(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    agent: DoorAgent,
    ApiJson(request): ApiJson<CheckInRequest>,
) -> Result<ApiJson<ScanResult>, ApiError> {
    agent.require(&state, event_id).await?;
    let result = judge_scan(&state, event_id, &agent, &request).await?;
    metrics::door_scan(result.verdict.label(), ScanMode::Online);
    Ok(ApiJson(result))
}

/// The verdict on one online scan (an admission is recorded in the log).
async fn judge_scan(
    state: &AppState,
    event_id: EventId,
    agent: &DoorAgent,
    request: &CheckInRequest,
) -> Result<ScanResult, ApiError> {
    if request.code.chars().count() > MAX_SCANNED_CHARS {
        return Ok(ScanResult::refused(
            Verdict::Unreadable,
            "This is not a ticket code.",
        ));
    }
    let ticket_id = match state.ticket_codes.judge(event_id, &request.code) {
        Ok(ticket_id) => ticket_id,
        Err(CodeError::Unreadable) => {
            return Ok(ScanResult::refused(
                Verdict::Unreadable,
                "This is not a ticket code.",
            ))
        }
        Err(CodeError::Forged) => {
            tracing::warn!(%event_id, "forged or altered ticket code scanned");
            return Ok(ScanResult::refused(
                Verdict::Forged,
                "This code is forged or altered: do not admit.",
            ));
        }
        Err(CodeError::WrongEvent { event_id: other }) => {
            let result = ScanResult {
                code_event_id: Some(other.as_uuid()),
                ..ScanResult::refused(Verdict::WrongEvent, "This ticket is for another event.")
            };
            return Ok(result.described(state).await);
        }
    };
    let context = agent.command_context();
    let result = match state
        .door
        .check_in(ticket_id, event_id, Utc::now(), &context)
        .await
    {
        Ok(check_in) => ScanResult {
            verdict: Verdict::Admitted,
            admitted: true,
            ticket_id: Some(ticket_id.as_uuid()),
            checked_in_at: Some(check_in.checked_in_at),
            checked_in_by: Some(ActorView::from(&check_in.checked_in_by)),
            ..ScanResult::refused(Verdict::Admitted, "Valid ticket: admit one.")
        },
        Err(error) => check_in_refusal(ticket_id, error)?,
    };
    Ok(result.described(state).await)
}

// One value today; an enum so a scanner's generated types say which algorithms it
// must support.
/// How ticket codes are signed: `Ed25519` (RFC 8032).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SignatureAlgorithm {
    /// Ed25519 signatures (RFC 8032).
    Ed25519,
}

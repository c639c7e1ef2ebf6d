//! The door's batch route for scans made offline: a scanner that lost its network
//! sends its queue when it is back, and every scan gets its own verdict, in order.

use axum::extract::State;
use carneau_commands::tickets::{
    OfflineScanOfTicket, OfflineScanOutcome, OfflineScanResult as Recorded,
};
use carneau_commands::CommandError;
use carneau_domain::admission::{AdmissionError, CheckIn, DeviceId, ScanRecord};
use carneau_domain::ids::{EventId, TicketId};
use carneau_domain::ticket_code::CodeError;
use chrono::{DateTime, SubsecRound as _, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::actor::ActorView;
use super::door::TAG;
use crate::door_access::DoorAgent;
use crate::extract::{ApiJson, ApiPath};
use crate::metrics::{self, ScanMode};
use crate::problem::responses::{BodyProblems, NotFoundProblem, ServerProblems, SignedInProblems};
use crate::problem::{ApiError, FieldError};
use crate::state::AppState;

/// The most scans one batch may carry. The request body limit (64 KiB) holds about 290
/// scans of 156-character codes; a scanner with more sends several batches.
pub const MAX_SCANS_PER_BATCH: usize = 250;

/// The longest scanned text judged as a code (a code is 156 characters).
const MAX_SCANNED_CHARS: usize = 512;

/// A scanner's queue of offline scans.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineScansRequest {
    /// The scanner's own id: 1 to 64 printable ASCII characters, no spaces. Keep it for
    /// the device's lifetime: a scan is known again by its ticket, device and time.
    pub device_id: String,
    /// The scans, oldest first; at most 250.
    pub scans: Vec<OfflineScanRequest>,
}

/// One scan made offline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineScanRequest {
    /// The text the QR code carried.
    pub code: String,
    /// When the device scanned it (RFC 3339), not when it is sent; kept to the
    /// microsecond.
    pub scanned_at: DateTime<Utc>,
}

/// What became of one offline scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfflineVerdict {
    /// Recorded as the ticket's admission.
    Admitted,
    /// The ticket was admitted before: recorded as a duplicate entry for the organiser.
    DuplicateEntry,
    /// This very scan (ticket, device, scan time) was recorded before; nothing new
    /// (`recorded_as` says what it became).
    AlreadyRecorded,
    /// Refused: the ticket was refunded.
    Revoked,
    /// Refused: a genuine code, but no order issued the ticket.
    NotIssued,
    /// Refused: the code is forged or altered.
    Forged,
    /// Refused: a genuine ticket of another event (`code_event_id`).
    WrongEvent,
    /// Refused: not a ticket code.
    Unreadable,
    /// Refused: the scan time is in the future (beyond five minutes of clock skew) or
    /// before the ticket was issued; the device's clock is wrong.
    ImplausibleScanTime,
}

impl OfflineVerdict {
    /// Its name as the scanner reads it (`duplicate_entry`): the metrics' label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admitted => "admitted",
            Self::DuplicateEntry => "duplicate_entry",
            Self::AlreadyRecorded => "already_recorded",
            Self::Revoked => "revoked",
            Self::NotIssued => "not_issued",
            Self::Forged => "forged",
            Self::WrongEvent => "wrong_event",
            Self::Unreadable => "unreadable",
            Self::ImplausibleScanTime => "implausible_scan_time",
        }
    }
}

/// The verdict on one offline scan, at the index of the scan it answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfflineScanResult {
    /// What became of it.
    pub verdict: OfflineVerdict,
    /// Whether it is (or was already) recorded in the log: `admitted`,
    /// `duplicate_entry` and `already_recorded`. A scanner drops recorded scans from its
    /// queue, and refused ones too (sending them again gets the same refusal).
    pub recorded: bool,
    /// For `already_recorded`: `admitted` or `duplicate_entry`.
    pub recorded_as: Option<OfflineVerdict>,
    /// The ticket, when the code is genuine.
    pub ticket_id: Option<Uuid>,
    /// The scan time it was sent with.
    pub scanned_at: DateTime<Utc>,
    /// When the admission of record scanned the ticket.
    pub admitted_at: Option<DateTime<Utc>>,
    /// Who scanned the admission of record.
    pub admitted_by: Option<ActorView>,
    /// The device of the admission of record, if it was offline.
    pub admitted_device_id: Option<String>,
    /// The event a `wrong_event` ticket is for.
    pub code_event_id: Option<Uuid>,
    /// A sentence for the door agent.
    pub detail: String,
}

/// The answer to a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfflineScansResponse {
    /// The device the scans came from.
    pub device_id: String,
    /// When the server received the batch.
    pub received_at: DateTime<Utc>,
    /// One result per scan, in the order of `scans`.
    pub results: Vec<OfflineScanResult>,
}

/// Records a scanner's offline scans. Each scan is judged like an online check-in (the
/// code's signature and event, the ticket's order) and recorded with its device and scan
/// time: the first scan of a ticket recorded is its admission (marked offline), any
/// later one a duplicate entry the organiser sees. Sending the same batch again records
/// nothing twice (a scan is known by ticket, device and scan time), so no
/// `Idempotency-Key` is needed. One bad scan never fails the batch. For the event's
/// organiser, admins and its door staff.
#[utoipa::path(post, path = "/door/events/{event_id}/offline-scans", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event whose door scanned.")),
    request_body = OfflineScansRequest,
    responses(
        (status = 200, description = "A verdict per scan, in order.", body = OfflineScansResponse),
        (status = 403, description = "Not allowed at this door (`not-door-staff`).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, SignedInProblems, NotFoundProblem, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
pub(super) async fn offline_scans(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    agent: DoorAgent,
    ApiJson(request): ApiJson<OfflineScansRequest>,
) -> Result<ApiJson<OfflineScansResponse>, ApiError> {
    agent.require(&state, event_id).await?;
    let device_id = parse_batch(&request)?;
    let received_at = Utc::now();
    let context = agent.command_context();
    // Codes first (no I/O); the genuine ones are recorded in one batch, which reads the
    // tickets' admissions and orders once.
    let judged: Vec<(DateTime<Utc>, Result<TicketId, CodeRefusal>)> = request
        .scans
        .iter()
        .map(|scan| {
            // PostgreSQL keeps microseconds: a scan time finer than that would not read
            // back from the read models as the scanner sent it, nor match it when sent
            // again.
            let scanned_at = scan.scanned_at.trunc_subsecs(6);
            (scanned_at, judge_code(&state, event_id, &scan.code))
        })
        .collect();
    let genuine: Vec<OfflineScanOfTicket> = judged
        .iter()
        .filter_map(|(scanned_at, judged)| {
            judged.as_ref().ok().map(|ticket_id| OfflineScanOfTicket {
                ticket_id: *ticket_id,
                device_id: device_id.clone(),
                scanned_at: *scanned_at,
            })
        })
        .collect();
    let mut outcomes = state
        .door
        .record_offline_scans(event_id, &genuine, received_at, &context)
        .await
        .map_err(ApiError::store)?
        .into_iter();
    let mut results = Vec::with_capacity(judged.len());
    for (scanned_at, judged) in judged {
        results.push(match judged {
            Err(refusal) => refusal.at(scanned_at),
            Ok(ticket_id) => {
                let outcome = outcomes.next().ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a recorded scan has no outcome"))
                })?;
                scan_result(ticket_id, scanned_at, outcome)?
            }
        });
    }
    for result in &results {
        metrics::door_scan(result.verdict.label(), ScanMode::Offline);
    }
    tracing::info!(%event_id, device = %device_id, scans = results.len(), "offline scans synced");
    Ok(ApiJson(OfflineScansResponse {
        device_id: device_id.to_string(),
        received_at,
        results,
    }))
}

/// The device id, or 422 `validation` naming the bad fields.
fn parse_batch(request: &OfflineScansRequest) -> Result<DeviceId, ApiError> {
    let mut errors = Vec::new();
    let device_id = DeviceId::parse(&request.device_id)
        .map_err(|error| errors.push(FieldError::new("device_id", error.to_string())))
        .ok();
    if request.scans.len() > MAX_SCANS_PER_BATCH {
        errors.push(FieldError::new(
            "scans",
            format!("at most {MAX_SCANS_PER_BATCH} scans per batch; send the rest in another"),
        ));
    }
    match device_id {
        Some(device_id) if errors.is_empty() => Ok(device_id),
        _ => Err(ApiError::validation(errors)),
    }
}

/// A scan refused before its ticket's admission was consulted.
struct CodeRefusal {
    verdict: OfflineVerdict,
    code_event_id: Option<Uuid>,
    detail: &'static str,
}

impl CodeRefusal {
    fn at(self, scanned_at: DateTime<Utc>) -> OfflineScanResult {
        OfflineScanResult {
            code_event_id: self.code_event_id,
            ..refused(self.verdict, None, scanned_at, self.detail)
        }
    }
}

/// The ticket a scanned text admits at `event_id`'s door, as online check-in judges it.
fn judge_code(state: &AppState, event_id: EventId, code: &str) -> Result<TicketId, CodeRefusal> {
    let refusal = |verdict, detail| CodeRefusal {
        verdict,
        code_event_id: None,
        detail,
    };
    if code.chars().count() > MAX_SCANNED_CHARS {
        return Err(refusal(
            OfflineVerdict::Unreadable,
            "This is not a ticket code.",
        ));
    }
    state
        .ticket_codes
        .judge(event_id, code)
        .map_err(|error| match error {
            CodeError::Unreadable => {
                refusal(OfflineVerdict::Unreadable, "This is not a ticket code.")
            }
            CodeError::Forged => {
                tracing::warn!(%event_id, "forged or altered ticket code synced from a scanner");
                refusal(OfflineVerdict::Forged, "This code is forged or altered.")
            }
            CodeError::WrongEvent { event_id: other } => CodeRefusal {
                verdict: OfflineVerdict::WrongEvent,
                code_event_id: Some(other.as_uuid()),
                detail: "This ticket is for another event.",
            },
        })
}

fn refused(
    verdict: OfflineVerdict,
    ticket_id: Option<TicketId>,
    scanned_at: DateTime<Utc>,
    detail: impl Into<String>,
) -> OfflineScanResult {
    OfflineScanResult {
        verdict,
        recorded: false,
        recorded_as: None,
        ticket_id: ticket_id.map(|id| id.as_uuid()),
        scanned_at,
        admitted_at: None,
        admitted_by: None,
        admitted_device_id: None,
        code_event_id: None,
        detail: detail.into(),
    }
}

/// The result of a scan whose code was genuine; a store failure fails the batch (a
/// problem), since the scanner must send it again.
fn scan_result(
    ticket_id: TicketId,
    scanned_at: DateTime<Utc>,
    outcome: Recorded,
) -> Result<OfflineScanResult, ApiError> {
    let recorded = |verdict, recorded_as, admission: Option<CheckIn>, detail: &str| {
        let admission = admission.as_ref();
        OfflineScanResult {
            recorded: true,
            recorded_as,
            admitted_at: admission.map(|a| a.checked_in_at),
            admitted_by: admission.map(|a| ActorView::from(&a.checked_in_by)),
            admitted_device_id: admission.and_then(|a| a.device_id.as_ref().map(|d| d.to_string())),
            ..refused(verdict, Some(ticket_id), scanned_at, detail)
        }
    };
    Ok(match outcome {
        Ok(OfflineScanOutcome::Admitted(admission)) => recorded(
            OfflineVerdict::Admitted,
            None,
            Some(admission),
            "Admitted: recorded as the ticket's entry.",
        ),
        Ok(OfflineScanOutcome::DuplicateEntry { admission }) => recorded(
            OfflineVerdict::DuplicateEntry,
            None,
            Some(admission),
            "This ticket was already admitted: recorded as a duplicate entry.",
        ),
        Ok(OfflineScanOutcome::AlreadyRecorded { record, admission }) => recorded(
            OfflineVerdict::AlreadyRecorded,
            Some(match record {
                ScanRecord::Admission => OfflineVerdict::Admitted,
                ScanRecord::DuplicateEntry => OfflineVerdict::DuplicateEntry,
            }),
            admission,
            "This scan was already recorded.",
        ),
        Err(CommandError::Rejected(reason)) => {
            let verdict = match reason {
                AdmissionError::Revoked => OfflineVerdict::Revoked,
                AdmissionError::NotIssued => OfflineVerdict::NotIssued,
                AdmissionError::ScannedInFuture { .. }
                | AdmissionError::ScannedBeforeIssue { .. } => OfflineVerdict::ImplausibleScanTime,
                // The offline rules never refuse an admitted ticket: they record a
                // duplicate entry instead.
                AdmissionError::AlreadyCheckedIn { .. } => {
                    return Err(ApiError::internal(anyhow::Error::new(reason)))
                }
            };
            refused(verdict, Some(ticket_id), scanned_at, reason.to_string())
        }
        Err(CommandError::Store(error)) => return Err(ApiError::store(error)),
        Err(error @ (CommandError::Conflict | CommandError::IdempotencyKeyReused)) => {
            return Err(ApiError::internal(anyhow::Error::new(error)))
        }
    })
}

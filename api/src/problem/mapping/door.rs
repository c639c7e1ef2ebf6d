//! The door's answers: who may not work it (`not-door-staff`), and a refused check-in
//! (`AdmissionError`) as the verdict the door agent acts on.

use axum::http::StatusCode;
use carneau_commands::CommandError;
use carneau_domain::admission::AdmissionError;
use carneau_domain::ids::TicketId;

use crate::problem::ApiError;
use crate::routes::actor::ActorView;
use crate::routes::door::{ScanResult, Verdict};

/// 403 `not-door-staff`.
pub fn not_door_staff() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not-door-staff",
        "Not door staff of this event",
        "Only the event's organiser, admins and door staff granted for this event may \
         check tickets in.",
    )
}

/// A check-in the admission refused is a verdict (200: do not admit, and why); a failed
/// one is a problem.
pub fn check_in_refusal(
    ticket_id: TicketId,
    error: CommandError<AdmissionError>,
) -> Result<ScanResult, ApiError> {
    let refusal = match error {
        CommandError::Rejected(refusal) => refusal,
        CommandError::Store(error) => return Err(ApiError::store(error)),
        error @ (CommandError::Conflict | CommandError::IdempotencyKeyReused) => {
            return Err(ApiError::internal(anyhow::Error::new(error)))
        }
    };
    let ticket_id = Some(ticket_id.as_uuid());
    Ok(match refusal {
        AdmissionError::AlreadyCheckedIn {
            checked_in_at,
            checked_in_by,
            checked_in_device,
        } => ScanResult {
            ticket_id,
            checked_in_at: Some(checked_in_at),
            checked_in_by: Some(ActorView::from(&checked_in_by)),
            checked_in_device: checked_in_device.as_ref().map(|d| d.as_str().to_owned()),
            ..ScanResult::refused(
                Verdict::AlreadyCheckedIn,
                match &checked_in_device {
                    Some(device) => format!(
                        "Already checked in at {checked_in_at} by {checked_in_by} on device \
                         {device} (offline): do not admit."
                    ),
                    None => format!(
                        "Already checked in at {checked_in_at} by {checked_in_by}: do not admit."
                    ),
                },
            )
        },
        AdmissionError::Revoked => ScanResult {
            ticket_id,
            ..ScanResult::refused(Verdict::Revoked, "This ticket was refunded: do not admit.")
        },
        AdmissionError::NotIssued => ScanResult {
            ticket_id,
            ..ScanResult::refused(
                Verdict::NotIssued,
                "No order issued this ticket: do not admit.",
            )
        },
        // Only offline scans carry a time of their own; an online check-in is timed by
        // the server.
        error @ (AdmissionError::ScannedInFuture { .. }
        | AdmissionError::ScannedBeforeIssue { .. }) => {
            return Err(ApiError::internal(anyhow::Error::new(error)))
        }
    })
}

//! The rules of offline scans (see the module doc of [`super`] for why the first scan
//! recorded stays the admission).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{
    refuse_unless_valid, Admission, AdmissionCommand, AdmissionError, AdmissionEvent, OfflineScan,
};

/// How far a phone's clock may be off the server's before its scan times are refused:
/// phones set their clocks from the network and drift seconds, not minutes.
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::minutes(5);

/// What a recorded offline scan became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScanRecord {
    /// The ticket's admission of record.
    Admission,
    /// A duplicate entry on a ticket already admitted.
    DuplicateEntry,
}

impl Admission {
    /// Decides a [`AdmissionCommand::RecordOfflineScan`] (any other command is decided
    /// by [`Admission::decide`]).
    pub(super) fn decide_offline(
        &self,
        command: AdmissionCommand,
    ) -> Result<Vec<AdmissionEvent>, AdmissionError> {
        let AdmissionCommand::RecordOfflineScan {
            ticket_id,
            event_id,
            device_id,
            scanned_at,
            received_at,
            by,
            standing,
            issued_at,
        } = command
        else {
            return self.decide(command);
        };
        // Sent again (the scanner could not tell whether its batch arrived): nothing new,
        // even if the ticket was refunded since.
        if self.offline_scan(&device_id, scanned_at).is_some() {
            return Ok(vec![]);
        }
        refuse_unless_valid(standing)?;
        if scanned_at > received_at + CLOCK_SKEW_ALLOWANCE {
            return Err(AdmissionError::ScannedInFuture { scanned_at });
        }
        if let Some(issued_at) =
            issued_at.filter(|issued| scanned_at < *issued - CLOCK_SKEW_ALLOWANCE)
        {
            return Err(AdmissionError::ScannedBeforeIssue {
                scanned_at,
                issued_at,
            });
        }
        let event = match &self.check_in {
            None => AdmissionEvent::TicketCheckedIn {
                ticket_id,
                event_id,
                checked_in_at: scanned_at,
                checked_in_by: by,
                offline: Some(OfflineScan {
                    device_id,
                    synced_at: received_at,
                }),
            },
            Some(admission) => AdmissionEvent::DuplicateEntryRecorded {
                ticket_id,
                event_id,
                device_id,
                scanned_at,
                scanned_by: by,
                synced_at: received_at,
                admitted_at: admission.checked_in_at,
                admitted_by: admission.checked_in_by.clone(),
                admitted_device_id: admission.device_id.clone(),
            },
        };
        Ok(vec![event])
    }
}

//! A ticket's admission at the door: the first valid scan lets its holder in, every
//! later scan is refused with when and by whom it was checked in.
//!
//! One aggregate per ticket (its aggregate id is the ticket id), so check-ins of
//! different tickets never contend, and two doors scanning the same ticket at once
//! race on the event store's version: one appends, the other reloads and is refused.
//! Whether the code is genuine is checked before the command (the signature needs the
//! server secret). Whether it is revoked comes with the command: the command layer reads
//! the ticket's `Order` from the event store for each scan and passes its
//! [`TicketStanding`]; this aggregate refuses a revoked or never-issued ticket, records
//! the first admission and keeps it from happening twice.
//!
//! # Offline scans
//!
//! A scanner without a network lets people in on its own judgement and sends its scans
//! later, each with its device id and the time it was scanned
//! ([`AdmissionCommand::RecordOfflineScan`]). By then the holder is inside: the log
//! records what happened. The first scan recorded becomes the admission
//! ([`AdmissionEvent::TicketCheckedIn`] marked [`OfflineScan`], `checked_in_at` being the
//! scan time); any scan recorded after it, offline or not, is a
//! [`AdmissionEvent::DuplicateEntryRecorded`] naming both scans.
//!
//! When two devices scanned the same ticket and the later-timed scan reached the server
//! first, the admission of record stays the one recorded first, and the earlier-timed
//! scan becomes the duplicate entry, which carries both scan times (a reader sees the
//! duplicate was scanned first). We chose this over re-attributing the admission because:
//! the log only grows, so re-attributing would need a third fact undoing the first, and
//! every reader (the tickets read model, the scanners' admitted lists already handed
//! out, the audit sentences) would have to follow the swap; the counts are the same
//! either way (one admission per ticket); and what the organiser acts on, that two people
//! entered on one ticket and at which devices and times, is in the duplicate entry
//! whichever way round. The one thing lost is that `checked_in_at` may not be the very
//! first scan; the double-entries list shows both.
//!
//! The same scan (ticket, device, scan time) sent twice records nothing the second time:
//! a scanner resends its whole queue when it cannot tell whether a batch arrived. A scan
//! time later than the server's clock plus [`CLOCK_SKEW_ALLOWANCE`], or earlier than the
//! ticket's issue minus that allowance, is refused: the device's clock is wrong, and its
//! time cannot decide which scan came first.

mod commands;
mod device;
mod error;
mod events;
mod offline;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod offline_tests;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use commands::AdmissionCommand;
pub use device::{DeviceId, InvalidDeviceId, MAX_DEVICE_ID_CHARS};
pub use error::AdmissionError;
pub use events::{AdmissionEvent, OfflineScan};
pub use offline::{ScanRecord, CLOCK_SKEW_ALLOWANCE};

use crate::aggregate::Decide;
use crate::ids::{EventId, TicketId};
use crate::order::TicketStanding;
use crate::provenance::Actor;

/// A check-in as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    /// The event the ticket was admitted to.
    pub event_id: EventId,
    /// When it was scanned.
    pub checked_in_at: DateTime<Utc>,
    /// Who scanned it.
    pub checked_in_by: Actor,
    /// The device, when it was scanned offline.
    #[serde(default)]
    pub device_id: Option<DeviceId>,
}

/// An offline scan already recorded: what it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RecordedScan {
    device_id: DeviceId,
    scanned_at: DateTime<Utc>,
    record: ScanRecord,
}

/// One ticket's admission: not yet checked in, or checked in once (and any duplicate
/// entries offline devices reported after that).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    ticket_id: Option<TicketId>,
    check_in: Option<CheckIn>,
    #[serde(default)]
    offline_scans: Vec<RecordedScan>,
}

impl Admission {
    /// The check-in, once the ticket has been admitted.
    pub fn check_in(&self) -> Option<&CheckIn> {
        self.check_in.as_ref()
    }

    /// What the offline scan of `device_id` at `scanned_at` became, if it was recorded.
    pub fn offline_scan(
        &self,
        device_id: &DeviceId,
        scanned_at: DateTime<Utc>,
    ) -> Option<ScanRecord> {
        self.offline_scans
            .iter()
            .find(|scan| &scan.device_id == device_id && scan.scanned_at == scanned_at)
            .map(|scan| scan.record)
    }

    /// Decides a command: the events it causes, or why it is refused.
    pub fn decide(&self, command: AdmissionCommand) -> Result<Vec<AdmissionEvent>, AdmissionError> {
        match command {
            AdmissionCommand::CheckIn {
                ticket_id,
                event_id,
                at,
                by,
                standing,
            } => {
                // Refunded first: the door agent must not be told "already in" about a
                // ticket whose money went back.
                refuse_unless_valid(standing)?;
                if let Some(previous) = &self.check_in {
                    return Err(AdmissionError::AlreadyCheckedIn {
                        checked_in_at: previous.checked_in_at,
                        checked_in_by: previous.checked_in_by.clone(),
                        checked_in_device: previous.device_id.clone(),
                    });
                }
                Ok(vec![AdmissionEvent::TicketCheckedIn {
                    ticket_id,
                    event_id,
                    checked_in_at: at,
                    checked_in_by: by,
                    offline: None,
                }])
            }
            offline @ AdmissionCommand::RecordOfflineScan { .. } => self.decide_offline(offline),
        }
    }
}

/// Refuses a ticket its order does not stand behind.
fn refuse_unless_valid(standing: TicketStanding) -> Result<(), AdmissionError> {
    match standing {
        TicketStanding::Valid => Ok(()),
        TicketStanding::Revoked => Err(AdmissionError::Revoked),
        TicketStanding::NotIssued => Err(AdmissionError::NotIssued),
    }
}

crate::aggregate::aggregate!(Admission);

impl Decide for Admission {
    const TYPE: &'static str = "Admission";
    type Command = AdmissionCommand;
    type Event = AdmissionEvent;
    type Error = AdmissionError;

    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error> {
        // The inherent rules, kept where they are written.
        Admission::decide(self, command)
    }

    fn evolve(&mut self, event: Self::Event) {
        match event {
            AdmissionEvent::TicketCheckedIn {
                ticket_id,
                event_id,
                checked_in_at,
                checked_in_by,
                offline,
            } => {
                self.ticket_id = Some(ticket_id);
                let device_id = offline.map(|scan| scan.device_id);
                if let Some(device_id) = &device_id {
                    self.offline_scans.push(RecordedScan {
                        device_id: device_id.clone(),
                        scanned_at: checked_in_at,
                        record: ScanRecord::Admission,
                    });
                }
                self.check_in = Some(CheckIn {
                    event_id,
                    checked_in_at,
                    checked_in_by,
                    device_id,
                });
            }
            AdmissionEvent::DuplicateEntryRecorded {
                device_id,
                scanned_at,
                ..
            } => self.offline_scans.push(RecordedScan {
                device_id,
                scanned_at,
                record: ScanRecord::DuplicateEntry,
            }),
        }
    }
}

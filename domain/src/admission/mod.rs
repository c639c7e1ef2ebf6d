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

mod commands;
mod error;
mod events;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use commands::AdmissionCommand;
pub use error::AdmissionError;
pub use events::AdmissionEvent;

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
}

/// One ticket's admission: not yet checked in, or checked in once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    ticket_id: Option<TicketId>,
    check_in: Option<CheckIn>,
}

impl Admission {
    /// The check-in, once the ticket has been admitted.
    pub fn check_in(&self) -> Option<&CheckIn> {
        self.check_in.as_ref()
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
                match standing {
                    TicketStanding::Valid => {}
                    TicketStanding::Revoked => return Err(AdmissionError::Revoked),
                    TicketStanding::NotIssued => return Err(AdmissionError::NotIssued),
                }
                if let Some(previous) = &self.check_in {
                    return Err(AdmissionError::AlreadyCheckedIn {
                        checked_in_at: previous.checked_in_at,
                        checked_in_by: previous.checked_in_by.clone(),
                    });
                }
                Ok(vec![AdmissionEvent::TicketCheckedIn {
                    ticket_id,
                    event_id,
                    checked_in_at: at,
                    checked_in_by: by,
                }])
            }
        }
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
            } => {
                self.ticket_id = Some(ticket_id);
                self.check_in = Some(CheckIn {
                    event_id,
                    checked_in_at,
                    checked_in_by,
                });
            }
        }
    }
}

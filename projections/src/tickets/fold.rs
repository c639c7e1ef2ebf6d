//! A batch of ticket facts folded in memory into four set-based writes: the tickets it
//! issues, the first revocation and the first check-in of each ticket, and the double
//! entries, so a batch costs four statements whatever its size (a replay of a sold-out
//! event's orders used to cost one per fact).
//!
//! Folding keeps what applying the facts one by one would leave: a ticket is issued
//! before anything revokes or admits it (the aggregates see to that), each write only
//! fills what is still empty, so the first of each kind wins, and issuing, revoking and
//! admitting touch different columns.

use std::collections::BTreeMap;

use carneau_domain::admission::AdmissionEvent;
use carneau_domain::order::OrderEvent;
use carneau_domain::TicketId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One ticket to insert.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct IssuedTicket {
    pub(super) ticket_id: Uuid,
    pub(super) order_id: Uuid,
    pub(super) event_id: Uuid,
    pub(super) ticket_type_id: Uuid,
    pub(super) account_id: Option<Uuid>,
    pub(super) buyer_email: String,
    pub(super) issued_at: DateTime<Utc>,
    pub(super) attendee: Attendee,
}

/// Who a ticket is for, as the latest fact of the batch says.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Attendee {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
}

impl From<&carneau_domain::order::Attendee> for Attendee {
    fn from(attendee: &carneau_domain::order::Attendee) -> Self {
        Self {
            name: attendee.name.as_ref().map(|name| name.as_str().to_owned()),
            email: attendee
                .email
                .as_ref()
                .map(|email| email.as_str().to_owned()),
        }
    }
}

/// A ticket's first admission.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CheckIn {
    pub(super) at: DateTime<Utc>,
    pub(super) by: String,
    pub(super) device: Option<String>,
}

/// One double entry an offline scanner reported.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DoubleEntry {
    pub(super) ticket_id: Uuid,
    pub(super) device_id: String,
    pub(super) scanned_at: DateTime<Utc>,
    pub(super) event_id: Uuid,
    pub(super) scanned_by: serde_json::Value,
    pub(super) synced_at: DateTime<Utc>,
    pub(super) admitted_at: DateTime<Utc>,
    pub(super) admitted_by: serde_json::Value,
    pub(super) admitted_device_id: Option<String>,
}

/// Everything a batch writes.
#[derive(Debug, Default, PartialEq)]
pub(super) struct TicketsFold {
    /// Tickets issued, in log order (a ticket issued twice keeps its first row).
    pub(super) issued: Vec<IssuedTicket>,
    /// Per ticket: when it was first revoked in the batch.
    pub(super) revoked: BTreeMap<Uuid, DateTime<Utc>>,
    /// Per ticket: its first check-in in the batch.
    pub(super) checked_in: BTreeMap<Uuid, CheckIn>,
    /// Double entries, in log order.
    pub(super) double_entries: Vec<DoubleEntry>,
    /// Per ticket: its attendee as last corrected in the batch (applied after the
    /// tickets issued, so a correction of a ticket issued in the same batch wins).
    pub(super) attendees: BTreeMap<Uuid, Attendee>,
}

impl TicketsFold {
    /// Adds an event of order `order_id`, the next in log order.
    pub(super) fn push_order(&mut self, order_id: Uuid, event: OrderEvent) {
        match event {
            OrderEvent::TicketsIssued {
                event_id,
                buyer_email,
                account_id,
                tickets,
                issued_at,
                ..
            } => self.issued.extend(tickets.iter().map(|ticket| {
                IssuedTicket {
                    ticket_id: ticket.ticket_id.as_uuid(),
                    order_id,
                    event_id: event_id.as_uuid(),
                    ticket_type_id: ticket.ticket_type_id.as_uuid(),
                    account_id,
                    buyer_email: buyer_email.as_str().to_owned(),
                    issued_at,
                    attendee: ticket
                        .attendee
                        .as_ref()
                        .map(Attendee::from)
                        .unwrap_or_default(),
                }
            })),
            // A correction before the tickets were issued names no ticket: the issued
            // tickets carry the corrected attendee already.
            OrderEvent::AttendeeCorrected {
                ticket_id: Some(ticket_id),
                attendee,
                ..
            } => {
                self.attendees
                    .insert(ticket_id.as_uuid(), Attendee::from(&attendee));
            }
            // A refund decided is enough to stop the tickets at the door: the buyer is
            // getting the money back, whatever the provider answers later.
            OrderEvent::RefundRequested {
                ticket_ids,
                requested_at,
                ..
            } => self.revoke(&ticket_ids, requested_at),
            OrderEvent::TicketsRefunded {
                ticket_ids,
                refunded_at,
                ..
            } => self.revoke(&ticket_ids, refunded_at),
            _ => {}
        }
    }

    /// Adds an admission event, the next in log order.
    pub(super) fn push_admission(&mut self, event: AdmissionEvent) -> anyhow::Result<()> {
        match event {
            AdmissionEvent::TicketCheckedIn {
                ticket_id,
                checked_in_at,
                checked_in_by,
                offline,
                ..
            } => {
                self.checked_in
                    .entry(ticket_id.as_uuid())
                    .or_insert_with(|| CheckIn {
                        at: checked_in_at,
                        by: checked_in_by.to_string(),
                        device: offline.map(|scan| String::from(scan.device_id)),
                    });
            }
            AdmissionEvent::DuplicateEntryRecorded {
                ticket_id,
                event_id,
                device_id,
                scanned_at,
                scanned_by,
                synced_at,
                admitted_at,
                admitted_by,
                admitted_device_id,
            } => self.double_entries.push(DoubleEntry {
                ticket_id: ticket_id.as_uuid(),
                device_id: device_id.as_str().to_owned(),
                scanned_at,
                event_id: event_id.as_uuid(),
                scanned_by: serde_json::to_value(&scanned_by)?,
                synced_at,
                admitted_at,
                admitted_by: serde_json::to_value(&admitted_by)?,
                admitted_device_id: admitted_device_id.map(String::from),
            }),
        }
        Ok(())
    }

    fn revoke(&mut self, ticket_ids: &[TicketId], at: DateTime<Utc>) {
        for ticket_id in ticket_ids {
            self.revoked.entry(ticket_id.as_uuid()).or_insert(at);
        }
    }
}

//! What an order says about one of its tickets at the door.

use serde::{Deserialize, Serialize};

use super::Order;
use crate::ids::TicketId;

/// Whether a ticket's code may still admit, as its order's history has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStanding {
    /// Issued by the order, and no refund names it.
    Valid,
    /// A refund of the order names it: decided (`RefundRequested`) is enough, the buyer
    /// is getting the money back whatever the provider answers later.
    Revoked,
    /// The order never issued it.
    NotIssued,
}

impl Order {
    /// Where `ticket_id` stands in this order: the door's revocation rule.
    pub fn ticket_standing(&self, ticket_id: TicketId) -> TicketStanding {
        if !self
            .tickets
            .iter()
            .any(|ticket| ticket.ticket_id == ticket_id)
        {
            return TicketStanding::NotIssued;
        }
        let refunded = self.refunded_tickets.contains(&ticket_id)
            || self
                .refunds
                .values()
                .any(|refund| refund.ticket_ids.contains(&ticket_id));
        if refunded {
            TicketStanding::Revoked
        } else {
            TicketStanding::Valid
        }
    }
}

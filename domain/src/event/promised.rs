//! The tickets of a ticket type already promised to buyers, as the inventory counts them.
//!
//! The event aggregate does not see sales; the command layer reads them from the event's
//! inventory when it issues a command that could break a promise (removing a ticket type,
//! lowering its capacity), and the event decides with them.

use serde::{Deserialize, Serialize};

/// Tickets of one ticket type sold (and not refunded) or held in a hold that has not lapsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PromisedTickets {
    /// Tickets paid for and not refunded.
    pub sold: u32,
    /// Tickets in holds that have not lapsed: buyers may still pay for them.
    pub held: u32,
}

impl PromisedTickets {
    /// Nothing sold, nothing held.
    pub const NONE: Self = Self { sold: 0, held: 0 };

    /// Sold and held together: the fewest tickets the type's capacity may allow.
    pub fn total(self) -> u32 {
        self.sold.saturating_add(self.held)
    }

    /// Whether any ticket is sold or held.
    pub fn any(self) -> bool {
        self.total() > 0
    }
}

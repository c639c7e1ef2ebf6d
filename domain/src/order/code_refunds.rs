//! What a refund gives back of the promo code the order was priced with, when the
//! organiser says so. By default a refund keeps the code's uses spent: the buyer used the
//! code, and an organiser who sold a limited offer decides whether it goes back on offer.
//!
//! The rule: a refund gives back the uses that the order's tickets stop taking. The
//! tickets still valid before the refund take some uses of the code, counted as at
//! checkout (the claim's [`CodeReach`]: which of the order's ticket types the code applied
//! to, per ticket or per order); those left after it take fewer; the refund gives back
//! the difference. So
//! - a per-ticket code gets back one use per refunded ticket it applied to;
//! - a per-order code gets back its one use only with the refund that ends the last
//!   ticket it applied to (a ticket of a type outside its scope never took its use);
//!   while one such ticket is still valid, the order still uses the code.
//!
//! Tickets refunded earlier without giving the code back keep their uses spent: the
//! organiser decided so then. An order never gets back more uses than it took. A claim
//! recorded before its reach was (no [`CodeReach`]) gives back all its uses not given
//! back yet with the refund that ends the order's last valid ticket, and nothing before.
//! Only an organiser's refund gives uses back: a cancelled event's refunds never do, as
//! nothing of that event is sold any more.

use std::collections::BTreeSet;

use super::{IssuedTicket, Order, PlacedOrder, RefundReason};
use crate::ids::TicketId;
use crate::inventory::{CodeClaim, CodeUse};

impl Order {
    /// The code's uses a refund of `refunded` gives back when the organiser asks for it
    /// (`give_back`), as the refund records it: `None` when not asked, not an organiser's
    /// refund, or the order had no code; possibly zero uses when asked (see the module's
    /// rule). `refunding` is every ticket some earlier refund names.
    pub(super) fn code_given_back(
        &self,
        placed: &PlacedOrder,
        refunding: &BTreeSet<TicketId>,
        refunded: &[&IssuedTicket],
        reason: RefundReason,
        give_back: bool,
    ) -> Option<CodeUse> {
        if !give_back || reason != RefundReason::RequestedByOrganiser {
            return None;
        }
        let claim = placed.code.as_ref()?;
        let now_refunded: BTreeSet<TicketId> =
            refunded.iter().map(|ticket| ticket.ticket_id).collect();
        let valid_before: Vec<&IssuedTicket> = self
            .tickets
            .iter()
            .filter(|ticket| !refunding.contains(&ticket.ticket_id))
            .collect();
        let valid_after: Vec<&IssuedTicket> = valid_before
            .iter()
            .copied()
            .filter(|ticket| !now_refunded.contains(&ticket.ticket_id))
            .collect();
        let freed =
            uses_taken(claim, &valid_before).saturating_sub(uses_taken(claim, &valid_after));
        let given_back_before: u32 = self
            .refunds
            .values()
            .filter_map(|refund| refund.code_given_back.as_ref())
            .map(|code_use| code_use.uses)
            .sum();
        Some(CodeUse {
            code: claim.code_use.code.clone(),
            uses: freed.min(claim.code_use.uses.saturating_sub(given_back_before)),
        })
    }
}

/// The uses of the claimed code that `tickets` take. Without a recorded reach: all the
/// order's uses while any ticket is valid.
fn uses_taken(claim: &CodeClaim, tickets: &[&IssuedTicket]) -> u32 {
    match &claim.reach {
        Some(reach) => reach.uses_of(tickets.iter().map(|ticket| ticket.ticket_type_id)),
        None if tickets.is_empty() => 0,
        None => claim.code_use.uses,
    }
}

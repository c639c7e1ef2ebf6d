//! How the inventory counts the uses of promo codes: a hold placed with a code holds its
//! uses as it holds its tickets, gives them back when it lapses or is released, and spends
//! them when it is paid. Counting them here, beside the tickets, is what lets one append
//! decide a hold and its code's use together, so a code is never used past its limit.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::HoldLine;
use crate::ids::TicketTypeId;
use crate::voucher::{UseCounting, VoucherCode, VoucherTerms};

/// How many uses of a code with `terms` holding `lines` takes (see
/// [`VoucherTerms::uses_for`]): what the inventory decides with and the guard admits by.
pub fn uses_of(terms: &VoucherTerms, lines: &[HoldLine]) -> u32 {
    let lines: Vec<_> = lines
        .iter()
        .map(|line| (line.ticket_type_id, line.quantity.get()))
        .collect();
    terms.uses_for(&lines)
}

/// The uses of one code a hold or a sale takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeUse {
    /// The code entered.
    pub code: VoucherCode,
    /// How many of its uses (tickets in its scope, or one per order).
    pub uses: u32,
}

/// A code's use claimed by a payment, with the limit the code had when checkout started:
/// what a late payment (its hold already ended) is sold against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeClaim {
    /// The code and its uses.
    pub code_use: CodeUse,
    /// The code's limit of uses.
    pub max_uses: u32,
    /// What a use of the code was on this order when checkout started: what a refund
    /// that gives the code's uses back counts with, whatever the organiser changes in the
    /// code's terms later. Absent in claims recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<CodeReach>,
}

impl CodeClaim {
    /// The claim of an order placed from a hold of `lines` that took `code_use` of a code
    /// with `terms` (its terms when checkout starts).
    pub fn new(code_use: CodeUse, terms: &VoucherTerms, lines: &[HoldLine]) -> Self {
        Self {
            code_use,
            max_uses: terms.limit.max_uses.get(),
            reach: Some(CodeReach {
                counting: terms.limit.counting,
                ticket_types: lines
                    .iter()
                    .map(|line| line.ticket_type_id)
                    .filter(|ticket_type_id| terms.applies_to(*ticket_type_id))
                    .collect(),
            }),
        }
    }
}

/// Which of an order's tickets took a code's uses, and how they were counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeReach {
    /// Per ticket or per order.
    pub counting: UseCounting,
    /// The order's ticket types the code applied to (in its scope, or unlocked by it).
    pub ticket_types: BTreeSet<TicketTypeId>,
}

impl CodeReach {
    /// How many uses tickets of `ticket_types` (one item a ticket) take, counted as at
    /// checkout: those the code applied to (per ticket), or one if any is (per order).
    pub fn uses_of(&self, ticket_types: impl IntoIterator<Item = TicketTypeId>) -> u32 {
        let applied = ticket_types
            .into_iter()
            .filter(|ticket_type_id| self.ticket_types.contains(ticket_type_id))
            .count();
        let applied = u32::try_from(applied).unwrap_or(u32::MAX);
        match self.counting {
            UseCounting::PerTicket => applied,
            UseCounting::PerOrder => u32::from(applied > 0),
        }
    }
}

/// The running count of one code's uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CodeCount {
    /// Uses of paid holds, less those an organiser gave back with a refund.
    pub(super) spent: u32,
    /// Uses of holds recorded as active, lapsed ones included (see `Inventory::code_uses`).
    pub(super) held_in_active_holds: u32,
}

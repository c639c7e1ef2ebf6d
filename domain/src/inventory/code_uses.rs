//! How the inventory counts the uses of promo codes: a hold placed with a code holds its
//! uses as it holds its tickets, gives them back when it lapses or is released, and spends
//! them when it is paid. Counting them here, beside the tickets, is what lets one append
//! decide a hold and its code's use together, so a code is never used past its limit.

use serde::{Deserialize, Serialize};

use super::HoldLine;
use crate::voucher::{VoucherCode, VoucherTerms};

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
}

/// The running count of one code's uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CodeCount {
    /// Uses of paid holds, less those an organiser gave back with a refund.
    pub(super) spent: u32,
    /// Uses of holds recorded as active, lapsed ones included (see `Inventory::code_uses`).
    pub(super) held_in_active_holds: u32,
}

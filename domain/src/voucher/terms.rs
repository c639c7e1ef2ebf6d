//! What a voucher gives and under which conditions: its discount, the ticket types it
//! applies to, the hidden types it unlocks, how many times it may be used and when.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::TicketTypeId;
use crate::money::Money;

/// What a voucher takes off each ticket it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Discount {
    /// No discount: the voucher only unlocks hidden ticket types (a presale).
    None,
    /// A share of the price, 1 to 100 percent, rounded to the nearest minor unit.
    Percent(u8),
    /// A fixed amount off each ticket, in the event's currency; never below a free ticket.
    Fixed(Money),
}

impl Discount {
    /// The price of one ticket priced `price` after the discount: never below zero.
    pub fn apply(&self, price: Money) -> Money {
        let discounted = match *self {
            Self::None => price.amount_minor,
            Self::Percent(percent) => {
                // Rounded half up, in integers: 33 % of 1,000 is 330; of 15 is 5.
                let off = (i128::from(price.amount_minor) * i128::from(percent) + 50) / 100;
                price.amount_minor - i64::try_from(off).unwrap_or(price.amount_minor)
            }
            Self::Fixed(off) => price.amount_minor - off.amount_minor,
        };
        Money::new(discounted.max(0), price.currency)
    }

    /// Whether it changes any price.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }
}

/// Which ticket types a voucher's discount and uses count on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VoucherScope {
    /// Every ticket type of the event, hidden ones it unlocks included.
    AllTicketTypes,
    /// Only these (never empty).
    TicketTypes(BTreeSet<TicketTypeId>),
}

impl VoucherScope {
    /// Whether tickets of `ticket_type_id` are in the scope.
    pub fn covers(&self, ticket_type_id: TicketTypeId) -> bool {
        match self {
            Self::AllTicketTypes => true,
            Self::TicketTypes(types) => types.contains(&ticket_type_id),
        }
    }
}

/// What one use of a voucher is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UseCounting {
    /// Each ticket in scope is one use: "100 discounted tickets".
    PerTicket,
    /// Each order with a ticket in scope is one use: "100 orders".
    PerOrder,
}

/// How many times a voucher may be used, and what a use is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsesLimit {
    /// Uses at most, held and paid together.
    pub max_uses: NonZeroU32,
    /// What counts as one use.
    pub counting: UseCounting,
}

/// When a voucher may be used: from `from` (inclusive) until `until` (exclusive); either
/// end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValidityWindow {
    /// The first instant it may be used; `None` = from its creation.
    pub from: Option<DateTime<Utc>>,
    /// The instant it stops; `None` = until the sale ends.
    pub until: Option<DateTime<Utc>>,
}

/// The organiser's terms of one voucher, as created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherTerms {
    /// The discount on tickets in scope.
    pub discount: Discount,
    /// The ticket types the discount and the uses apply to.
    pub scope: VoucherScope,
    /// Hidden ticket types the voucher shows and lets its holder buy (a presale).
    pub unlocks: BTreeSet<TicketTypeId>,
    /// How many uses it has.
    pub limit: UsesLimit,
    /// When it may be used.
    pub window: ValidityWindow,
}

/// Why a voucher cannot be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VoucherUnusable {
    /// The organiser switched it off.
    #[error("This code has been switched off.")]
    Disabled,
    /// Its window has not opened.
    #[error("This code cannot be used yet.")]
    NotYetValid {
        /// When it opens.
        from: DateTime<Utc>,
    },
    /// Its window has closed.
    #[error("This code has expired.")]
    Expired {
        /// When it closed.
        until: DateTime<Utc>,
    },
}

impl VoucherTerms {
    /// Whether its window is open at `now`.
    pub fn check_window(&self, now: DateTime<Utc>) -> Result<(), VoucherUnusable> {
        if let Some(from) = self.window.from.filter(|from| now < *from) {
            return Err(VoucherUnusable::NotYetValid { from });
        }
        if let Some(until) = self.window.until.filter(|until| now >= *until) {
            return Err(VoucherUnusable::Expired { until });
        }
        Ok(())
    }

    /// How many uses holding `lines` (ticket type, quantity) takes: the tickets in scope
    /// or unlocked by it (per ticket), or one if any is (per order); zero when none is.
    /// A presale's tickets take uses even outside the discount's scope: what a code
    /// unlocks is what it is limited for.
    pub fn uses_for(&self, lines: &[(TicketTypeId, u32)]) -> u32 {
        let in_scope: u32 = lines
            .iter()
            .filter(|(ticket_type_id, _)| self.applies_to(*ticket_type_id))
            .map(|(_, quantity)| *quantity)
            .sum();
        match self.limit.counting {
            UseCounting::PerTicket => in_scope,
            UseCounting::PerOrder => u32::from(in_scope > 0),
        }
    }

    /// Whether tickets of `ticket_type_id` take the voucher's uses: in its scope, or a
    /// hidden type it unlocks.
    pub fn applies_to(&self, ticket_type_id: TicketTypeId) -> bool {
        self.scope.covers(ticket_type_id) || self.unlocks.contains(&ticket_type_id)
    }

    /// The price of one ticket of `ticket_type_id` priced `price` with this voucher.
    pub fn price_of(&self, ticket_type_id: TicketTypeId, price: Money) -> Money {
        if self.scope.covers(ticket_type_id) {
            self.discount.apply(price)
        } else {
            price
        }
    }
}

//! What an order costs and what its refunds give back: the hold's lines at the event's
//! prices and their total when checkout starts, the price of the tickets a refund names,
//! and those tickets as lines for the inventory. Pure: the command layer supplies the
//! event's ticket types and records what is decided here.

use std::collections::BTreeMap;

use super::{IssuedTicket, Order, OrderLine, PlacedOrder, RefundReason, RefundState};
use crate::event::TicketType;
use crate::ids::TicketTypeId;
use crate::inventory::{CodeUse, HoldLine, Quantity};
use crate::money::Money;
use crate::voucher::VoucherTerms;

/// Why a hold cannot be priced: either way nobody may be asked to pay for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// The event no longer has one of the hold's ticket types (it was removed).
    #[error("A ticket type of this hold is no longer on sale.")]
    UnknownTicketType,
    /// The hold has no lines: there is no price, not even a currency.
    #[error("There is nothing to pay for.")]
    NothingToPrice,
}

/// A hold priced for checkout: what the order is placed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedHold {
    /// One line per hold line, at its ticket type's price now, named as it is now.
    pub lines: Vec<OrderLine>,
    /// The sum of the lines.
    pub total: Money,
}

/// Prices `hold` at the current price of each line's ticket type, as `ticket_type` finds
/// it (the event's), less what the hold's promo `code` takes off the tickets in its
/// scope. The price is taken now and kept on the order: a later price change does not
/// change what this buyer pays or gets back.
pub fn price_hold<'a>(
    hold: &[HoldLine],
    ticket_type: impl Fn(TicketTypeId) -> Option<&'a TicketType>,
    code: Option<&VoucherTerms>,
) -> Result<PricedHold, PricingError> {
    let lines = hold
        .iter()
        .map(|line| {
            let ticket_type =
                ticket_type(line.ticket_type_id).ok_or(PricingError::UnknownTicketType)?;
            let list_price = ticket_type.price;
            let unit_price = code.map_or(list_price, |terms| {
                terms.price_of(line.ticket_type_id, list_price)
            });
            Ok(OrderLine {
                ticket_type_id: line.ticket_type_id,
                name: ticket_type.name.to_string(),
                quantity: line.quantity,
                unit_price,
                list_price: (unit_price != list_price).then_some(list_price),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = total_of(&lines).ok_or(PricingError::NothingToPrice)?;
    Ok(PricedHold { lines, total })
}

/// The sum of `lines` in the first line's currency (an event sells in one currency);
/// `None` without lines.
fn total_of(lines: &[OrderLine]) -> Option<Money> {
    let currency = lines.first()?.unit_price.currency;
    let minor = lines
        .iter()
        .map(|line| line.unit_price.amount_minor * i64::from(line.quantity.get()))
        .sum();
    Some(Money::new(minor, currency))
}

impl PlacedOrder {
    /// How many tickets the order is for: the lines' quantities.
    pub fn seats(&self) -> usize {
        self.lines
            .iter()
            .map(|line| usize::try_from(line.quantity.get()).unwrap_or(usize::MAX))
            .sum()
    }

    /// The order's lines as the inventory holds them (what is sold when it is paid).
    pub fn hold_lines(&self) -> Vec<HoldLine> {
        self.lines
            .iter()
            .map(|line| HoldLine {
                ticket_type_id: line.ticket_type_id,
                quantity: line.quantity,
            })
            .collect()
    }

    /// What `tickets` were sold for: each at its line's unit price, in the order's
    /// currency. A ticket of a type the order has no line for costs nothing.
    pub(super) fn price_of<'a>(&self, tickets: impl Iterator<Item = &'a IssuedTicket>) -> Money {
        let minor = tickets
            .map(|ticket| {
                self.lines
                    .iter()
                    .find(|line| line.ticket_type_id == ticket.ticket_type_id)
                    .map_or(0, |line| line.unit_price.amount_minor)
            })
            .sum();
        Money::new(minor, self.total.currency)
    }
}

/// What a carried-out refund gives back to the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReturn {
    /// Which refund.
    pub refund_number: u32,
    /// Its tickets, per type, to put back on sale.
    pub lines: Vec<HoldLine>,
    /// The promo code's uses to give back with them, when the organiser chose to and the
    /// rule gives any.
    pub code_use: Option<CodeUse>,
}

impl Order {
    /// Every carried-out refund that names tickets, in refund order, as the inventory
    /// takes it back: its tickets and the code's uses recorded with it. A refused late
    /// payment names none: its tickets were never sold.
    pub fn refunds_to_return(&self) -> Vec<RefundReturn> {
        self.refunds
            .iter()
            .filter(|(_, refund)| refund.completed && !refund.ticket_ids.is_empty())
            .map(|(number, refund)| RefundReturn {
                refund_number: *number,
                lines: self.returned_lines(refund),
                code_use: refund
                    .code_given_back
                    .clone()
                    .filter(|code_use| code_use.uses > 0),
            })
            .collect()
    }

    /// The tickets `refund` names, counted per ticket type. Tickets the order never
    /// issued are left out.
    fn returned_lines(&self, refund: &RefundState) -> Vec<HoldLine> {
        let mut per_type: BTreeMap<TicketTypeId, u32> = BTreeMap::new();
        for ticket_id in &refund.ticket_ids {
            if let Some(ticket) = self.tickets.iter().find(|t| t.ticket_id == *ticket_id) {
                *per_type.entry(ticket.ticket_type_id).or_default() += 1;
            }
        }
        per_type
            .into_iter()
            .filter_map(|(ticket_type_id, count)| {
                Quantity::parse(count).ok().map(|quantity| HoldLine {
                    ticket_type_id,
                    quantity,
                })
            })
            .collect()
    }

    /// How much of the order's payment the provider has given back so far (completed
    /// refunds only; a surplus payment's refund is not the order's), in the order's
    /// currency; `None` if the order was never placed.
    pub fn refunded_total(&self) -> Option<Money> {
        let placed = self.placed.as_ref()?;
        let minor = self
            .refunds
            .values()
            // A surplus payment's refund gives back money that was never the order's.
            .filter(|refund| refund.completed && refund.reason != RefundReason::SurplusPayment)
            .map(|refund| refund.amount.amount_minor)
            .sum();
        Some(Money::new(minor, placed.total.currency))
    }
}

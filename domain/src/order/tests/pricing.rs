//! Pricing: a hold's lines at the event's prices and their total, and what a refund gives
//! back to the inventory and to the buyer.

use crate::event::{Capacity, MaxPerOrder, SaleWindow, TicketType};
use crate::ids::TicketTypeId;
use crate::inventory::{HoldLine, Quantity};
use crate::order::{price_hold, OrderEvent, PricingError, RefundReturn};
use crate::text::TicketTypeName;

use super::fixtures::*;

fn ticket_type(id: TicketTypeId, name: &str, price_minor: i64) -> TicketType {
    TicketType {
        id,
        name: TicketTypeName::parse(name).unwrap(),
        price: eur(price_minor),
        capacity: Capacity::parse(100).unwrap(),
        sale_window: SaleWindow::parse(later(-60), later(60)).unwrap(),
        max_per_order: MaxPerOrder::parse(10).unwrap(),
        hidden: false,
    }
}

fn hold_line(ticket_type_id: TicketTypeId, quantity: u32) -> HoldLine {
    HoldLine {
        ticket_type_id,
        quantity: Quantity::parse(quantity).unwrap(),
    }
}

#[test]
fn a_hold_is_priced_at_each_ticket_types_current_price_and_name() {
    let types = [
        ticket_type(general(), "General", 2_500),
        ticket_type(vip(), "VIP", 9_000),
    ];
    let priced = price_hold(
        &[hold_line(general(), 2), hold_line(vip(), 1)],
        |id| types.iter().find(|t| t.id == id),
        None,
    )
    .unwrap();
    assert_eq!(priced.lines, placed_order().lines);
    assert_eq!(priced.total, eur(14_000));
}

#[test]
fn a_promo_code_lowers_the_price_of_the_tickets_in_its_scope_only() {
    use std::collections::BTreeSet;
    use std::num::NonZeroU32;

    use crate::voucher::{Discount, UseCounting, UsesLimit, VoucherScope, VoucherTerms};

    let types = [
        ticket_type(general(), "General", 2_500),
        ticket_type(vip(), "VIP", 9_000),
    ];
    // 10 % off VIP only.
    let terms = VoucherTerms {
        discount: Discount::Percent(10),
        scope: VoucherScope::TicketTypes(BTreeSet::from([vip()])),
        unlocks: BTreeSet::new(),
        limit: UsesLimit {
            max_uses: NonZeroU32::new(5).unwrap(),
            counting: UseCounting::PerTicket,
        },
        window: Default::default(),
    };
    let priced = price_hold(
        &[hold_line(general(), 2), hold_line(vip(), 1)],
        |id| types.iter().find(|t| t.id == id),
        Some(&terms),
    )
    .unwrap();
    assert_eq!(priced.lines[0].unit_price, eur(2_500));
    assert_eq!(priced.lines[0].list_price, None);
    assert_eq!(priced.lines[1].unit_price, eur(8_100));
    assert_eq!(priced.lines[1].list_price, Some(eur(9_000)));
    assert_eq!(priced.total, eur(13_100));
}

#[test]
fn a_hold_of_a_ticket_type_the_event_no_longer_has_cannot_be_priced() {
    let types = [ticket_type(general(), "General", 2_500)];
    let priced = price_hold(
        &[hold_line(general(), 2), hold_line(vip(), 1)],
        |id| types.iter().find(|t| t.id == id),
        None,
    );
    assert_eq!(priced, Err(PricingError::UnknownTicketType));
}

#[test]
fn an_empty_hold_cannot_be_priced() {
    assert_eq!(
        price_hold(&[], |_| None, None),
        Err(PricingError::NothingToPrice)
    );
}

#[test]
fn a_placed_order_sells_its_lines_as_bought() {
    assert_eq!(
        placed_order().hold_lines(),
        vec![hold_line(general(), 2), hold_line(vip(), 1)]
    );
}

#[test]
fn a_carried_out_refund_gives_its_tickets_back_counted_per_type() {
    let named = vec![
        ticket(3, vip()).ticket_id,
        ticket(1, general()).ticket_id,
        ticket(2, general()).ticket_id,
    ];
    let order = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, named.clone(), 14_000),
        refunded(1, named, 14_000),
    ]);
    assert_eq!(
        order.refunds_to_return(),
        vec![RefundReturn {
            refund_number: 1,
            lines: vec![hold_line(general(), 2), hold_line(vip(), 1)],
            code_use: None,
        }]
    );
}

#[test]
fn a_refund_not_carried_out_yet_gives_nothing_back() {
    let order = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, vec![ticket(3, vip()).ticket_id], 9_000),
    ]);
    assert_eq!(order.refunds_to_return(), vec![]);
}

#[test]
fn a_refused_late_payment_gives_no_tickets_back() {
    let order = order_after(vec![
        placed(),
        paid("evt_1"),
        OrderEvent::LatePaymentRefused {
            refused_at: later(6),
        },
        refund_requested(1, vec![], 14_000),
        refunded(1, vec![], 14_000),
    ]);
    assert_eq!(order.refunds_to_return(), vec![]);
}

#[test]
fn the_refunded_total_counts_only_refunds_carried_out() {
    let [first, second] = [
        ticket(1, general()).ticket_id,
        ticket(2, general()).ticket_id,
    ];
    let order = order_after(vec![
        placed(),
        paid("evt_1"),
        issued(),
        refund_requested(1, vec![first], 2_500),
        refunded(1, vec![first], 2_500),
        refund_requested(2, vec![second], 2_500),
    ]);
    assert_eq!(order.refunded_total(), Some(eur(2_500)));
    assert_eq!(order_after(vec![]).refunded_total(), None);
}

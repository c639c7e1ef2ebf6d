//! Promo codes held with the tickets: a code's uses are taken by the holds that use it,
//! given back when they lapse or are released, spent when paid, and never more than its
//! limit, in a batch too.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use uuid::Uuid;

use super::fixtures::*;
use crate::ids::{EventId, OrderId};
use crate::inventory::{
    uses_of, CodeClaim, CodeUse, HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryError,
    InventoryEvent, SaleTerms,
};
use crate::voucher::{
    Discount, NewVoucher, UseCounting, UsesLimit, ValidityWindow, VoucherBook, VoucherCode,
    VoucherEvent, VoucherScope, VoucherTerms, VoucherUnusable,
};
use crate::Decide;

pub(super) fn code(raw: &str) -> VoucherCode {
    VoucherCode::parse(raw).unwrap()
}

/// "VIP-FRIENDS": 10 % off VIP only, 3 tickets in all; "ONE-ORDER": 5 % off anything, one
/// order; "LATER": opens in April.
fn book() -> VoucherBook {
    let terms = |scope, max, counting, window| VoucherTerms {
        discount: Discount::Percent(10),
        scope,
        unlocks: BTreeSet::new(),
        limit: UsesLimit {
            max_uses: NonZeroU32::new(max).unwrap(),
            counting,
        },
        window,
    };
    let vip_only = VoucherScope::TicketTypes(BTreeSet::from([vip()]));
    let mut book = VoucherBook::default();
    book.evolve(VoucherEvent::VouchersCreated {
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        vouchers: vec![
            NewVoucher {
                code: code("VIP-FRIENDS"),
                terms: terms(vip_only, 3, UseCounting::PerTicket, Default::default()),
            },
            NewVoucher {
                code: code("ONE-ORDER"),
                terms: terms(
                    VoucherScope::AllTicketTypes,
                    1,
                    UseCounting::PerOrder,
                    Default::default(),
                ),
            },
            NewVoucher {
                code: code("LATER"),
                terms: terms(
                    VoucherScope::AllTicketTypes,
                    5,
                    UseCounting::PerTicket,
                    ValidityWindow {
                        from: Some(at(4, 1, 0, 0)),
                        until: None,
                    },
                ),
            },
        ],
        created_at: at(2, 1, 0, 0),
    });
    book
}

pub(super) fn with_code(mut request: HoldRequest, raw: &str) -> HoldRequest {
    request.code = Some(code(raw));
    request
}

fn held_now() -> HoldOutcome {
    HoldOutcome::Held {
        expires_at: lapse_of(now()),
        code_used_up: false,
    }
}

pub(super) fn refused(refusal: HoldRefusal) -> HoldOutcome {
    HoldOutcome::Refused(refusal)
}

fn decide(inventory: &Inventory, requests: &[HoldRequest]) -> crate::inventory::HoldDecision {
    let (event, book) = (concert(), book());
    inventory.decide_holds(SaleTerms::new(&event, &book), requests, now())
}

#[test]
fn a_code_limited_to_three_tickets_is_never_used_a_fourth_time_in_a_batch() {
    // Given "VIP-FRIENDS", 3 VIP tickets in all,
    // when one batch asks for 2, then 2, then 1 VIP with it,
    let requests = [
        with_code(request(1, vec![line(vip(), 2)]), "VIP-FRIENDS"),
        with_code(request(2, vec![line(vip(), 2)]), "vip-friends"),
        with_code(request(3, vec![line(vip(), 1)]), "VIP-FRIENDS"),
    ];
    let decision = decide(&Inventory::default(), &requests);

    // then the second is refused for the code, not for the tickets, and the third fits.
    assert_eq!(
        decision.outcomes,
        vec![held_now(), refused(HoldRefusal::CodeUsedUp), held_now()]
    );
    let inventory = inventory_after(decision.events);
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), now()), 3);
    let hold = inventory.hold(rid(1)).unwrap();
    assert_eq!(
        hold.code_use(),
        Some(&CodeUse {
            code: code("VIP-FRIENDS"),
            uses: 2
        })
    );
}

#[test]
fn only_tickets_in_the_codes_scope_take_its_uses() {
    // 5 General and 1 VIP with a VIP-only code take one use; General alone takes none,
    // so the code does not apply.
    let requests = [
        with_code(
            request(1, vec![line(general(), 5), line(vip(), 1)]),
            "VIP-FRIENDS",
        ),
        with_code(request(2, vec![line(general(), 1)]), "VIP-FRIENDS"),
    ];
    let decision = decide(&Inventory::default(), &requests);
    assert_eq!(
        decision.outcomes,
        vec![held_now(), refused(HoldRefusal::CodeNotApplicable)]
    );
    assert_eq!(
        inventory_after(decision.events).code_uses(&code("VIP-FRIENDS"), now()),
        1
    );
}

#[test]
fn a_code_counted_per_order_takes_one_use_whatever_the_tickets() {
    let requests = [
        with_code(
            request(1, vec![line(general(), 6), line(vip(), 4)]),
            "ONE-ORDER",
        ),
        with_code(request(2, vec![line(general(), 1)]), "ONE-ORDER"),
    ];
    let decision = decide(&Inventory::default(), &requests);
    assert_eq!(
        decision.outcomes,
        vec![held_now(), refused(HoldRefusal::CodeUsedUp)]
    );
}

#[test]
fn unknown_and_unusable_codes_are_refused_before_the_tickets_are_counted() {
    let requests = [
        with_code(request(1, vec![line(general(), 1)]), "NO-SUCH-CODE"),
        with_code(request(2, vec![line(general(), 1)]), "LATER"),
    ];
    let decision = decide(&Inventory::default(), &requests);
    assert_eq!(
        decision.outcomes,
        vec![
            refused(HoldRefusal::CodeUnknown),
            refused(HoldRefusal::CodeUnusable(VoucherUnusable::NotYetValid {
                from: at(4, 1, 0, 0)
            })),
        ]
    );
    assert!(decision.events.is_empty());
    // An event without codes knows none.
    let decision = Inventory::default().decide_holds(&concert(), &requests[..1], now());
    assert_eq!(decision.outcomes, vec![refused(HoldRefusal::CodeUnknown)]);
}

#[test]
fn a_lapsed_or_released_hold_gives_its_uses_back() {
    // Given 3 VIP held with the code 20 minutes ago (lapsed) and none left,
    let earlier = now() - minutes(20);
    let decision = Inventory::default().decide_holds(
        SaleTerms::new(&concert(), &book()),
        &[with_code(
            request_at(1, vec![line(vip(), 3)], earlier),
            "VIP-FRIENDS",
        )],
        earlier,
    );
    let inventory = inventory_after(decision.events);
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), earlier), 3);
    // then at `now` the uses are free again, before and after the expiry is recorded.
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), now()), 0);
    let decision = decide(
        &inventory,
        &[with_code(request(2, vec![line(vip(), 3)]), "VIP-FRIENDS")],
    );
    assert_eq!(decision.outcomes, vec![held_now()]);
    let mut history = decision.events;
    // And releasing that hold gives them back too.
    let mut inventory = inventory_after(history.clone());
    let released = inventory.release_hold(rid(2), now()).unwrap();
    history.extend(released);
    inventory = inventory_after(history);
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), now()), 0);
}

#[test]
fn a_paid_hold_spends_its_uses_and_a_refund_gives_them_back_only_if_asked() {
    let order = OrderId::from_uuid(Uuid::from_u128(0x0D01));
    let mut history = decide(
        &Inventory::default(),
        &[with_code(request(1, vec![line(vip(), 2)]), "VIP-FRIENDS")],
    )
    .events;
    let inventory = inventory_after(history.clone());
    let sold = inventory
        .sell_hold(&concert(), rid(1), order, &[line(vip(), 2)], None, now())
        .unwrap();
    let spent = CodeUse {
        code: code("VIP-FRIENDS"),
        uses: 2,
    };
    assert!(matches!(
        &sold[..],
        [InventoryEvent::HoldSold { code_use: Some(used), .. }] if *used == spent
    ));
    history.extend(sold);
    // Long after the hold would have lapsed, the uses stay spent.
    let later = now() + minutes(60);
    let inventory = inventory_after(history.clone());
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), later), 2);

    // A refund without giving the use back keeps it spent;
    let kept = inventory.return_tickets(order, 1, &[line(vip(), 1)], None, later);
    history.extend(kept);
    let inventory = inventory_after(history.clone());
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), later), 2);
    // one that gives it back frees it.
    let one = CodeUse {
        code: code("VIP-FRIENDS"),
        uses: 1,
    };
    let given_back = inventory.return_tickets(order, 2, &[line(vip(), 1)], Some(one), later);
    history.extend(given_back);
    let inventory = inventory_after(history);
    assert_eq!(inventory.code_uses(&code("VIP-FRIENDS"), later), 1);
}

#[test]
fn a_late_payment_with_a_code_used_up_meanwhile_is_refused() {
    let order = OrderId::from_uuid(Uuid::from_u128(0x0D02));
    // Given a hold of 2 VIP with the code that lapsed, then another buyer took all 3 uses,
    let earlier = now() - minutes(20);
    let mut history = Inventory::default()
        .decide_holds(
            SaleTerms::new(&concert(), &book()),
            &[with_code(
                request_at(1, vec![line(vip(), 2)], earlier),
                "VIP-FRIENDS",
            )],
            earlier,
        )
        .events;
    history.extend(
        decide(
            &inventory_after(history.clone()),
            &[with_code(request(2, vec![line(vip(), 3)]), "VIP-FRIENDS")],
        )
        .events,
    );
    let inventory = inventory_after(history);
    let claim = CodeClaim {
        code_use: CodeUse {
            code: code("VIP-FRIENDS"),
            uses: 2,
        },
        max_uses: 3,
        reach: None,
    };
    // when the first buyer's payment lands, though VIP tickets are left,
    assert_eq!(inventory.available(&concert(), vip(), now()), 1);
    let late = inventory.sell_hold(
        &concert(),
        rid(1),
        order,
        &[line(vip(), 1)],
        Some(claim.clone()),
        now(),
    );
    // then it is refused (and refunded), as the code would be used 5 times.
    assert_eq!(late, Err(InventoryError::TicketsNoLongerAvailable));
    // Without the other buyer's hold it is sold and spends the uses anew.
    let alone = Inventory::default();
    let sold = alone
        .sell_hold(
            &concert(),
            rid(1),
            order,
            &[line(vip(), 1)],
            Some(claim),
            now(),
        )
        .unwrap();
    assert!(matches!(
        &sold[..],
        [InventoryEvent::HoldSold {
            late: true,
            code_use: Some(_),
            ..
        }]
    ));
}

#[test]
fn a_retry_with_another_code_is_not_the_same_hold() {
    let first = with_code(request(1, vec![line(vip(), 1)]), "VIP-FRIENDS");
    let inventory =
        inventory_after(decide(&Inventory::default(), std::slice::from_ref(&first)).events);
    let again = decide(&inventory, &[first]);
    assert_eq!(
        again.outcomes,
        vec![HoldOutcome::AlreadyHeld {
            expires_at: lapse_of(now()),
            code_used_up: false,
        }]
    );
    let other = decide(
        &inventory,
        &[with_code(request(1, vec![line(vip(), 1)]), "ONE-ORDER")],
    );
    assert_eq!(
        other.outcomes,
        vec![refused(HoldRefusal::ReservationIdReused)]
    );
    let without = decide(&inventory, &[request(1, vec![line(vip(), 1)])]);
    assert_eq!(
        without.outcomes,
        vec![refused(HoldRefusal::ReservationIdReused)]
    );
}

#[test]
fn a_hidden_type_is_held_only_with_a_code_that_unlocks_it() {
    use crate::event::TicketType;
    use crate::ids::TicketTypeId;

    let presale = TicketTypeId::from_uuid(Uuid::from_u128(0x703));
    let event = event_with(vec![
        ticket_type(general(), "General admission", 10, 6),
        TicketType {
            hidden: true,
            ..ticket_type(presale, "Presale", 5, 2)
        },
    ]);
    let mut book = book();
    book.evolve(VoucherEvent::VouchersCreated {
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        vouchers: vec![NewVoucher {
            code: code("EARLY-ACCESS"),
            terms: VoucherTerms {
                discount: Discount::None,
                scope: VoucherScope::TicketTypes(BTreeSet::from([presale])),
                unlocks: BTreeSet::from([presale]),
                limit: UsesLimit {
                    max_uses: NonZeroU32::new(10).unwrap(),
                    counting: UseCounting::PerOrder,
                },
                window: ValidityWindow::default(),
            },
        }],
        created_at: at(2, 1, 0, 0),
    });
    let requests = [
        request(1, vec![line(presale, 1)]),
        with_code(request(2, vec![line(presale, 1)]), "ONE-ORDER"),
        with_code(request(3, vec![line(presale, 2)]), "early-access"),
    ];
    let decision =
        Inventory::default().decide_holds(SaleTerms::new(&event, &book), &requests, now());
    // Without a code, or with one that does not unlock it, the type does not exist.
    assert_eq!(
        decision.outcomes,
        vec![
            refused(HoldRefusal::UnknownTicketType(presale)),
            refused(HoldRefusal::UnknownTicketType(presale)),
            held_now(),
        ]
    );
}

#[test]
fn a_claim_keeps_which_of_the_orders_types_took_the_codes_uses_and_how() {
    // given a checkout of General and VIP tickets with "VIP-FRIENDS" (VIP only, per
    // ticket) or "ONE-ORDER" (anything, per order),
    let book = book();
    let lines = [line(general(), 2), line(vip(), 1)];
    let claim = |raw: &str| {
        let terms = &book.voucher(&code(raw)).unwrap().terms;
        let code_use = CodeUse {
            code: code(raw),
            uses: uses_of(terms, &lines),
        };
        CodeClaim::new(code_use, terms, &lines)
    };
    // when the order's claim is made, then it says which tickets a refund counts,
    let vip_friends = claim("VIP-FRIENDS");
    let reach = vip_friends.reach.clone().unwrap();
    assert_eq!(reach.ticket_types, BTreeSet::from([vip()]));
    assert_eq!(vip_friends.code_use.uses, 1);
    assert_eq!(vip_friends.max_uses, 3);
    // and counts them as checkout did, whatever the terms become later.
    assert_eq!(reach.uses_of([general(), vip()]), 1);
    assert_eq!(reach.uses_of([general(), general()]), 0);
    let one_order = claim("ONE-ORDER").reach.unwrap();
    assert_eq!(one_order.counting, UseCounting::PerOrder);
    assert_eq!(one_order.uses_of([general(), general(), vip()]), 1);
    assert_eq!(one_order.uses_of([]), 0);
}

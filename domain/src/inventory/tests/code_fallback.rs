//! A buyer who asks to be held without their promo code when it has no use left: the
//! fallback is decided with the hold, in the same batch, and only for a code used up.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use uuid::Uuid;

use super::codes::{code, refused, with_code};
use super::fixtures::*;
use crate::event::{Event, TicketType};
use crate::ids::{EventId, TicketTypeId};
use crate::inventory::{
    HoldDecision, HoldOutcome, HoldRefusal, HoldRequest, IfCodeUsedUp, Inventory, SaleTerms,
};
use crate::voucher::{
    Discount, NewVoucher, UseCounting, UsesLimit, ValidityWindow, VoucherBook, VoucherEvent,
    VoucherScope, VoucherTerms,
};
use crate::Decide;

/// The flash sale: 150 General admission tickets (100 per order), and a hidden Presale of 5.
fn flash_sale() -> Event {
    event_with(vec![
        ticket_type(general(), "General admission", 150, 100),
        TicketType {
            hidden: true,
            ..ticket_type(presale(), "Presale", 5, 2)
        },
    ])
}

fn presale() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x703))
}

/// "FLASH": 20 % off anything, 100 tickets in all; "EARLY-ACCESS": unlocks the Presale,
/// one order; "LATER": opens in April.
fn book() -> VoucherBook {
    let terms = |scope, unlocks, max, counting, window| VoucherTerms {
        discount: Discount::Percent(20),
        scope,
        unlocks,
        limit: UsesLimit {
            max_uses: NonZeroU32::new(max).unwrap(),
            counting,
        },
        window,
    };
    let presale_only = || BTreeSet::from([presale()]);
    let mut book = VoucherBook::default();
    book.evolve(VoucherEvent::VouchersCreated {
        event_id: EventId::from_uuid(Uuid::from_u128(0xE1)),
        vouchers: vec![
            NewVoucher {
                code: code("FLASH"),
                terms: terms(
                    VoucherScope::AllTicketTypes,
                    BTreeSet::new(),
                    100,
                    UseCounting::PerTicket,
                    ValidityWindow::default(),
                ),
            },
            NewVoucher {
                code: code("EARLY-ACCESS"),
                terms: terms(
                    VoucherScope::TicketTypes(presale_only()),
                    presale_only(),
                    1,
                    UseCounting::PerOrder,
                    ValidityWindow::default(),
                ),
            },
            NewVoucher {
                code: code("LATER"),
                terms: terms(
                    VoucherScope::AllTicketTypes,
                    BTreeSet::new(),
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

/// Reservation `n` of `tickets` General with `raw`, held without it if it is used up.
fn falling_back(n: u128, tickets: u32, raw: &str) -> HoldRequest {
    or_without_code(with_code(request(n, vec![line(general(), tickets)]), raw))
}

fn or_without_code(request: HoldRequest) -> HoldRequest {
    HoldRequest {
        if_code_used_up: IfCodeUsedUp::HoldWithoutCode,
        ..request
    }
}

fn held(code_used_up: bool) -> HoldOutcome {
    HoldOutcome::Held {
        expires_at: lapse_of(now()),
        code_used_up,
    }
}

fn decide(inventory: &Inventory, requests: &[HoldRequest]) -> HoldDecision {
    let (event, book) = (flash_sale(), book());
    inventory.decide_holds(SaleTerms::new(&event, &book), requests, now())
}

#[test]
fn the_buyer_after_the_hundredth_use_is_held_without_the_code_in_the_same_batch() {
    // Given "FLASH", 100 tickets in all, and 101 buyers of one ticket each who all try it
    // and would rather be held without it than turned away,
    let requests: Vec<_> = (1..=101).map(|n| falling_back(n, 1, "FLASH")).collect();

    // when one batch decides them all,
    let decision = decide(&Inventory::default(), &requests);

    // then the first hundred take a use each and the 101st is held at the list price.
    let mut expected = vec![held(false); 100];
    expected.push(held(true));
    assert_eq!(decision.outcomes, expected);
    let inventory = inventory_after(decision.events);
    assert_eq!(inventory.code_uses(&code("FLASH"), now()), 100);
    assert_eq!(inventory.held(general(), now()), 101);
    assert_eq!(
        inventory.hold(rid(100)).unwrap().code_use().unwrap().uses,
        1
    );
    assert_eq!(inventory.hold(rid(101)).unwrap().code_use(), None);
}

#[test]
fn a_buyer_who_did_not_ask_to_fall_back_is_still_refused() {
    // Given all 100 uses of "FLASH" held,
    let inventory =
        inventory_after(decide(&Inventory::default(), &[falling_back(1, 100, "FLASH")]).events);

    // when two more buyers try it, only one of them saying "without the code, then",
    let decision = decide(
        &inventory,
        &[
            with_code(request(2, vec![line(general(), 1)]), "FLASH"),
            falling_back(3, 1, "FLASH"),
        ],
    );

    // then the other is refused for the code, as before, and nothing is held for them.
    assert_eq!(
        decision.outcomes,
        vec![refused(HoldRefusal::CodeUsedUp), held(true)]
    );
    let inventory = inventory_after_more(&inventory, decision);
    assert_eq!(inventory.hold(rid(2)), None);
    assert_eq!(inventory.code_uses(&code("FLASH"), now()), 100);
}

#[test]
fn only_a_used_up_code_falls_back() {
    // A code the event lacks, one not valid yet, or one applying to none of the tickets
    // is the buyer's mistake, not the rush's: refused whatever they asked.
    let requests = [
        falling_back(1, 1, "NO-SUCH-CODE"),
        falling_back(2, 1, "LATER"),
        falling_back(3, 1, "EARLY-ACCESS"),
    ];
    let decision = decide(&Inventory::default(), &requests);
    assert!(matches!(
        &decision.outcomes[..],
        [
            HoldOutcome::Refused(HoldRefusal::CodeUnknown),
            HoldOutcome::Refused(HoldRefusal::CodeUnusable(_)),
            HoldOutcome::Refused(HoldRefusal::CodeNotApplicable),
        ]
    ));
    assert!(decision.events.is_empty());
}

#[test]
fn a_code_that_fell_back_unlocks_no_hidden_type() {
    // Given the one use of "EARLY-ACCESS" taken,
    let presale_request = |n, tickets| {
        or_without_code(with_code(
            request(n, vec![line(presale(), tickets)]),
            "EARLY-ACCESS",
        ))
    };
    let first = decide(&Inventory::default(), &[presale_request(1, 1)]);
    assert_eq!(first.outcomes, vec![held(false)]);
    let inventory = inventory_after(first.events);

    // when another buyer asks for the Presale with it, falling back if used up,
    let decision = decide(&inventory, &[presale_request(2, 2)]);

    // then without the code the Presale does not exist for them, as for anyone.
    assert_eq!(
        decision.outcomes,
        vec![refused(HoldRefusal::UnknownTicketType(presale()))]
    );
    assert!(decision.events.is_empty());
}

#[test]
fn a_fallback_still_needs_the_tickets() {
    // Given 150 General held, 100 of them with every use of "FLASH",
    let inventory = inventory_after(
        decide(
            &Inventory::default(),
            &[
                falling_back(1, 100, "FLASH"),
                request(2, vec![line(general(), 50)]),
            ],
        )
        .events,
    );

    // then a buyer falling back is refused for the tickets, not the code.
    let decision = decide(&inventory, &[falling_back(3, 1, "FLASH")]);
    assert_eq!(
        decision.outcomes,
        vec![refused(HoldRefusal::SoldOut {
            ticket_type_id: general(),
            available: 0
        })]
    );
}

#[test]
fn a_use_given_back_is_taken_by_the_next_buyer_who_falls_back() {
    // Given all uses held by one hold, which the buyer then releases,
    let mut inventory =
        inventory_after(decide(&Inventory::default(), &[falling_back(1, 100, "FLASH")]).events);
    let released = inventory.release_hold(rid(1), now()).unwrap();
    inventory.evolve(released.into_iter().next().unwrap());

    // then the next buyer gets the code again.
    let decision = decide(&inventory, &[falling_back(2, 3, "FLASH")]);
    assert_eq!(decision.outcomes, vec![held(false)]);
    let inventory = inventory_after_more(&inventory, decision);
    assert_eq!(inventory.code_uses(&code("FLASH"), now()), 3);
}

#[test]
fn a_retry_of_a_hold_that_fell_back_is_already_held_without_the_code() {
    // Given the uses taken and a hold placed without the code,
    let decision = decide(
        &Inventory::default(),
        &[falling_back(1, 100, "FLASH"), falling_back(2, 1, "FLASH")],
    );
    let inventory = inventory_after(decision.events);

    // when the buyer retries it (an answer lost), and then with the code alone,
    let again = decide(&inventory, &[falling_back(2, 1, "FLASH")]);
    let strict = decide(
        &inventory,
        &[with_code(request(2, vec![line(general(), 1)]), "FLASH")],
    );

    // then the retry finds its hold, still without the code; the other is another request.
    assert_eq!(
        again.outcomes,
        vec![HoldOutcome::AlreadyHeld {
            expires_at: lapse_of(now()),
            code_used_up: true
        }]
    );
    assert!(again.events.is_empty());
    assert_eq!(
        strict.outcomes,
        vec![refused(HoldRefusal::ReservationIdReused)]
    );
}

#[test]
fn the_choice_is_left_out_of_the_stored_form_unless_it_falls_back() {
    // Requests stored before buyers could choose read as refusing.
    let plain = with_code(request(1, vec![line(general(), 1)]), "FLASH");
    let json = serde_json::to_value(&plain).unwrap();
    assert!(json.get("if_code_used_up").is_none());
    assert_eq!(serde_json::from_value::<HoldRequest>(json).unwrap(), plain);
    let choosing = falling_back(1, 1, "FLASH");
    let json = serde_json::to_value(&choosing).unwrap();
    assert_eq!(json["if_code_used_up"], "hold_without_code");
    assert_eq!(
        serde_json::from_value::<HoldRequest>(json).unwrap(),
        choosing
    );
}

/// `inventory` after the events of `decision`.
fn inventory_after_more(inventory: &Inventory, decision: HoldDecision) -> Inventory {
    let mut inventory = inventory.clone();
    for event in decision.events {
        inventory.evolve(event);
    }
    inventory
}

//! The voucher book's rules, given / when / then.

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use chrono::{DateTime, TimeZone as _, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::ids::{EventId, TicketTypeId};
use crate::money::{Currency, Money};

type BookTest = TestFramework<VoucherBook>;

fn book() -> BookTest {
    TestFramework::<VoucherBook>::with(())
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 5, day, hour, 0, 0).unwrap()
}

fn event_id() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xE1))
}

fn standard() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x701))
}

fn vip() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x702))
}

/// A hidden ticket type, sold only to holders of a presale code.
fn presale() -> TicketTypeId {
    TicketTypeId::from_uuid(Uuid::from_u128(0x703))
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn catalogue() -> CatalogueFacts {
    CatalogueFacts {
        event_id: event_id(),
        ticket_types: BTreeSet::from([standard(), vip(), presale()]),
        currency: eur(),
    }
}

fn code(raw: &str) -> VoucherCode {
    VoucherCode::parse(raw).unwrap()
}

fn uses(max: u32, counting: UseCounting) -> UsesLimit {
    UsesLimit {
        max_uses: NonZeroU32::new(max).unwrap(),
        counting,
    }
}

/// 20 % off every ticket, 100 tickets, no window.
fn twenty_percent_off() -> VoucherTerms {
    VoucherTerms {
        discount: Discount::Percent(20),
        scope: VoucherScope::AllTicketTypes,
        unlocks: BTreeSet::new(),
        limit: uses(100, UseCounting::PerTicket),
        window: ValidityWindow::default(),
    }
}

/// The presale: no discount, unlocks the hidden type, one order each.
fn presale_access() -> VoucherTerms {
    VoucherTerms {
        discount: Discount::None,
        scope: VoucherScope::TicketTypes(BTreeSet::from([presale()])),
        unlocks: BTreeSet::from([presale()]),
        limit: uses(1, UseCounting::PerOrder),
        window: ValidityWindow {
            from: Some(at(1, 10)),
            until: Some(at(3, 10)),
        },
    }
}

fn created(vouchers: Vec<NewVoucher>) -> VoucherEvent {
    VoucherEvent::VouchersCreated {
        event_id: event_id(),
        vouchers,
        created_at: at(1, 9),
    }
}

fn new(raw: &str, terms: VoucherTerms) -> NewVoucher {
    NewVoucher {
        code: code(raw),
        terms,
    }
}

fn create(vouchers: Vec<NewVoucher>) -> VoucherCommand {
    VoucherCommand::CreateVouchers {
        catalogue: catalogue(),
        vouchers,
        now: at(1, 9),
    }
}

#[test]
fn an_organiser_creates_a_discount_code() {
    book()
        .given_no_previous_events()
        .when(create(vec![new("early-bird", twenty_percent_off())]))
        .then_expect_events(vec![created(vec![new("EARLY-BIRD", twenty_percent_off())])]);
}

#[test]
fn a_bulk_of_codes_is_created_as_one_fact() {
    let bulk: Vec<NewVoucher> = (0..500)
        .map(|n| new(&format!("PRE-{n:04}"), presale_access()))
        .collect();
    book()
        .given_no_previous_events()
        .when(create(bulk.clone()))
        .then_expect_events(vec![created(bulk)]);
}

#[test]
fn a_code_the_event_already_has_is_refused_whatever_its_case() {
    book()
        .given(vec![created(vec![new("EARLY-BIRD", twenty_percent_off())])])
        .when(create(vec![new("early-bird", presale_access())]))
        .then_expect_error(VoucherError::DuplicateCode(code("EARLY-BIRD")));
}

#[test]
fn a_code_given_twice_in_one_creation_creates_none() {
    book()
        .given_no_previous_events()
        .when(create(vec![
            new("SUMMER", twenty_percent_off()),
            new("summer", twenty_percent_off()),
        ]))
        .then_expect_error(VoucherError::DuplicateCode(code("SUMMER")));
}

#[test]
fn a_code_that_gives_nothing_is_refused() {
    let nothing = VoucherTerms {
        discount: Discount::None,
        ..twenty_percent_off()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("NOTHING", nothing)]))
        .then_expect_error(VoucherError::OffersNothing);
}

#[test]
fn a_percentage_outside_one_to_a_hundred_is_refused() {
    for percent in [0, 101] {
        let terms = VoucherTerms {
            discount: Discount::Percent(percent),
            ..twenty_percent_off()
        };
        book()
            .given_no_previous_events()
            .when(create(vec![new("PERCENT", terms)]))
            .then_expect_error(VoucherError::PercentOutOfRange);
    }
}

#[test]
fn a_fixed_discount_must_be_positive_and_in_the_events_currency() {
    let in_dollars = VoucherTerms {
        discount: Discount::Fixed(Money::new(500, Currency::parse("USD").unwrap())),
        ..twenty_percent_off()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("FIVE-OFF", in_dollars)]))
        .then_expect_error(VoucherError::CurrencyMismatch {
            expected: eur(),
            found: Currency::parse("USD").unwrap(),
        });
    let zero = VoucherTerms {
        discount: Discount::Fixed(Money::new(0, eur())),
        ..twenty_percent_off()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("ZERO-OFF", zero)]))
        .then_expect_error(VoucherError::FixedNotPositive);
}

#[test]
fn a_code_may_name_only_ticket_types_the_event_has() {
    let stranger = TicketTypeId::from_uuid(Uuid::from_u128(0x799));
    let terms = VoucherTerms {
        unlocks: BTreeSet::from([stranger]),
        ..presale_access()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("PRESALE", terms)]))
        .then_expect_error(VoucherError::UnknownTicketType(stranger));
    let empty = VoucherTerms {
        scope: VoucherScope::TicketTypes(BTreeSet::new()),
        ..twenty_percent_off()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("NOWHERE", empty)]))
        .then_expect_error(VoucherError::EmptyScope);
}

#[test]
fn a_window_that_closes_before_it_opens_is_refused() {
    let terms = VoucherTerms {
        window: ValidityWindow {
            from: Some(at(3, 10)),
            until: Some(at(3, 10)),
        },
        ..twenty_percent_off()
    };
    book()
        .given_no_previous_events()
        .when(create(vec![new("BACKWARDS", terms)]))
        .then_expect_error(VoucherError::WindowEndsBeforeItStarts);
}

#[test]
fn too_many_codes_at_once_are_refused() {
    let bulk: Vec<NewVoucher> = (0..=MAX_VOUCHERS_PER_CREATION)
        .map(|n| new(&format!("BULK-{n:05}"), presale_access()))
        .collect();
    book()
        .given_no_previous_events()
        .when(create(bulk))
        .then_expect_error(VoucherError::TooManyAtOnce);
    book()
        .given_no_previous_events()
        .when(create(Vec::new()))
        .then_expect_error(VoucherError::NothingToCreate);
}

#[test]
fn an_organiser_changes_a_codes_terms_and_the_same_terms_again_record_nothing() {
    let more = VoucherTerms {
        limit: uses(200, UseCounting::PerTicket),
        ..twenty_percent_off()
    };
    let change = |terms: VoucherTerms| VoucherCommand::ChangeVoucher {
        catalogue: catalogue(),
        code: code("early-bird"),
        terms,
        now: at(2, 9),
    };
    book()
        .given(vec![created(vec![new("EARLY-BIRD", twenty_percent_off())])])
        .when(change(more.clone()))
        .then_expect_events(vec![VoucherEvent::VoucherChanged {
            event_id: event_id(),
            code: code("EARLY-BIRD"),
            terms: more,
            changed_at: at(2, 9),
        }]);
    book()
        .given(vec![created(vec![new("EARLY-BIRD", twenty_percent_off())])])
        .when(change(twenty_percent_off()))
        .then_expect_events(vec![]);
    book()
        .given_no_previous_events()
        .when(change(twenty_percent_off()))
        .then_expect_error(VoucherError::UnknownCode(code("EARLY-BIRD")));
}

#[test]
fn a_switched_off_code_cannot_be_used_and_switching_it_off_again_records_nothing() {
    let switch = |enabled| VoucherCommand::SwitchVoucher {
        event_id: event_id(),
        code: code("EARLY-BIRD"),
        enabled,
        now: at(2, 9),
    };
    let off = VoucherEvent::VoucherSwitched {
        event_id: event_id(),
        code: code("EARLY-BIRD"),
        enabled: false,
        switched_at: at(2, 9),
    };
    book()
        .given(vec![created(vec![new("EARLY-BIRD", twenty_percent_off())])])
        .when(switch(false))
        .then_expect_events(vec![off.clone()]);
    book()
        .given(vec![
            created(vec![new("EARLY-BIRD", twenty_percent_off())]),
            off.clone(),
        ])
        .when(switch(false))
        .then_expect_events(vec![]);

    let mut state = VoucherBook::default();
    state.evolve(created(vec![new("EARLY-BIRD", twenty_percent_off())]));
    state.evolve(off);
    let voucher = state.voucher(&code("early-bird")).unwrap();
    assert_eq!(voucher.usable_at(at(2, 10)), Err(VoucherUnusable::Disabled));
}

#[test]
fn a_code_is_usable_only_inside_its_window() {
    let terms = presale_access();
    assert_eq!(
        terms.check_window(at(1, 9)),
        Err(VoucherUnusable::NotYetValid { from: at(1, 10) })
    );
    assert_eq!(terms.check_window(at(1, 10)), Ok(()));
    assert_eq!(
        terms.check_window(at(3, 10)),
        Err(VoucherUnusable::Expired { until: at(3, 10) })
    );
}

#[test]
fn a_discount_never_takes_a_price_below_zero_and_rounds_to_the_nearest_cent() {
    let price = |cents| Money::new(cents, eur());
    assert_eq!(Discount::Percent(20).apply(price(4_500)), price(3_600));
    assert_eq!(Discount::Percent(33).apply(price(15)), price(10));
    assert_eq!(Discount::Percent(100).apply(price(4_500)), price(0));
    assert_eq!(
        Discount::Fixed(price(1_000)).apply(price(4_500)),
        price(3_500)
    );
    assert_eq!(Discount::Fixed(price(9_000)).apply(price(4_500)), price(0));
    assert_eq!(Discount::None.apply(price(4_500)), price(4_500));
    let vip_only = VoucherTerms {
        scope: VoucherScope::TicketTypes(BTreeSet::from([vip()])),
        ..twenty_percent_off()
    };
    assert_eq!(vip_only.price_of(standard(), price(4_500)), price(4_500));
    assert_eq!(vip_only.price_of(vip(), price(10_000)), price(8_000));
}

#[test]
fn a_use_is_a_ticket_in_scope_or_an_order_with_one() {
    let vip_tickets = VoucherTerms {
        scope: VoucherScope::TicketTypes(BTreeSet::from([vip()])),
        ..twenty_percent_off()
    };
    assert_eq!(vip_tickets.uses_for(&[(standard(), 2), (vip(), 3)]), 3);
    assert_eq!(vip_tickets.uses_for(&[(standard(), 2)]), 0);
    let per_order = VoucherTerms {
        limit: uses(1, UseCounting::PerOrder),
        ..vip_tickets
    };
    assert_eq!(per_order.uses_for(&[(standard(), 2), (vip(), 3)]), 1);
    assert_eq!(per_order.uses_for(&[(standard(), 2)]), 0);
}

//! The ceiling of a ticket price, in the event currency's own decimals.

use super::fixtures::*;
use crate::event::{EventCommand, EventError, TicketType};
use crate::money::{Currency, Money};

fn priced(amount_minor: i64, currency: Currency) -> TicketType {
    TicketType {
        price: Money::new(amount_minor, currency),
        ..ticket_type(1, "General admission")
    }
}

#[test]
fn refuses_a_price_above_one_hundred_thousand_of_the_currency() {
    // A quadrillion cents: a price typed with a run of extra zeros.
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(priced(
            1_000_000_000_000_000,
            eur(),
        )))
        .then_expect_error(EventError::PriceTooHigh {
            max: "100000.00 EUR".to_owned(),
        });
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(priced(10_000_001, eur())))
        .then_expect_error(EventError::PriceTooHigh {
            max: "100000.00 EUR".to_owned(),
        });
}

#[test]
fn accepts_a_price_of_exactly_the_ceiling() {
    event_test()
        .given(vec![drafted()])
        .when(EventCommand::AddTicketType(priced(10_000_000, eur())))
        .then_expect_events(vec![added(priced(10_000_000, eur()))]);
}

#[test]
fn the_ceiling_follows_the_currency_decimals() {
    let yen = Currency::parse("JPY").unwrap();
    let drafted_in_yen = match drafted() {
        crate::event::EventCatalogueEvent::EventDrafted {
            event_id,
            details,
            organiser,
            ..
        } => crate::event::EventCatalogueEvent::EventDrafted {
            event_id,
            details,
            currency: yen,
            organiser,
        },
        other => other,
    };
    event_test()
        .given(vec![drafted_in_yen.clone()])
        .when(EventCommand::AddTicketType(priced(100_000, yen)))
        .then_expect_events(vec![added(priced(100_000, yen))]);
    event_test()
        .given(vec![drafted_in_yen])
        .when(EventCommand::AddTicketType(priced(100_001, yen)))
        .then_expect_error(EventError::PriceTooHigh {
            max: "100000 JPY".to_owned(),
        });
}

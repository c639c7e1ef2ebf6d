//! The stored form: events recorded by earlier versions still read.

use super::fixtures::*;
use crate::order::{OrderEvent, PaymentProvider};

#[test]
fn a_refund_recorded_before_provider_ids_were_kept_still_reads() {
    let mut stored = serde_json::to_value(refunded(1, Vec::new(), 14_000)).unwrap();
    stored["TicketsRefunded"]
        .as_object_mut()
        .unwrap()
        .remove("provider_refund_id");
    let event: OrderEvent = serde_json::from_value(stored).unwrap();
    let OrderEvent::TicketsRefunded {
        provider_refund_id, ..
    } = event
    else {
        panic!("not a refund: {event:?}");
    };
    assert_eq!(provider_refund_id, None);
}

/// An `OrderPlaced` exactly as the struct variant of earlier versions stored it, with a
/// buyer email in mixed case (never written by the API, which lowercases, but possible
/// in hand-made or older data).
const STORED_ORDER_PLACED: &str = r#"{"OrderPlaced": {
    "order_id": "00000000-0000-0000-0000-00000000a001",
    "event_id": "00000000-0000-0000-0000-0000000000e1",
    "reservation_id": "00000000-0000-0000-0000-000000009001",
    "buyer_email": "Ada@Example.COM",
    "account_id": null,
    "lines": [{"ticket_type_id": "00000000-0000-0000-0000-000000000701", "name": "General",
               "quantity": 2, "unit_price": {"amount_minor": 2500, "currency": "EUR"}}],
    "total": {"amount_minor": 5000, "currency": "EUR"},
    "provider": "simulated",
    "session_id": "sim_cs_1",
    "checkout_url": "http://shop.test/checkout/sim_cs_1",
    "payment_due_by": "2030-03-01T12:15:00Z",
    "placed_at": "2030-03-01T12:00:00Z"
}}"#;

#[test]
fn an_order_placed_by_an_earlier_version_reads_and_writes_back_the_same() {
    let stored: serde_json::Value = serde_json::from_str(STORED_ORDER_PLACED).unwrap();
    let event: OrderEvent = serde_json::from_value(stored.clone()).unwrap();
    let OrderEvent::OrderPlaced(placed) = &event else {
        panic!("not an order placed: {event:?}");
    };
    assert_eq!(placed.event_id, placed_order().event_id);
    assert_eq!(placed.total, eur(5_000));
    assert_eq!(placed.placed_at, now());
    assert_eq!(serde_json::to_value(&event).unwrap(), stored);
}

#[test]
fn a_buyer_email_stored_in_mixed_case_reads_as_typed_and_equals_its_lower_case() {
    let event: OrderEvent = serde_json::from_str(STORED_ORDER_PLACED).unwrap();
    let OrderEvent::OrderPlaced(placed) = event else {
        panic!("not an order placed");
    };
    assert_eq!(placed.buyer_email.as_str(), "Ada@Example.COM");
    assert_eq!(placed.buyer_email, buyer());
}

#[test]
fn tickets_issued_keep_the_buyer_email_as_a_bare_string() {
    let stored = serde_json::to_value(issued()).unwrap();
    assert_eq!(stored["TicketsIssued"]["buyer_email"], "ada@example.com");
}

#[test]
fn the_provider_is_named_as_it_is_stored() {
    for provider in [PaymentProvider::Stripe, PaymentProvider::Simulated] {
        assert_eq!(
            serde_json::to_value(provider).unwrap(),
            provider.as_str(),
            "{provider:?}"
        );
    }
}

#[test]
fn a_refund_requested_before_codes_could_be_given_back_still_reads() {
    let stored = serde_json::to_value(refund_requested(1, Vec::new(), 14_000)).unwrap();
    assert!(
        stored["RefundRequested"].get("code_given_back").is_none(),
        "not written when not chosen"
    );
    let event: OrderEvent = serde_json::from_value(stored).unwrap();
    assert!(matches!(
        event,
        OrderEvent::RefundRequested {
            code_given_back: None,
            ..
        }
    ));
}

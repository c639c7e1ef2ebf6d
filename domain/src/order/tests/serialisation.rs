//! The stored form: events recorded by earlier versions still read.

use super::fixtures::*;
use crate::order::OrderEvent;

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

/// An `OrderPlaced` exactly as the struct variant of earlier versions stored it.
const STORED_ORDER_PLACED: &str = r#"{"OrderPlaced": {
    "order_id": "00000000-0000-0000-0000-00000000a001",
    "event_id": "00000000-0000-0000-0000-0000000000e1",
    "reservation_id": "00000000-0000-0000-0000-000000009001",
    "buyer_email": "ada@example.com",
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

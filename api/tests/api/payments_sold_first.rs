//! A payment sells its hold first, then records the payment and the tickets in one order
//! append (docs/payments.md, "One order append per payment"). A process that stops
//! between the sale and the append leaves the hold sold and the order awaiting payment:
//! the payment's next delivery, or else the payments process, records it, once.

use carneau_commands::AggregateStore;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryCommand, Quantity};
use carneau_domain::order::{Order, OrderCommand};
use carneau_domain::{Cause, EventMetadata, Process};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;
use std::time::Duration;
use uuid::Uuid;

use crate::support::eventually_within;
use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::OnSale;

/// A paid order's facts and its sale's, in log order.
const PAID_IN_ORDER: [&str; 4] = [
    "OrderPlaced",
    "HoldSold",
    "PaymentReceived",
    "TicketsIssued",
];

/// The facts of the order and its sale, in log order: (type, transaction id as text).
async fn purchase_facts(app: &PaymentsApp, order_id: Uuid) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT event_type, transaction_id::text AS tx FROM events \
          WHERE (aggregate_type = 'Order' AND aggregate_id = $1) \
             OR (aggregate_type = 'Inventory' AND event_type = 'HoldSold' \
                 AND payload -> 'HoldSold' ->> 'order_id' = $1) \
          ORDER BY global_position",
    )
    .bind(order_id.to_string())
    .fetch_all(app.app.database.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|row| (row.get("event_type"), row.get("tx")))
    .collect()
}

fn types(facts: &[(String, String)]) -> Vec<&str> {
    facts.iter().map(|(kind, _)| kind.as_str()).collect()
}

/// Sells the checkout's hold through the desk, as the payment does before its order
/// append, and stops there: the process that sold it "died".
async fn sell_and_stop(app: &PaymentsApp, on_sale: OnSale, checkout: &Checkout, quantity: u32) {
    let reservations = &app.app.state.reservations;
    let event_id = EventId::from_uuid(on_sale.event_id);
    let (_, catalogue) = reservations.inventory(event_id).await.unwrap();
    let sold = reservations
        .decide(
            event_id,
            InventoryCommand::SellHold {
                event: Box::new(catalogue),
                reservation_id: ReservationId::from_uuid(checkout.reservation_id),
                order_id: OrderId::from_uuid(checkout.order_id),
                lines: vec![HoldLine {
                    ticket_type_id: TicketTypeId::from_uuid(on_sale.ticket_type_id),
                    quantity: Quantity::parse(quantity).unwrap(),
                }],
                code: None,
                now: Utc::now(),
            },
            &EventMetadata::process(Process::Test, Cause::Operator),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sold.len(), 1, "the hold is sold");
}

#[tokio::test]
async fn a_payment_sells_the_hold_then_records_itself_and_the_tickets_in_one_append() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    app.pay(&checkout).await;

    let facts = purchase_facts(&app, checkout.order_id).await;
    assert_eq!(types(&facts), PAID_IN_ORDER);
    assert_eq!(
        facts[2].1, facts[3].1,
        "the payment and its tickets are one append: {facts:?}"
    );
    assert_ne!(facts[1].1, facts[2].1, "the sale is the desk's own append");
    app.eventually_status(&checkout, "paid").await;
}

#[tokio::test]
async fn a_stop_between_the_sale_and_the_order_is_mended_by_the_next_delivery() {
    let mut app = PaymentsApp::start(&[]).await;
    // Only the delivery may mend it here, not the payments process.
    app.stop_background();
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 3).await;
    let session = app
        .stripe
        .complete_session(&app.session_id(&checkout), true);
    sell_and_stop(&app, on_sale, &checkout, 3).await;
    assert_eq!(
        types(&purchase_facts(&app, checkout.order_id).await),
        vec!["OrderPlaced", "HoldSold"],
        "sold, the payment not recorded"
    );

    let event_id = format!("evt_paid_{}", checkout.order_id);
    for _ in 0..2 {
        let status = app
            .deliver_event(&event_id, "checkout.session.completed", &session)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        types(&purchase_facts(&app, checkout.order_id).await),
        PAID_IN_ORDER,
        "sold once, paid once, three tickets issued once"
    );
    let tickets: Value = sqlx::query_scalar(
        "SELECT payload -> 'TicketsIssued' -> 'tickets' FROM events \
          WHERE aggregate_type = 'Order' AND aggregate_id = $1 AND event_type = 'TicketsIssued'",
    )
    .bind(checkout.order_id.to_string())
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    assert_eq!(tickets.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn the_payments_process_records_the_payment_of_a_hold_sold_before_a_stop() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 1).await;
    // The buyer paid; Stripe's event is not delivered (it would be, within the hour).
    app.stripe
        .complete_session(&app.session_id(&checkout), true);
    sell_and_stop(&app, on_sale, &checkout, 1).await;

    // The process leaves a sale 10 seconds to be recorded by the payment that made it.
    let order = eventually_within(
        Duration::from_secs(40),
        Duration::from_millis(200),
        "the order paid by the payments process",
        || async {
            let order = app.order(&checkout).await;
            (order["status"] == "paid").then_some(order)
        },
    )
    .await;
    assert_eq!(
        order["tickets"].as_array().map(Vec::len),
        Some(1),
        "{order}"
    );
    let facts = purchase_facts(&app, checkout.order_id).await;
    assert_eq!(types(&facts), PAID_IN_ORDER);
    // The process recorded what the provider reported, as its own event id.
    let recorded: String = sqlx::query_scalar(
        "SELECT payload -> 'PaymentReceived' ->> 'provider_event_id' FROM events \
          WHERE aggregate_type = 'Order' AND aggregate_id = $1 AND event_type = 'PaymentReceived'",
    )
    .bind(checkout.order_id.to_string())
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    assert!(recorded.starts_with("retrieved:"), "{recorded}");
}

#[tokio::test]
async fn a_checkout_retried_after_the_payment_answers_the_paid_order() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    app.pay(&checkout).await;

    // The hold is sold: this attempt stops before placing anything and answers the order
    // the first one placed.
    let again = app
        .http()
        .start_checkout(
            checkout.reservation_id,
            &checkout.token,
            "buyer@example.com",
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["order_id"], checkout.order_id.to_string());
    assert_eq!(again.body["checkout_url"], checkout.checkout_url.as_str());
    assert_eq!(app.stripe.session_ids().len(), 1);
}

#[tokio::test]
async fn a_payment_on_an_order_changed_since_this_process_placed_it_is_decided_on_the_log() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    // Another process records on the order behind this one's back: the order this
    // process kept from its checkout is a fact behind.
    let orders: AggregateStore<Order> = AggregateStore::new(app.app.database.pool().clone(), ());
    orders
        .execute(
            &OrderId::from_uuid(checkout.order_id).to_aggregate_id(),
            OrderCommand::MarkPaymentPending {
                provider_event_id: "evt_pending_elsewhere".into(),
                now: Utc::now(),
            },
            None,
            &EventMetadata::process(Process::Test, Cause::Operator),
        )
        .await
        .unwrap();

    app.pay(&checkout).await;
    let facts = purchase_facts(&app, checkout.order_id).await;
    assert_eq!(
        types(&facts),
        vec![
            "OrderPlaced",
            "PaymentPending",
            "HoldSold",
            "PaymentReceived",
            "TicketsIssued"
        ]
    );
    app.eventually_status(&checkout, "paid").await;
}

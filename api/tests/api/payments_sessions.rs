//! Payments for a checkout session that is not the order's own (issue 14, defect 3), with
//! the real async-stripe client against the testkit's fake Stripe: each is recorded in
//! the log by the provider's event and handled like a late payment; a second payment of
//! an order already paid is refunded against that payment's own PaymentIntent.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::OnSale;

/// One recorded fact of an order: its type, payload and metadata.
struct Fact {
    event_type: String,
    payload: Value,
    metadata: Value,
}

/// The order's facts, in its stream's order.
async fn order_facts(app: &PaymentsApp, order_id: Uuid) -> Vec<Fact> {
    let rows: Vec<(String, Value, Value)> = sqlx::query_as(
        "SELECT event_type, payload::jsonb, metadata::jsonb FROM events \
          WHERE aggregate_type = 'Order' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(order_id.to_string())
    .fetch_all(app.app.database.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(event_type, payload, metadata)| Fact {
            event_type,
            payload,
            metadata,
        })
        .collect()
}

/// The one fact of `event_type` of the order.
async fn only_fact(app: &PaymentsApp, order_id: Uuid, event_type: &str) -> Fact {
    let mut found: Vec<Fact> = order_facts(app, order_id)
        .await
        .into_iter()
        .filter(|fact| fact.event_type == event_type)
        .collect();
    assert_eq!(found.len(), 1, "one {event_type} expected");
    found.remove(0)
}

/// The PaymentIntent the fake gives the payment of `session`.
fn intent_of(session: &str) -> String {
    format!("pi_{}", session.trim_start_matches("cs_"))
}

/// The fact was recorded by the provider's event `event_id`, because of it.
fn assert_told_by_provider(fact: &Fact, event_id: &str) {
    assert_eq!(
        fact.metadata["actor"],
        json!({"kind": "payment_provider", "provider": "stripe", "event_id": event_id}),
        "{}",
        fact.metadata
    );
    assert_eq!(
        fact.metadata["cause"],
        json!({"kind": "provider_event", "event_id": event_id}),
        "{}",
        fact.metadata
    );
}

/// The buyer pays another session of the order's, and Stripe tells us (twice).
async fn pay_other_session(app: &PaymentsApp, session_id: &str, event_id: &str) {
    let session = app.stripe.complete_session(session_id, true);
    for _ in 0..2 {
        assert_eq!(
            app.deliver_event(event_id, "checkout.session.completed", &session)
                .await,
            StatusCode::OK
        );
    }
}

/// Holds `quantity` tickets, starts checkout, and has Stripe open another session for the
/// same order; answers the checkout and that other session's id.
async fn checkout_with_another_session(
    app: &PaymentsApp,
    on_sale: OnSale,
    quantity: u32,
) -> (Checkout, String) {
    let checkout = app.checkout(on_sale, quantity).await;
    let other = app
        .stripe
        .open_another_session(&app.session_id(&checkout))
        .unwrap();
    (checkout, other)
}

/// The order's one `PaymentReceived` names `session`, told by the provider's `event_id`.
async fn assert_paid_on(app: &PaymentsApp, order_id: Uuid, session: &str, event_id: &str) {
    let payment = only_fact(app, order_id, "PaymentReceived").await;
    assert_eq!(
        payment.payload["PaymentReceived"]["session_id"],
        json!(session)
    );
    assert_told_by_provider(&payment, event_id);
}

fn valid_tickets(order: &Value) -> usize {
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ticket| ticket["status"] == "valid")
        .count()
}

#[tokio::test]
async fn a_second_paid_session_on_a_paid_order_is_recorded_and_refunded_against_its_own_payment() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let (checkout, second) = checkout_with_another_session(&app, on_sale, 2).await;
    app.pay(&checkout).await;
    assert_eq!(app.order(&checkout).await["status"], "paid");

    pay_other_session(&app, &second, "evt_second_payment").await;

    // Refunded once, in full, against the second payment, not the order's.
    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].payment_intent, intent_of(&second));
    assert_eq!(refunds[0].amount, 5000);
    assert_eq!(
        refunds[0].idempotency_key.as_deref(),
        Some(format!("refund:{}:1", checkout.order_id).as_str())
    );
    let surplus = only_fact(&app, checkout.order_id, "SurplusPaymentReceived").await;
    let recorded = &surplus.payload["SurplusPaymentReceived"];
    assert_eq!(recorded["session_id"], json!(second));
    assert_eq!(recorded["payment_reference"], json!(intent_of(&second)));
    assert_eq!(
        recorded["amount"],
        json!({"amount_minor": 5000, "currency": "EUR"})
    );
    assert_told_by_provider(&surplus, "evt_second_payment");
    assert_eq!(
        app.provider_refund_ids(checkout.order_id).await,
        vec![Some(refunds[0].id.clone())]
    );

    // The order's own payment and tickets stand.
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(valid_tickets(&order), 2);
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
    app.eventually_counts(on_sale, 2, 0).await;
}

#[tokio::test]
async fn another_session_of_an_unpaid_order_sells_its_hold_and_the_orders_own_paid_after_is_refunded(
) {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let (checkout, second) = checkout_with_another_session(&app, on_sale, 2).await;

    pay_other_session(&app, &second, "evt_other_session").await;

    // The tickets were still the order's: sold, recorded as that session's payment.
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(valid_tickets(&order), 2);
    assert!(app.stripe.refunds().is_empty());
    assert_paid_on(&app, checkout.order_id, &second, "evt_other_session").await;

    // The order's own session paid afterwards is a second payment: refunded against it.
    app.pay(&checkout).await;
    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(
        refunds[0].payment_intent,
        intent_of(&app.session_id(&checkout))
    );
    assert_eq!(refunds[0].amount, 5000);
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(valid_tickets(&order), 2);
    app.eventually_counts(on_sale, 2, 0).await;
}

#[tokio::test]
async fn a_payment_for_another_session_of_an_unpaid_order_is_refunded_when_the_tickets_are_gone() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(3).await;
    let (late, second) = checkout_with_another_session(&app, on_sale, 2).await;
    let released = app
        .http()
        .release(late.reservation_id, Some(&late.token))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    let other = app.checkout(on_sale, 3).await;
    app.pay(&other).await;

    pay_other_session(&app, &second, "evt_late_other_session").await;

    let order = app.order(&late).await;
    assert_eq!(order["status"], "refunded");
    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].payment_intent, intent_of(&second));
    assert_eq!(refunds[0].amount, 5000);
    assert_paid_on(&app, late.order_id, &second, "evt_late_other_session").await;
    app.eventually_counts(on_sale, 3, 0).await;
}

#[tokio::test]
async fn an_expired_session_that_is_not_the_orders_own_ends_nothing() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let (checkout, second) = checkout_with_another_session(&app, on_sale, 2).await;
    let mut expired = app.stripe.session(&second).unwrap();
    expired["status"] = json!("expired");
    assert_eq!(
        app.deliver_event("evt_other_expired", "checkout.session.expired", &expired)
            .await,
        StatusCode::OK
    );
    assert_eq!(app.order(&checkout).await["status"], "awaiting_payment");
    app.eventually_counts(on_sale, 0, 2).await;

    app.pay(&checkout).await;
    assert_eq!(app.order(&checkout).await["status"], "paid");
    assert!(app.stripe.refunds().is_empty());
}

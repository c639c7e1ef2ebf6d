//! An asynchronous payment (a bank debit) pending past the limit: the payments process
//! asks Stripe once more, takes the payment if it settled (its event was lost), and
//! otherwise cancels the order and gives its tickets back, caused by the order's
//! `PaymentPending`. Money that still arrives later is a late payment.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::OnSale;

/// A pending payment is given up after one second here (14 days by default).
const SETTINGS: &[(&str, &str)] = &[
    ("CARNEAU_PENDING_PAYMENT_LIMIT_SECONDS", "1"),
    ("CARNEAU_PAYMENTS_INTERVAL_MS", "200"),
];

/// A checkout whose buyer chose a bank debit: completed, payment pending.
async fn pending_checkout(app: &PaymentsApp, on_sale: OnSale) -> Checkout {
    let checkout = app.checkout(on_sale, 2).await;
    let pending = app
        .stripe
        .complete_session(&app.session_id(&checkout), false);
    let delivered = app
        .deliver_event("evt_pending", "checkout.session.completed", &pending)
        .await;
    assert_eq!(delivered, StatusCode::OK);
    checkout
}

/// The metadata of the order's fact of `event_type`.
async fn fact_of(app: &PaymentsApp, checkout: &Checkout, event_type: &str) -> Value {
    sqlx::query_scalar(
        "SELECT metadata::jsonb FROM events WHERE aggregate_type = 'Order' \
            AND aggregate_id = $1 AND event_type = $2",
    )
    .bind(checkout.order_id.to_string())
    .bind(event_type)
    .fetch_one(app.app.database.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_payment_pending_past_the_limit_cancels_the_order_and_frees_its_tickets() {
    let app = PaymentsApp::start(SETTINGS).await;
    let on_sale = app.event(10).await;
    let checkout = pending_checkout(&app, on_sale).await;

    let cancelled = app.eventually_status(&checkout, "cancelled").await;
    assert!(
        cancelled["tickets"].as_array().unwrap().is_empty(),
        "{cancelled}"
    );
    app.eventually_counts(on_sale, 0, 0).await;
    // Who and why: the payments process, because the payment had been pending.
    let metadata = fact_of(&app, &checkout, "OrderCancelled").await;
    assert_eq!(metadata["actor"]["process"], "payments", "{metadata}");
    assert_eq!(metadata["cause"]["kind"], "fact", "{metadata}");
    let pending_at: i64 = sqlx::query_scalar(
        "SELECT sequence FROM events WHERE aggregate_type = 'Order' \
            AND aggregate_id = $1 AND event_type = 'PaymentPending'",
    )
    .bind(checkout.order_id.to_string())
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    assert_eq!(metadata["cause"]["sequence"], pending_at, "{metadata}");

    // The debit settles after all: a late payment, sold since the tickets are still there.
    let settled = app.stripe.settle_session(&app.session_id(&checkout));
    assert_eq!(
        app.deliver_event(
            "evt_late_ok",
            "checkout.session.async_payment_succeeded",
            &settled
        )
        .await,
        StatusCode::OK
    );
    let paid = app.eventually_status(&checkout, "paid").await;
    assert_eq!(paid["tickets"].as_array().unwrap().len(), 2, "{paid}");
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
}

#[tokio::test]
async fn a_payment_that_settled_without_its_event_is_taken_at_the_limit() {
    let app = PaymentsApp::start(SETTINGS).await;
    let on_sale = app.event(10).await;
    let checkout = pending_checkout(&app, on_sale).await;
    // The bank confirmed, but Stripe's async_payment_succeeded never reaches us.
    app.stripe.settle_session(&app.session_id(&checkout));

    let paid = app.eventually_status(&checkout, "paid").await;
    assert_eq!(paid["tickets"].as_array().unwrap().len(), 2, "{paid}");
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
    app.eventually_counts(on_sale, 2, 0).await;
    let cancelled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Order' \
            AND aggregate_id = $1 AND event_type = 'OrderCancelled'",
    )
    .bind(checkout.order_id.to_string())
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    assert_eq!(cancelled, 0);
}

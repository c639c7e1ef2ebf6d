//! Paying with a promo code: the order is priced with the code (the line says what it
//! cost before), the payment spends the code's uses for good, and Stripe is asked for
//! the discounted amount. A refund keeps the uses spent unless the organiser gives them
//! back, which the log records with the organiser as its actor.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::codes::{buy_with_code, hold_with_code, one_use_code};
use crate::support::eventually;
use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::reservation_body;

/// The organiser refunds the whole order, giving the code back or not (201 asserted).
async fn refund(app: &PaymentsApp, checkout: &Checkout, give_back_code: bool) {
    let refunded = app
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({ "give_back_code": give_back_code })),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(refunded.body["order"]["status"], "refunded");
}

/// The order's `RefundRequested` fact: its payload and its metadata.
async fn refund_fact(app: &PaymentsApp, order_id: Uuid) -> (Value, Value) {
    let (payload, metadata): (Value, Value) = sqlx::query_as(
        "SELECT payload::jsonb, metadata::jsonb FROM events \
          WHERE aggregate_type = 'Order' AND aggregate_id = $1 \
            AND event_type = 'RefundRequested'",
    )
    .bind(order_id.to_string())
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    (payload["RefundRequested"].clone(), metadata)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_pays_the_discounted_price_and_the_payment_spends_the_codes_use() {
    // 20 % off, one order.
    let (app, on_sale) = one_use_code("SPRING", 20, "per_order").await;

    let held = hold_with_code(&app, on_sale, 2, "spring").await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let checkout = app
        .checkout_hold(held.reservation_id(), held.token(), "buyer@example.com")
        .await;

    // EUR 25.00 a ticket, 20 % off: 2 x 20.00.
    let order = app.order(&checkout).await;
    assert_eq!(order["code"], "SPRING");
    assert_eq!(order["lines"][0]["unit_price"]["amount_minor"], 2_000);
    assert_eq!(order["lines"][0]["list_unit_price"]["amount_minor"], 2_500);
    assert_eq!(order["total"]["amount_minor"], 4_000);
    let session = app.pay(&checkout).await;
    assert_eq!(session["amount_total"], 4_000);
    app.eventually_status(&checkout, "paid").await;

    // Spent: the log's sale carries the use, and no other buyer may use the code.
    let capacities = HashMap::from([(on_sale.ticket_type_id, 20)]);
    let audit = audit_inventory_log(app.app.database.pool(), on_sale.event_id, &capacities).await;
    assert_eq!(audit.peak_code_uses["SPRING"], 1);
    hold_with_code(&app, on_sale, 1, "SPRING")
        .await
        .problem(StatusCode::CONFLICT, "voucher-used-up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_gives_a_refunded_orders_code_back_for_another_buyer() {
    let (app, on_sale) = one_use_code("ONCE", 10, "per_order").await;
    let ada = buy_with_code(&app, on_sale, 2, "ONCE", "ada@example.com").await;
    hold_with_code(&app, on_sale, 1, "ONCE")
        .await
        .problem(StatusCode::CONFLICT, "voucher-used-up");

    refund(&app, &ada, true).await;

    // The choice is a fact of the log, by the organiser, with the use it gives back.
    let (fact, metadata) = refund_fact(&app, ada.order_id).await;
    assert_eq!(
        fact["code_given_back"],
        json!({ "code": "ONCE", "uses": 1 })
    );
    assert_eq!(metadata["actor"]["kind"], "account", "{metadata}");
    // The tickets and the use are back: Ben holds with the code.
    app.eventually_counts(on_sale, 0, 0).await;
    let ben = eventually("Ben's hold with the code given back", || async {
        let held = hold_with_code(&app, on_sale, 1, "once").await;
        (held.status == StatusCode::CREATED).then_some(held)
    })
    .await;
    let checkout = app
        .checkout_hold(ben.reservation_id(), ben.token(), "ben@example.com")
        .await;
    assert_eq!(app.order(&checkout).await["code"], "ONCE");
    // The log never counted more than the code's one use at a time.
    let capacities = HashMap::from([(on_sale.ticket_type_id, 20)]);
    let audit = audit_inventory_log(app.app.database.pool(), on_sale.event_id, &capacities).await;
    assert_eq!(audit.peak_code_uses["ONCE"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_keeps_the_codes_use_spent_unless_the_organiser_says_so() {
    let (app, on_sale) = one_use_code("ONCE", 10, "per_ticket").await;
    let ada = buy_with_code(&app, on_sale, 1, "ONCE", "ada@example.com").await;

    refund(&app, &ada, false).await;

    let (fact, _) = refund_fact(&app, ada.order_id).await;
    assert!(fact.get("code_given_back").is_none(), "{fact}");
    // The ticket is back on sale, and Ben may buy it, but not with the code.
    app.eventually_counts(on_sale, 0, 0).await;
    hold_with_code(&app, on_sale, 1, "ONCE")
        .await
        .problem(StatusCode::CONFLICT, "voucher-used-up");
    let plain = app
        .http()
        .try_reserve_body(
            on_sale.event_id,
            &reservation_body(&[(on_sale.ticket_type_id, 1)]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_held_without_a_used_up_code_pays_the_list_price() {
    // 20 % off, one order: its one use is taken by the first buyer.
    let (app, on_sale) = one_use_code("SPRING", 20, "per_order").await;
    let http = app.http();
    let mut body = reservation_body(&[(on_sale.ticket_type_id, 1)]);
    body["code"] = json!("SPRING");
    body["if_code_used_up"] = json!("hold_without_code");
    let first = http
        .try_reserve_body(on_sale.event_id, &body, None)
        .await
        .unwrap();
    assert_eq!(first.body["code"], "SPRING", "{}", first.body);

    // The next buyer asking the same is held without it,
    body["lines"][0]["quantity"] = json!(2);
    let held = http
        .try_reserve_body(on_sale.event_id, &body, None)
        .await
        .unwrap();
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(held.body["code_not_applied"]["code"], "SPRING");
    let checkout = app
        .checkout_hold(held.reservation_id(), held.token(), "late@example.com")
        .await;

    // and pays EUR 25.00 a ticket, the list price: the code is nowhere on the order.
    let order = app.order(&checkout).await;
    assert_eq!(order["code"], serde_json::Value::Null);
    assert_eq!(order["lines"][0]["unit_price"]["amount_minor"], 2_500);
    assert_eq!(order["total"]["amount_minor"], 5_000);
    let session = app.pay(&checkout).await;
    assert_eq!(session["amount_total"], 5_000);
    app.eventually_status(&checkout, "paid").await;

    // The sale spends no use of the code: the first buyer's hold has the only one.
    let capacities = HashMap::from([(on_sale.ticket_type_id, 20)]);
    let audit = audit_inventory_log(app.app.database.pool(), on_sale.event_id, &capacities).await;
    assert_eq!(audit.peak_code_uses["SPRING"], 1);
    assert_eq!(audit.code_uses_placed["SPRING"], 1);
}

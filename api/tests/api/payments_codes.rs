//! Paying with a promo code: the order is priced with the code (the line says what it
//! cost before), the payment spends the code's uses for good, and Stripe is asked for
//! the discounted amount.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::payments::PaymentsApp;
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::reservation_body;

/// Creates "SPRING" for the event: 20 % off, one order.
async fn create_spring(app: &PaymentsApp, event_id: Uuid) {
    let created = app
        .organiser(
            Method::POST,
            &format!("/organiser/events/{event_id}/vouchers"),
            Some(&json!({ "code": "SPRING", "terms": {
                "discount": { "kind": "percent", "percent": 20 },
                "max_uses": 1, "counting": "per_order" } })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_pays_the_discounted_price_and_the_payment_spends_the_codes_use() {
    let app = PaymentsApp::start(&[]).await;
    let http = app.http();
    let on_sale = app.event(20).await;
    create_spring(&app, on_sale.event_id).await;

    let mut body = reservation_body(&[(on_sale.ticket_type_id, 2)]);
    body["code"] = json!("spring");
    let held = http
        .try_reserve_body(on_sale.event_id, &body, None)
        .await
        .unwrap();
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
    let mut again = reservation_body(&[(on_sale.ticket_type_id, 1)]);
    again["code"] = json!("SPRING");
    let refused = http
        .try_reserve_body(on_sale.event_id, &again, None)
        .await
        .unwrap();
    refused.problem(StatusCode::CONFLICT, "voucher-used-up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_held_without_a_used_up_code_pays_the_list_price() {
    let app = PaymentsApp::start(&[]).await;
    let http = app.http();
    let on_sale = app.event(20).await;
    // Its one use is taken by the first buyer.
    create_spring(&app, on_sale.event_id).await;
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

//! Paying with a promo code: the order is priced with the code (the line says what it
//! cost before), the payment spends the code's uses for good, and Stripe is asked for
//! the discounted amount. A refund keeps the uses spent unless the organiser gives them
//! back, which the log records with the organiser as its actor; the organiser's list and
//! orders export show each order's code and discount.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::{reservation_body, OnSale, Reply};
use crate::support::{eventually, parse_csv};

/// Creates `code` with `terms` on the event, as its organiser.
async fn create_code(app: &PaymentsApp, on_sale: OnSale, code: &str, terms: Value) {
    let created = app
        .organiser(
            Method::POST,
            &format!("/organiser/events/{}/vouchers", on_sale.event_id),
            Some(&json!({ "code": code, "terms": terms })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

/// An app selling an event of 20 tickets (EUR 25.00 each) with a one-use `code`, `percent`
/// off, its use counted `counting` (`per_order` or `per_ticket`).
async fn one_use_code(code: &str, percent: u8, counting: &str) -> (PaymentsApp, OnSale) {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(20).await;
    create_code(
        &app,
        on_sale,
        code,
        json!({ "discount": { "kind": "percent", "percent": percent },
            "max_uses": 1, "counting": counting }),
    )
    .await;
    (app, on_sale)
}

/// A hold of `quantity` tickets with `code`, as the API answered it.
async fn hold_with_code(app: &PaymentsApp, on_sale: OnSale, quantity: u32, code: &str) -> Reply {
    let mut body = reservation_body(&[(on_sale.ticket_type_id, quantity)]);
    body["code"] = json!(code);
    app.http()
        .try_reserve_body(on_sale.event_id, &body, None)
        .await
        .unwrap()
}

/// `email` holds `quantity` tickets with `code`, checks out and pays; waits until paid.
async fn buy_with_code(
    app: &PaymentsApp,
    on_sale: OnSale,
    quantity: u32,
    code: &str,
    email: &str,
) -> Checkout {
    let held = hold_with_code(app, on_sale, quantity, code).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let checkout = app
        .checkout_hold(held.reservation_id(), held.token(), email)
        .await;
    app.pay(&checkout).await;
    app.eventually_status(&checkout, "paid").await;
    checkout
}

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
async fn the_organisers_list_and_export_show_each_orders_code_and_discount() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(20).await;
    create_code(
        &app,
        on_sale,
        "FIVER",
        json!({ "discount": { "kind": "fixed", "amount": { "amount_minor": 500, "currency": "EUR" } },
            "max_uses": 10, "counting": "per_ticket" }),
    )
    .await;
    let ada = buy_with_code(&app, on_sale, 2, "FIVER", "ada@example.com").await;

    let path = format!("/organiser/events/{}/orders", on_sale.event_id);
    let listed = eventually("Ada's order in the organiser's list", || async {
        let page = app.organiser(Method::GET, &path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let order = page.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|order| order["order_id"] == ada.order_id.to_string())
            .cloned();
        order.filter(|order| order["status"] == "paid")
    })
    .await;
    assert_eq!(listed["code"], "FIVER");
    assert_eq!(listed["lines"][0]["unit_price"]["amount_minor"], 2_000);
    assert_eq!(listed["lines"][0]["list_unit_price"]["amount_minor"], 2_500);

    let http = app.http();
    let csv = http
        .client
        .get(format!("{}{path}.csv", http.base_url))
        .bearer_auth(&http.organiser_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let (header, rows) = parse_csv(&csv.text().await.unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][column("code")], "FIVER");
    assert_eq!(rows[0][column("discount")], "10.00");
    assert_eq!(rows[0][column("total")], "40.00");
}

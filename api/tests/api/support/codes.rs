//! Promo codes in tests: an organiser creates one, a buyer holds and pays with it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::{reservation_body, OnSale, Reply};

/// Creates `code` with `terms` on the event, as its organiser.
pub async fn create_code(app: &PaymentsApp, on_sale: OnSale, code: &str, terms: Value) {
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
pub async fn one_use_code(code: &str, percent: u8, counting: &str) -> (PaymentsApp, OnSale) {
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
pub async fn hold_with_code(
    app: &PaymentsApp,
    on_sale: OnSale,
    quantity: u32,
    code: &str,
) -> Reply {
    let mut body = reservation_body(&[(on_sale.ticket_type_id, quantity)]);
    body["code"] = json!(code);
    app.http()
        .try_reserve_body(on_sale.event_id, &body, None)
        .await
        .unwrap()
}

/// `email` holds `quantity` tickets with `code`, checks out and pays; waits until paid.
pub async fn buy_with_code(
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

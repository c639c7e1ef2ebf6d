//! Free tickets: a hold that costs nothing skips the payment page. The order is paid at
//! once, by the payments process with a zero payment, its tickets issued and emailed as
//! for a paid order.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::payments::PaymentsApp;
use crate::support::reservations::http::{spawn_reservation_app, ticket_type_body, OnSale};
use crate::support::{eventually, in_days};

#[tokio::test]
async fn a_free_order_skips_the_payment_page_and_is_paid_at_once() {
    let app = spawn_reservation_app(&[
        ("CARNEAU_PUBLIC_URL", "http://shop.test"),
        ("CARNEAU_API_PUBLIC_URL", "http://api.test/api"),
    ])
    .await;
    let http = app.http();
    let mut free = ticket_type_body("Free entry", 10, 5, in_days(-1), in_days(20));
    free["price"] = json!({"amount_minor": 0, "currency": "EUR"});
    let event = http.create_event_with(&[free], true).await;
    let ticket_type_id = event.ticket_types[0].id;
    let hold = http.reserve(event.id, &[(ticket_type_id, 2)]).await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);

    let checkout = http
        .start_checkout(hold.reservation_id(), &hold.token(), "guest@example.com")
        .await;
    assert_eq!(checkout.status, StatusCode::CREATED, "{}", checkout.body);
    // No payment page: checkout sends the buyer straight to the order.
    assert_eq!(checkout.body["checkout_url"], checkout.body["order_url"]);
    let no_session: i64 = sqlx::query_scalar("SELECT count(*) FROM simulated_checkout_sessions")
        .fetch_one(app.database.pool())
        .await
        .unwrap();
    assert_eq!(no_session, 0, "no provider session for a free order");

    let order_id = checkout.body["order_id"].as_str().unwrap();
    let order = http
        .call(
            Method::GET,
            &format!(
                "/orders/{order_id}?key={}",
                checkout.body["order_secret"].as_str().unwrap()
            ),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(order.body["status"], "paid", "{}", order.body);
    assert_eq!(order.body["provider"], "free");
    assert_eq!(order.body["total"]["amount_minor"], 0);
    assert_eq!(order.body["tickets"].as_array().unwrap().len(), 2);

    // The zero payment is the payments process's, caused by the order being placed.
    let (metadata, payload): (Value, Value) = sqlx::query_as(
        "SELECT metadata, payload FROM events \
          WHERE aggregate_type = 'Order' AND event_type = 'PaymentReceived'",
    )
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert_eq!(metadata["actor"]["kind"], "process");
    assert_eq!(metadata["actor"]["process"], "payments");
    assert_eq!(metadata["cause"]["kind"], "fact");
    assert_eq!(metadata["cause"]["aggregate_type"], "Order");
    assert_eq!(metadata["cause"]["aggregate_id"], order_id);
    assert_eq!(metadata["cause"]["sequence"], 1);
    assert_eq!(metadata["correlation_id"], order_id);
    assert_eq!(
        payload["PaymentReceived"]["provider_event_id"],
        format!("free:{order_id}")
    );

    // The tickets are sold, not held, and their email is queued as for a paid order.
    let sold: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Inventory' AND event_type = 'HoldSold'",
    )
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert_eq!(sold, 1);
    let pool = app.database.pool().clone();
    let key = format!("tickets:{order_id}");
    eventually("the tickets email of the free order", || {
        let (pool, key) = (pool.clone(), key.clone());
        async move {
            let queued: i64 =
                sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE dedupe_key = $1")
                    .bind(&key)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            (queued == 1).then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn refunding_a_free_order_revokes_its_tickets_and_asks_no_provider_for_money() {
    let app = PaymentsApp::start(&[]).await;
    let http = app.http();
    let mut free = ticket_type_body("Free entry", 10, 5, in_days(-1), in_days(20));
    free["price"] = json!({"amount_minor": 0, "currency": "EUR"});
    let event = http.create_event_with(&[free], true).await;
    let on_sale = OnSale {
        event_id: event.id,
        ticket_type_id: event.ticket_types[0].id,
        capacity: 10,
    };
    let checkout = app.checkout(on_sale, 2).await;
    let paid = app.eventually_status(&checkout, "paid").await;
    let tickets: Vec<String> = paid["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["ticket_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tickets.len(), 2, "{paid}");

    let refund = app
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({ "ticket_ids": [tickets[0]] })),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);

    let order = app.eventually_status(&checkout, "partially_refunded").await;
    assert_eq!(order["refunded"]["amount_minor"], 0, "{order}");
    let refunded: Vec<&Value> = order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "refunded")
        .collect();
    assert_eq!(refunded.len(), 1, "{order}");
    assert_eq!(refunded[0]["ticket_id"], tickets[0].as_str());
    // Nothing was paid, so nothing is sent back: Stripe is never asked.
    assert!(app.stripe.refunds().is_empty());
    let amount: Value = sqlx::query_scalar(
        "SELECT payload->'TicketsRefunded'->'amount' FROM events \
          WHERE aggregate_type = 'Order' AND event_type = 'TicketsRefunded'",
    )
    .fetch_one(app.app.database.pool())
    .await
    .unwrap();
    assert_eq!(amount["amount_minor"], 0);
    // The refunded ticket is back on sale.
    app.eventually_counts(on_sale, 1, 0).await;
}

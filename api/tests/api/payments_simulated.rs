//! The simulated checkout, end to end over HTTP: without Stripe keys a buyer pays (or
//! cancels) on a page the API serves, through the same handling as Stripe's webhook; with
//! Stripe keys the page does not exist.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::payments::{guest_checkout, no_redirects, PaymentsApp};
use crate::support::reservations::http::{spawn_reservation_app, Http, Reply};

async fn simulated_app() -> (crate::support::TestApp, Http) {
    let app = spawn_reservation_app(&[
        ("CARNEAU_PUBLIC_URL", "http://shop.test"),
        ("CARNEAU_API_PUBLIC_URL", "http://api.test/api"),
    ])
    .await;
    let http = app.http();
    (app, http)
}

/// `GET /orders/{id}?key=...` of a checkout answer.
async fn order_of(http: &Http, checkout: &serde_json::Value) -> Reply {
    let path = format!(
        "/orders/{}?key={}",
        checkout["order_id"].as_str().unwrap(),
        checkout["order_secret"].as_str().unwrap()
    );
    http.call(Method::GET, &path, None, None, None)
        .await
        .unwrap()
}

/// The page's path on our server (its public URL is behind the web client's proxy).
fn local_path(checkout_url: &str) -> String {
    checkout_url
        .trim_start_matches("http://api.test/api")
        .to_owned()
}

#[tokio::test]
async fn a_buyer_pays_on_the_simulated_page_and_gets_tickets() {
    let (app, http) = simulated_app().await;
    let checkout = guest_checkout(&http, 2, "Guest@Example.com").await.body;
    let url = checkout["checkout_url"].as_str().unwrap();
    assert!(
        url.starts_with("http://api.test/api/simulated-checkout/"),
        "{url}"
    );

    let page = app
        .client
        .get(app.url(&local_path(url)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("SIMULATED"));
    assert!(html.contains(r#"id="pay""#) && html.contains(r#"id="cancel""#));
    // The amount due as money, never as minor units.
    assert!(html.contains("€50.00"), "the amount due: {html}");
    assert!(
        !html.contains("5000") && !html.contains("minor units"),
        "{html}"
    );

    let paid = no_redirects()
        .post(app.url(&format!("{}/pay", local_path(url))))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let order_url = checkout["order_url"].as_str().unwrap();
    assert_eq!(paid.headers()["location"], order_url);
    assert!(order_url.starts_with("http://shop.test/orders/"));

    // A double click takes effect once.
    let again = no_redirects()
        .post(app.url(&format!("{}/pay", local_path(url))))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);

    let order = order_of(&http, &checkout).await;
    assert_eq!(order.status, StatusCode::OK);
    assert_eq!(order.body["status"], "paid");
    assert_eq!(order.body["provider"], "simulated");
    assert_eq!(order.body["email"], "guest@example.com");
    assert_eq!(order.body["tickets"].as_array().unwrap().len(), 2);
    let issued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'TicketsIssued'")
            .fetch_one(app.database.pool())
            .await
            .unwrap();
    assert_eq!(issued, 1);

    // The key opens the order; anything else does not.
    let order_id = checkout["order_id"].as_str().unwrap();
    let wrong = http
        .call(
            Method::GET,
            &format!("/orders/{order_id}?key=nope"),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let none = http
        .call(
            Method::GET,
            &format!("/orders/{order_id}"),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cancel_on_the_simulated_page_returns_to_the_hold_and_release_ends_the_checkout() {
    let (app, http) = simulated_app().await;
    let guest = guest_checkout(&http, 3, "Guest@Example.com").await;
    let (on_sale, checkout) = (guest.on_sale, guest.body);
    let url = checkout["checkout_url"].as_str().unwrap();
    let cancelled = no_redirects()
        .post(app.url(&format!("{}/cancel", local_path(url))))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        cancelled.headers()["location"],
        format!("http://shop.test/holds/{}", guest.reservation_id).as_str()
    );
    // Leaving the payment page gives nothing up: the order still waits for the payment
    // and the hold lasts until its own expiry, not the provider session's.
    let order = order_of(&http, &checkout).await;
    assert_eq!(order.body["status"], "awaiting_payment");
    let hold = http
        .get_reservation(guest.reservation_id, Some(&guest.token))
        .await;
    assert_eq!(hold.body["status"], "held");
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(hold.body["expires_at"].clone()).unwrap();
    assert!(
        expires_at < chrono::Utc::now() + chrono::Duration::minutes(16),
        "the buyer sees the hold's own expiry, {expires_at}"
    );
    // Checkout again answers the same payment page.
    let again = http
        .start_checkout(guest.reservation_id, &guest.token, "guest@example.com")
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["checkout_url"], checkout["checkout_url"]);

    // Releasing the hold ends the checkout: the order is cancelled, the page takes no
    // payment any more, and the tickets are on sale again.
    let released = http.release(guest.reservation_id, Some(&guest.token)).await;
    assert_eq!(released.status, StatusCode::NO_CONTENT, "{}", released.body);
    let order = order_of(&http, &checkout).await;
    assert_eq!(order.body["status"], "cancelled");
    let paid = no_redirects()
        .post(app.url(&format!("{}/pay", local_path(url))))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let after = order_of(&http, &checkout).await;
    assert_eq!(after.body["status"], "cancelled");
    let held = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 5)])
        .await;
    assert_eq!(
        held.status,
        StatusCode::CREATED,
        "all five are for sale again"
    );
}

#[tokio::test]
async fn with_stripe_keys_the_simulated_page_does_not_exist() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(5).await;
    let checkout = app.checkout(on_sale, 1).await;
    assert!(checkout
        .checkout_url
        .starts_with("https://checkout.stripe.test/"));
    for path in [
        "/simulated-checkout/anything",
        "/simulated-checkout/anything/pay",
    ] {
        let method = if path.ends_with("pay") {
            Method::POST
        } else {
            Method::GET
        };
        let reply = app
            .http()
            .call(method, path, None, None, None)
            .await
            .unwrap();
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_stripe_webhook_does_not_exist_without_stripe_keys() {
    let (app, _) = simulated_app().await;
    let reply = app
        .client
        .post(app.url("/webhooks/stripe"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn checkout_is_refused_once_the_event_is_cancelled() {
    let (_app, http) = simulated_app().await;
    let on_sale = http.create_published_event(5, 10).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED);
    let cancelled = http
        .call(
            Method::POST,
            &format!("/organiser/events/{}/cancel", on_sale.event_id),
            Some(&http.organiser_token),
            None,
            Some(&json!({"reason": "Flooded"})),
        )
        .await
        .unwrap();
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let checkout = http
        .call(
            Method::POST,
            &format!("/reservations/{}/checkout", hold.reservation_id()),
            Some(&hold.token()),
            None,
            Some(&json!({"email": "guest@example.com"})),
        )
        .await
        .unwrap();
    checkout.problem(StatusCode::CONFLICT, "event-cancelled");
}

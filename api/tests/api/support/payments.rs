//! Payments test support: an app whose Stripe is the testkit's fake (the real async-stripe
//! client talks to it), a buyer's way from hold to checkout, and signed webhook deliveries.

use carneau_testkit::stripe::{checkout_event, sign_webhook, FakeStripe};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::reservations::http::{spawn_reservation_app, Http, OnSale, Reply};
use crate::support::{eventually, TestApp};

/// The webhook signing secret of every payments test app.
pub const WEBHOOK_SECRET: &str = "whsec_test_payments_0123456789";

/// An app paying through the fake Stripe, with the fake.
pub struct PaymentsApp {
    /// The app.
    pub app: TestApp,
    /// Its Stripe.
    pub stripe: FakeStripe,
}

/// A hold on its way to being paid.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The reservation.
    pub reservation_id: Uuid,
    /// Its token.
    pub token: String,
    /// The order.
    pub order_id: Uuid,
    /// The order's key.
    pub key: String,
    /// Where to pay.
    pub checkout_url: String,
    /// The whole answer.
    pub body: Value,
}

impl Checkout {
    /// The checkout `POST /reservations/{reservation_id}/checkout` answered `body` for.
    pub fn started(reservation_id: Uuid, token: String, body: Value) -> Self {
        Self {
            reservation_id,
            token,
            order_id: body["order_id"].as_str().unwrap().parse().unwrap(),
            key: body["order_secret"].as_str().unwrap().to_owned(),
            checkout_url: body["checkout_url"].as_str().unwrap().to_owned(),
            body,
        }
    }
}

impl PaymentsApp {
    /// Starts the fake Stripe and an app aimed at it, plus `settings`.
    pub async fn start(settings: &[(&str, &str)]) -> Self {
        let stripe = FakeStripe::start().await.unwrap();
        let mut all: Vec<(String, String)> = vec![
            ("STRIPE_SECRET_KEY".into(), "sk_test_fake".into()),
            ("STRIPE_WEBHOOK_SECRET".into(), WEBHOOK_SECRET.into()),
            ("STRIPE_API_BASE".into(), stripe.base_url().to_owned()),
            ("CARNEAU_PAYMENTS_INTERVAL_MS".into(), "100".into()),
            ("CARNEAU_PUBLIC_URL".into(), "http://shop.test".into()),
        ];
        all.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let app = spawn_reservation_app(&refs).await;
        Self { app, stripe }
    }

    /// The app over HTTP.
    pub fn http(&self) -> Http {
        self.app.http()
    }

    /// A published event with one ticket type (EUR 25.00 each) on sale now.
    pub async fn event(&self, capacity: u32) -> OnSale {
        self.http().create_published_event(capacity, 10).await
    }

    /// Holds `quantity` tickets; answers the reservation id and token.
    pub async fn hold(&self, on_sale: OnSale, quantity: u32) -> (Uuid, String) {
        let reply = self
            .http()
            .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, quantity)])
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        (reply.reservation_id(), reply.token())
    }

    /// Holds `quantity` tickets and starts checkout for them.
    pub async fn checkout(&self, on_sale: OnSale, quantity: u32) -> Checkout {
        let (reservation_id, token) = self.hold(on_sale, quantity).await;
        self.checkout_hold(reservation_id, token, "buyer@example.com")
            .await
    }

    /// Starts checkout of a hold as the signed-in `buyer`: the reservation token as bearer,
    /// the buyer's session as the cookie; asserts 201.
    pub async fn checkout_hold_signed_in(
        &self,
        reservation_id: Uuid,
        token: String,
        buyer: &crate::support::TestAccount,
    ) -> Checkout {
        let started = self
            .app
            .client
            .post(
                self.app
                    .url(&format!("/reservations/{reservation_id}/checkout")),
            )
            .bearer_auth(&token)
            .header("cookie", format!("carneau_session={}", buyer.token))
            .json(&json!({"email": buyer.email}))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::CREATED);
        Checkout::started(reservation_id, token, started.json().await.unwrap())
    }

    /// Starts checkout of a hold for `email`; asserts 201.
    pub async fn checkout_hold(
        &self,
        reservation_id: Uuid,
        token: String,
        email: &str,
    ) -> Checkout {
        let reply = self
            .http()
            .start_checkout(reservation_id, &token, email)
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        Checkout::started(reservation_id, token, reply.body)
    }

    /// The fake's session id of a checkout.
    pub fn session_id(&self, checkout: &Checkout) -> String {
        checkout.checkout_url.rsplit('/').next().unwrap().to_owned()
    }

    /// `GET /orders/{id}?key=...`.
    pub async fn order(&self, checkout: &Checkout) -> Value {
        let reply = self
            .http()
            .call(
                Method::GET,
                &format!("/orders/{}?key={}", checkout.order_id, checkout.key),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// Waits until the order's status is `status`.
    pub async fn eventually_status(&self, checkout: &Checkout, status: &str) -> Value {
        eventually(&format!("order status {status}"), || async {
            let order = self.order(checkout).await;
            (order["status"] == status).then_some(order)
        })
        .await
    }

    /// Delivers `payload` to the webhook with `signature`; answers the status.
    pub async fn deliver(&self, payload: &str, signature: Option<&str>) -> StatusCode {
        let mut request = self
            .app
            .client
            .post(self.app.url("/webhooks/stripe"))
            .header("content-type", "application/json")
            .body(payload.to_owned());
        if let Some(signature) = signature {
            request = request.header("Stripe-Signature", signature);
        }
        request.send().await.unwrap().status()
    }

    /// Delivers a checkout event about the fake's current `session`, signed now.
    pub async fn deliver_event(
        &self,
        event_id: &str,
        event_type: &str,
        session: &Value,
    ) -> StatusCode {
        let payload = checkout_event(event_id, event_type, session);
        let signature = sign_webhook(&payload, &[WEBHOOK_SECRET], Utc::now().timestamp());
        self.deliver(&payload, Some(&signature)).await
    }

    /// The buyer pays on Stripe and Stripe tells us: session completed (paid), delivered.
    pub async fn pay(&self, checkout: &Checkout) -> Value {
        let session = self
            .stripe
            .complete_session(&self.session_id(checkout), true);
        let status = self
            .deliver_event(
                &format!("evt_paid_{}", checkout.order_id),
                "checkout.session.completed",
                &session,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        session
    }

    /// How many `TicketsIssued` facts the order has in the log.
    pub async fn tickets_issued_events(&self, order_id: Uuid) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'Order' \
               AND aggregate_id = $1 AND event_type = 'TicketsIssued'",
        )
        .bind(order_id.to_string())
        .fetch_one(self.app.database.pool())
        .await
        .unwrap()
    }

    /// The provider refund ids the order's `TicketsRefunded` facts recorded, in order.
    pub async fn provider_refund_ids(&self, order_id: Uuid) -> Vec<Option<String>> {
        sqlx::query_scalar(
            "SELECT payload -> 'TicketsRefunded' ->> 'provider_refund_id' FROM events \
              WHERE aggregate_type = 'Order' AND aggregate_id = $1 \
                AND event_type = 'TicketsRefunded' ORDER BY sequence",
        )
        .bind(order_id.to_string())
        .fetch_all(self.app.database.pool())
        .await
        .unwrap()
    }

    /// The organiser cancels the event of `on_sale` (its paid orders are then refunded).
    pub async fn cancel_event(&self, on_sale: OnSale) {
        let cancelled = self
            .organiser(
                Method::POST,
                &format!("/organiser/events/{}/cancel", on_sale.event_id),
                Some(&json!({"reason": "Storm"})),
            )
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    }

    /// Stops this process's background work (projectors, payments process), as when the
    /// process dies; its HTTP server and the database stay.
    pub fn stop_background(&mut self) {
        drop(std::mem::replace(
            &mut self.app._stop_projectors,
            tokio_util::sync::CancellationToken::new().drop_guard(),
        ));
    }

    /// How many `POST /v1/refunds` the fake Stripe received (replays and lost answers
    /// included): how often a refund was sent.
    pub fn refund_posts(&self) -> usize {
        self.stripe
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/refunds")
            .count()
    }

    /// Waits until the event's public availability shows `sold` and `held` for its type.
    pub async fn eventually_counts(&self, on_sale: OnSale, sold: i64, held: i64) {
        eventually(&format!("sold {sold} held {held}"), || async {
            let detail = self.http().public_event(on_sale.event_id).await?;
            let counts = detail.ticket_types[0].availability;
            (counts.sold == sold && counts.held == held).then_some(())
        })
        .await;
    }

    /// A call by the organiser who owns the test's events.
    pub async fn organiser(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let http = self.http();
        http.call(method, path, Some(&http.organiser_token), None, body)
            .await
            .unwrap()
    }

    /// A call with the session `token`.
    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        self.http()
            .call(method, path, Some(token), None, body)
            .await
            .unwrap()
    }
}

/// A guest's checkout started over HTTP.
pub struct GuestCheckout {
    /// The event on sale.
    pub on_sale: OnSale,
    /// The guest's reservation.
    pub reservation_id: Uuid,
    /// The reservation's token.
    pub token: String,
    /// The checkout's answer (order id, secret, URLs).
    pub body: Value,
}

/// A published event (`create_published_event(5, 10)`), a guest's hold of `quantity` on
/// it, and the guest's checkout for `email`; asserts 201.
pub async fn guest_checkout(http: &Http, quantity: u32, email: &str) -> GuestCheckout {
    let on_sale = http.create_published_event(5, 10).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, quantity)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED);
    let checkout = http
        .start_checkout(hold.reservation_id(), &hold.token(), email)
        .await;
    assert_eq!(checkout.status, StatusCode::CREATED, "{}", checkout.body);
    GuestCheckout {
        on_sale,
        reservation_id: hold.reservation_id(),
        token: hold.token(),
        body: checkout.body,
    }
}

/// A client that does not follow redirects: the simulated payment page redirects to the
/// shop, which is not there in tests.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

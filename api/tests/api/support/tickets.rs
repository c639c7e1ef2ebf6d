//! Tickets test support: a paid order on an app whose mail goes to an SMTP sink
//! (QR images are read with `carneau_testkit::qr`).

use carneau_domain::account::{AccountCommand, EmailAddress};
use carneau_testkit::smtp::{SmtpSink, SunkMessage};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::accounts::{run_account_command, TestAccount};
use crate::support::eventually;
use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::{OnSale, Reply};

/// The ticket secret of every tickets test app.
pub const TICKET_SECRET: &str = "tickets-test-secret-0123456789abcdefghij";

/// An app selling through the fake Stripe, mailing to a sink.
pub struct TicketsApp {
    /// The app and its Stripe.
    pub payments: PaymentsApp,
    /// Where its mail goes.
    pub sink: SmtpSink,
}

/// A paid order and its tickets.
pub struct PaidOrder {
    /// What was on sale.
    pub on_sale: OnSale,
    /// The checkout (order id, key).
    pub checkout: Checkout,
    /// Its tickets, in order.
    pub ticket_ids: Vec<Uuid>,
}

impl TicketsApp {
    /// Starts the sink and an app mailing to it.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the sink and an app mailing to it, with more `settings`.
    pub async fn start_with(settings: &[(&str, &str)]) -> Self {
        let sink = SmtpSink::start().await.unwrap();
        let url = sink.url();
        let mut all = vec![
            ("CARNEAU_SMTP_URL", url.as_str()),
            ("CARNEAU_TICKET_SECRET", TICKET_SECRET),
        ];
        all.extend_from_slice(settings);
        let payments = PaymentsApp::start(&all).await;
        Self { payments, sink }
    }

    /// Sells `quantity` tickets of a new event to `email` and waits until they are
    /// issued and visible in the tickets read model.
    pub async fn paid_order(&self, quantity: u32, email: &str) -> PaidOrder {
        let payments = &self.payments;
        let on_sale = payments.event(10).await;
        let (reservation_id, token) = payments.hold(on_sale, quantity).await;
        let checkout = payments.checkout_hold(reservation_id, token, email).await;
        payments.pay(&checkout).await;
        let order = payments.eventually_status(&checkout, "paid").await;
        let ticket_ids = order_ticket_ids(&order);
        assert_eq!(ticket_ids.len(), quantity as usize);
        let pool = payments.app.database.pool().clone();
        let first = ticket_ids[0];
        eventually("the tickets in the read model", || async {
            carneau_projections::tickets::ticket(&pool, first)
                .await
                .unwrap()
                .map(|_| ())
        })
        .await;
        PaidOrder {
            on_sale,
            checkout,
            ticket_ids,
        }
    }

    /// The code of a ticket of `event_id`, as its QR image carries it.
    pub fn code(&self, event_id: Uuid, ticket_id: Uuid) -> String {
        self.payments
            .app
            .state
            .ticket_codes
            .code_for(
                carneau_domain::EventId::from_uuid(event_id),
                carneau_domain::TicketId::from_uuid(ticket_id),
            )
            .as_str()
            .to_owned()
    }

    /// `POST /door/events/{event_id}/check-ins` as `bearer`.
    pub async fn scan(&self, event_id: Uuid, code: &str, bearer: Option<&str>) -> Reply {
        self.payments
            .http()
            .call(
                Method::POST,
                &format!("/door/events/{event_id}/check-ins"),
                bearer,
                None,
                Some(&json!({ "code": code })),
            )
            .await
            .unwrap()
    }

    /// `GET` of a path as `bearer`, as JSON.
    pub async fn get(&self, path: &str, bearer: Option<&str>) -> Reply {
        self.payments
            .http()
            .call(Method::GET, path, bearer, None, None)
            .await
            .unwrap()
    }

    /// The owning organiser refunds `ticket_ids` of `order` (201 asserted).
    pub async fn refund(&self, order: &PaidOrder, ticket_ids: &[Uuid]) {
        let refund = self
            .payments
            .organiser(
                Method::POST,
                &format!("/organiser/orders/{}/refunds", order.checkout.order_id),
                Some(&json!({ "ticket_ids": ticket_ids })),
            )
            .await;
        assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    }

    /// How many facts of `event_type` (`TicketCheckedIn`, `DuplicateEntryRecorded`) the
    /// admissions' streams hold.
    pub async fn admission_facts(&self, event_type: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'Admission' AND event_type = $1",
        )
        .bind(event_type)
        .fetch_one(self.payments.app.database.pool())
        .await
        .unwrap()
    }

    /// `GET` of a path as `bearer`, the raw response (images are not JSON).
    pub async fn get_raw(&self, path: &str, bearer: Option<&str>) -> reqwest::Response {
        let mut request = self.payments.app.client.get(self.payments.app.url(path));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Marks `buyer`'s email as verified, so their guest orders become theirs.
    pub async fn verify_email(&self, buyer: &TestAccount) {
        let verify = AccountCommand::VerifyEmail {
            email: EmailAddress::parse(&buyer.email).unwrap(),
        };
        run_account_command(&self.payments.app.state, buyer.account_id(), verify).await;
    }

    /// Rebuilds the tickets email process manager from the start of the log, then runs a
    /// fresh mail sender (a restarted process): answers how many mails it sent.
    pub async fn rebuild_ticket_mailer(&self) -> usize {
        let app = &self.payments.app;
        let mailer = carneau_api::ticket_mail::TicketMailer {
            codes: app.state.ticket_codes.clone(),
            catalogue: app.state.catalogue.clone(),
            payments: app.state.payments.clone(),
            order_keys: app.state.order_keys.clone(),
            public_url: "http://shop.test".to_owned(),
            api_public_url: "http://api.test".to_owned(),
            mail_from: app.state.config.tickets.mail_from.clone(),
            composer: carneau_api::mail_composer::MailComposer::start(),
        };
        self.rebuild_and_send(&mailer).await
    }

    /// Rebuilds the mail process manager `process` from the start of the log, then runs
    /// a fresh mail sender (a restarted process): answers how many mails it sent.
    pub async fn rebuild_and_send(&self, process: &dyn carneau_projections::Projector) -> usize {
        let app = &self.payments.app;
        let replayed = carneau_projections::ProjectorRunner::default()
            .rebuild(app.database.pool(), process, |_| Box::pin(async { Ok(()) }))
            .await
            .unwrap();
        assert!(replayed > 0);
        let restarted = carneau_commands::mail::MailSender::new(
            app.database.pool().clone(),
            carneau_commands::mail::Delivery::from_url(Some(&self.sink.url())).unwrap(),
            carneau_commands::mail::MailSenderConfig::default(),
        );
        restarted.send_due().await.unwrap()
    }

    /// The owning organiser's session token.
    pub fn organiser(&self) -> String {
        self.payments.http().organiser_token
    }
}

/// The verdict of a scan reply.
pub fn verdict(reply: &Reply) -> &str {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["verdict"].as_str().unwrap()
}

/// The body of a JSON reply's field as a string list.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// The ticket ids of an order as `GET /orders/{id}` shows it.
pub fn order_ticket_ids(order: &Value) -> Vec<Uuid> {
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["ticket_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The text of a sunk message with its quoted-printable undone (soft breaks, `=3D`, and
/// the bytes of characters beyond ASCII such as `→`).
pub fn mail_text(message: &SunkMessage) -> String {
    let joined = message.data.replace("=\r\n", "");
    let mut bytes = Vec::with_capacity(joined.len());
    let mut rest = joined.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let escaped = (first == b'=')
            .then(|| tail.get(..2))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                bytes.push(byte);
                rest = &tail[2..];
            }
            None => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

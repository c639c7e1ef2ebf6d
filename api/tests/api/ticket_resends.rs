//! Sending the tickets email again on request, over HTTP against real PostgreSQL, Redis,
//! the fake Stripe and an SMTP sink: by the buyer and by the organiser, only the tickets
//! still valid, refused without tickets, rate limited, and once per request however often
//! the log is replayed.

use carneau_testkit::qr::{decode_png as decode_qr_png, png_attachments};
use carneau_testkit::smtp::SunkMessage;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::support::eventually;
use crate::support::reservations::http::Reply;
use crate::support::tickets::{PaidOrder, TicketsApp};

/// What the resent email starts with, once quoted-printable is undone.
const AGAIN: &str = "As asked, here are your tickets again.";

/// `POST /orders/{id}/tickets-email` with the order link's key (and `idempotency_key`).
async fn buyer_resend(
    tickets: &TicketsApp,
    order: &PaidOrder,
    idempotency_key: Option<&str>,
) -> Reply {
    let path = format!(
        "/orders/{}/tickets-email?key={}",
        order.checkout.order_id, order.checkout.key
    );
    tickets
        .payments
        .http()
        .call(Method::POST, &path, None, idempotency_key, None)
        .await
        .unwrap()
}

/// `POST /organiser/orders/{id}/tickets-email` as the event's organiser.
async fn organiser_resend(tickets: &TicketsApp, order: &PaidOrder) -> Reply {
    tickets
        .payments
        .organiser(
            Method::POST,
            &format!(
                "/organiser/orders/{}/tickets-email",
                order.checkout.order_id
            ),
            None,
        )
        .await
}

/// The message's text with quoted-printable soft breaks and `=3D` undone.
fn text(message: &SunkMessage) -> String {
    message.data.replace("=\r\n", "").replace("=3D", "=")
}

/// Waits until the sink holds `count` messages and answers them.
async fn messages(tickets: &TicketsApp, count: usize) -> Vec<SunkMessage> {
    eventually(&format!("{count} emails"), || async {
        let messages = tickets.sink.messages();
        (messages.len() >= count).then_some(messages)
    })
    .await
}

/// The ticket codes the QR images of `message` carry, sorted.
fn codes_in(message: &SunkMessage) -> Vec<String> {
    let mut codes: Vec<String> = png_attachments(&message.data)
        .iter()
        .map(|png| decode_qr_png(png))
        .collect();
    codes.sort();
    codes
}

/// The codes of `ticket_ids` of `order`, sorted.
fn codes_of(tickets: &TicketsApp, order: &PaidOrder, ticket_ids: &[Uuid]) -> Vec<String> {
    let mut codes: Vec<String> = ticket_ids
        .iter()
        .map(|id| tickets.code(order.on_sale.event_id, *id))
        .collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn the_buyer_gets_a_second_tickets_email_with_their_qr_codes() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    messages(&tickets, 1).await;

    let reply = buyer_resend(&tickets, &order, Some("resend-1")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert_eq!(reply.body["tickets"], 2);
    assert_eq!(reply.body["email"], "buyer@example.com");

    let sent = messages(&tickets, 2).await;
    let again = sent
        .iter()
        .find(|message| text(message).contains(AGAIN))
        .expect("a second tickets email");
    assert_eq!(again.to, vec!["buyer@example.com".to_owned()]);
    assert!(
        again.data.contains("Subject: Your tickets for"),
        "{}",
        again.data
    );
    assert_eq!(
        codes_in(again),
        codes_of(&tickets, &order, &order.ticket_ids)
    );
    // Asked for with the order link: the order's guest asked.
    let actor: serde_json::Value = sqlx::query_scalar(
        "SELECT metadata->'actor' FROM events WHERE event_type = 'TicketsResendRequested'",
    )
    .fetch_one(tickets.payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(actor["kind"], "guest", "{actor}");
    // Signed-in buyers and strangers: a wrong key is the 404 of an unknown order.
    let stranger = tickets
        .payments
        .http()
        .call(
            Method::POST,
            &format!(
                "/orders/{}/tickets-email?key=wrong",
                order.checkout.order_id
            ),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "{}", stranger.body);
    let unknown = tickets
        .payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/tickets-email", Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
}

#[tokio::test]
async fn the_organiser_resends_only_the_tickets_still_valid() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    messages(&tickets, 1).await;
    let (refunded, kept) = (order.ticket_ids[0], order.ticket_ids[1]);
    tickets.refund(&order, &[refunded]).await;

    let reply = organiser_resend(&tickets, &order).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert_eq!(reply.body["tickets"], 1);

    let again = eventually("the resent tickets email", || async {
        tickets
            .sink
            .messages()
            .into_iter()
            .find(|message| text(message).contains(AGAIN))
    })
    .await;
    assert_eq!(codes_in(&again), codes_of(&tickets, &order, &[kept]));
    let actor: serde_json::Value = sqlx::query_scalar(
        "SELECT metadata->'actor' FROM events WHERE event_type = 'TicketsResendRequested'",
    )
    .fetch_one(tickets.payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(actor["kind"], "account", "{actor}");
}

#[tokio::test]
async fn an_order_without_tickets_is_refused_in_words() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let on_sale = payments.event(10).await;
    let checkout = payments.checkout(on_sale, 1).await;
    let reply = payments
        .http()
        .call(
            Method::POST,
            &format!(
                "/orders/{}/tickets-email?key={}",
                checkout.order_id, checkout.key
            ),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        reply.body["type"]
            .as_str()
            .unwrap()
            .ends_with("no-tickets-to-resend"),
        "{}",
        reply.body
    );
    assert!(reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("no valid tickets"));
}

#[tokio::test]
async fn resends_are_rate_limited_per_order() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    for n in 0..3 {
        let reply = if n == 1 {
            organiser_resend(&tickets, &order).await
        } else {
            buyer_resend(&tickets, &order, None).await
        };
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{n}: {}", reply.body);
    }
    let refused = buyer_resend(&tickets, &order, None).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(refused.retry_after.is_some_and(|after| after.as_secs() > 0));
    assert!(refused.body["type"]
        .as_str()
        .unwrap()
        .ends_with("rate-limited"));
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'TicketsResendRequested'",
    )
    .fetch_one(tickets.payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 3);
}

/// How many `TicketsResendRequested` facts the log holds.
async fn resends_recorded(tickets: &TicketsApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'TicketsResendRequested'")
        .fetch_one(tickets.payments.app.database.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_limit_per_order_is_a_setting() {
    let tickets =
        TicketsApp::start_with(&[("CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER", "1/60")]).await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    let first = buyer_resend(&tickets, &order, Some("first")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    let second = organiser_resend(&tickets, &order).await;
    assert_eq!(
        second.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        second.body
    );
    assert!(second
        .retry_after
        .is_some_and(|after| after.as_secs() > 0 && after.as_secs() <= 60));
    assert_eq!(resends_recorded(&tickets).await, 1);
}

#[tokio::test]
async fn a_retry_with_the_same_key_is_not_counted_against_the_limit() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    // Four tries of one request: one request, one count of three.
    for attempt in 0..4 {
        let reply = buyer_resend(&tickets, &order, Some("flaky-network")).await;
        assert_eq!(
            reply.status,
            StatusCode::ACCEPTED,
            "{attempt}: {}",
            reply.body
        );
    }
    for key in ["second", "third"] {
        let reply = buyer_resend(&tickets, &order, Some(key)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{key}: {}", reply.body);
    }
    let fourth = buyer_resend(&tickets, &order, Some("fourth")).await;
    assert_eq!(
        fourth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        fourth.body
    );
    // Past the limit, a retry of a recorded request still answers as the first time did.
    let retry = buyer_resend(&tickets, &order, Some("third")).await;
    assert_eq!(retry.status, StatusCode::ACCEPTED, "{}", retry.body);
    assert_eq!(resends_recorded(&tickets).await, 3);
}

#[tokio::test]
async fn each_resend_is_mailed_once_even_after_a_rebuild() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    messages(&tickets, 1).await;
    // A retried request (same Idempotency-Key) is one request; another key is another.
    for key in ["first", "first", "second"] {
        let reply = buyer_resend(&tickets, &order, Some(key)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    }
    let sent = messages(&tickets, 3).await;
    assert_eq!(sent.iter().filter(|m| text(m).contains(AGAIN)).count(), 2);

    let app = &tickets.payments.app;
    assert_eq!(tickets.rebuild_ticket_mailer().await, 0);
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT dedupe_key FROM mail_outbox WHERE dedupe_key LIKE 'tickets:%' ORDER BY dedupe_key",
    )
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys
        .iter()
        .filter(|key| key.contains(":resend:"))
        .all(|key| key.starts_with(&format!("tickets:{}:resend:", order.checkout.order_id))));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(tickets.sink.messages().len(), 3);
}

//! Attendees' own tickets by email, against an SMTP sink: an attendee with an address of
//! their own gets their ticket once when the tickets are issued, and the new address once
//! after a correction changes it; the link opens that ticket only.

use carneau_commands::buyer_mail::EventSummary;
use carneau_domain::EventId;
use carneau_testkit::qr::{decode_png as decode_qr_png, png_attachments};
use carneau_testkit::smtp::SunkMessage;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::attendees::{ask, correct, paid_with};
use crate::support::eventually;
use crate::support::tickets::{order_ticket_ids, verdict, TicketsApp};

/// The messages the sink holds for `address`.
fn mail_to(tickets: &TicketsApp, address: &str) -> Vec<SunkMessage> {
    tickets
        .sink
        .messages()
        .into_iter()
        .filter(|message| message.to == [address])
        .collect()
}

/// A message's text, quoted-printable undone as far as the assertions need.
fn text_of(message: &SunkMessage) -> String {
    message.data.replace("=\r\n", "").replace("=3D", "=")
}

/// The path and query of the ticket link in `text` (`/tickets/{id}/qr.png?key=...`).
fn ticket_link(text: &str, ticket: Uuid) -> String {
    let start = text
        .find(&format!("/tickets/{ticket}/qr.png?key="))
        .unwrap_or_else(|| panic!("no link to ticket {ticket} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn each_attendee_with_an_address_of_their_own_gets_their_ticket_once() {
    let tickets = TicketsApp::start().await;
    let app = &tickets.payments.app;
    let on_sale = tickets.payments.event(10).await;
    ask(&tickets, on_sale, "optional", "optional").await;
    let (checkout, order) = paid_with(
        &tickets,
        on_sale,
        json!([
            { "name": "Ada", "email": "ada@example.com" },
            // The buyer's own address, in other letters: the buyer's email covers it.
            { "name": "Grace", "email": "Buyer@Example.com" },
            { "name": "Linus" },
        ]),
    )
    .await;
    let [ada, grace, linus] = order_ticket_ids(&order)[..] else {
        panic!("three tickets: {order}");
    };

    let mail = eventually("Ada's own ticket", || async {
        mail_to(&tickets, "ada@example.com").into_iter().next()
    })
    .await;
    eventually("the buyer's tickets email", || async {
        mail_to(&tickets, "buyer@example.com").into_iter().next()
    })
    .await;
    let text = text_of(&mail);
    assert!(mail.data.contains("Subject: Your ticket for"), "{text}");
    assert!(text.contains("Hello Ada,"), "{text}");
    assert!(
        text.contains("Content-Type: text/html"),
        "no HTML part: {text}"
    );
    // The event's start in its own time zone, and no order link: the buyer's other
    // tickets are not Ada's.
    let event = app
        .state
        .catalogue
        .load(EventId::from_uuid(on_sale.event_id))
        .await
        .unwrap()
        .unwrap();
    let starts = EventSummary::of(event.state.details().unwrap()).starts;
    assert!(text.contains(&starts), "no {starts:?} in {text}");
    assert!(
        !text.contains(&checkout.key),
        "the order's key leaked: {text}"
    );
    assert!(!text.contains("/orders/"), "an order link: {text}");
    // Her one QR code admits her ticket.
    let codes = png_attachments(&mail.data);
    assert_eq!(codes.len(), 1);
    let scan = tickets
        .scan(
            on_sale.event_id,
            &decode_qr_png(&codes[0]),
            Some(&tickets.organiser()),
        )
        .await;
    assert_eq!(verdict(&scan), "admitted", "{}", scan.body);
    assert_eq!(scan.body["ticket_id"], ada.to_string());
    // The link opens her ticket's QR code, and nothing else.
    let link = ticket_link(&text, ada);
    let opened = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    assert_eq!(opened.headers()["content-type"], "image/png");
    let key = link.split("key=").nth(1).unwrap().to_owned();
    let other = tickets
        .get(&format!("/tickets/{grace}/qr.png?key={key}"), None)
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let order_page = tickets
        .get(&format!("/orders/{}?key={key}", checkout.order_id), None)
        .await;
    assert!(
        matches!(
            order_page.status,
            StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
        ),
        "{}",
        order_page.status
    );

    // Corrections: Linus gets an address (mailed there), then only his name changes (not
    // mailed again); Ada moves to a new address (mailed there, not to the old one).
    let given = correct(
        &tickets,
        &checkout,
        2,
        json!({ "name": "Linus", "email": "linus@example.com" }),
    )
    .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    let renamed = correct(
        &tickets,
        &checkout,
        2,
        json!({ "name": "Linus T.", "email": "LINUS@example.com" }),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let moved = correct(
        &tickets,
        &checkout,
        0,
        json!({ "name": "Ada", "email": "ada@new.example" }),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let linus_mail = eventually("Linus's ticket at his new address", || async {
        mail_to(&tickets, "linus@example.com").into_iter().next()
    })
    .await;
    let linus_text = text_of(&linus_mail);
    assert!(linus_text.contains("Hello Linus,"), "{linus_text}");
    let _ = ticket_link(&linus_text, linus);
    let ada_moved = eventually("Ada's ticket at her new address", || async {
        mail_to(&tickets, "ada@new.example").into_iter().next()
    })
    .await;
    let _ = ticket_link(&text_of(&ada_moved), ada);

    // A refunded ticket is handed to nobody, whatever its new address.
    let refund = tickets
        .payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({ "ticket_ids": [grace] })),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    let refunded = correct(
        &tickets,
        &checkout,
        1,
        json!({ "name": "Grace", "email": "grace@example.com" }),
    )
    .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.body);

    // Once everything queued is sent (the refund's confirmation to the buyer too), the
    // email process rebuilt from the start of the log and a fresh sender: nothing more.
    // One email per ticket and fact, ever.
    eventually("the refund's confirmation", || async {
        mail_to(&tickets, "buyer@example.com")
            .into_iter()
            .find(|message| message.data.contains("Subject: Your refund for"))
    })
    .await;
    eventually("the outbox to be sent", || async {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM mail_outbox \
              WHERE sent_at IS NULL AND failed_at IS NULL AND dead_lettered_at IS NULL",
        )
        .fetch_one(app.database.pool())
        .await
        .unwrap();
        (waiting == 0).then_some(())
    })
    .await;
    assert_eq!(tickets.rebuild_ticket_mailer().await, 0);
    let queued: Vec<String> = sqlx::query_scalar(
        "SELECT recipient FROM mail_outbox WHERE dedupe_key LIKE 'attendee-ticket:%' \
          ORDER BY id",
    )
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    assert_eq!(
        queued,
        ["ada@example.com", "linus@example.com", "ada@new.example"]
    );
    for (address, count) in [
        ("ada@example.com", 1),
        ("linus@example.com", 1),
        ("ada@new.example", 1),
        ("grace@example.com", 0),
    ] {
        assert_eq!(mail_to(&tickets, address).len(), count, "{address}");
    }
    // The buyer: their tickets email once (and the refund's confirmation).
    let tickets_emails = mail_to(&tickets, "buyer@example.com")
        .into_iter()
        .filter(|message| message.data.contains("Subject: Your tickets for"))
        .count();
    assert_eq!(tickets_emails, 1);
}

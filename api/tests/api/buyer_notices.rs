//! Buyers hear from us when their money moves: a refund is confirmed (which tickets, how
//! much, when it arrives), and a cancelled event is announced to every paying buyer with
//! what happens to their money. Each email once per fact, also when the process manager
//! is rebuilt from the start of the log and a fresh sender runs.

use carneau_api::buyer_notices::BuyerNotices;
use carneau_commands::buyer_mail::{local_end, EventSummary};
use carneau_domain::EventId;
use carneau_testkit::smtp::SunkMessage;
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::eventually;
use crate::support::tickets::{mail_text, TicketsApp};

/// The messages to `email` whose subject starts with `subject`.
fn messages_to(tickets: &TicketsApp, email: &str, subject: &str) -> Vec<SunkMessage> {
    tickets
        .sink
        .messages()
        .into_iter()
        .filter(|message| message.to == vec![email.to_owned()])
        .filter(|message| message.data.contains(&format!("Subject: {subject}")))
        .collect()
}

/// Waits for the `count`-th message to `email` with `subject`, and returns them all.
async fn wait_for(
    tickets: &TicketsApp,
    email: &str,
    subject: &str,
    count: usize,
) -> Vec<SunkMessage> {
    eventually(
        &format!("{count} \"{subject}\" email(s) to {email}"),
        || async {
            let found = messages_to(tickets, email, subject);
            (found.len() >= count).then_some(found)
        },
    )
    .await
}

/// The event's details as they stand.
async fn details(tickets: &TicketsApp, event_id: Uuid) -> carneau_domain::event::EventDetails {
    let event = tickets
        .payments
        .app
        .state
        .catalogue
        .load(EventId::from_uuid(event_id))
        .await
        .unwrap()
        .unwrap();
    event.state.details().unwrap().clone()
}

/// The event's local start as every buyer email writes it.
async fn local_start(tickets: &TicketsApp, event_id: Uuid) -> String {
    EventSummary::of(&details(tickets, event_id).await).starts
}

/// Rebuilds the buyer notices from the start of the log and runs a fresh sender, as a
/// restarted process would: nothing may be sent again.
async fn replay_notices_and_send(tickets: &TicketsApp) {
    let app = &tickets.payments.app;
    let notices = BuyerNotices {
        payments: app.state.payments.clone(),
        catalogue: app.state.catalogue.clone(),
        order_keys: app.state.order_keys.clone(),
        public_url: "http://shop.test".to_owned(),
        mail_from: app.state.config.tickets.mail_from.clone(),
    };
    assert_eq!(tickets.rebuild_and_send(&notices).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refund_is_confirmed_once_with_its_tickets_amount_and_when_the_money_arrives() {
    let tickets = TicketsApp::start().await;
    let buyer = "refunded@example.com";
    let order = tickets.paid_order(2, buyer).await;
    wait_for(&tickets, buyer, "Your tickets for", 1).await;

    tickets.refund(&order, &order.ticket_ids[..1]).await;
    let first = wait_for(&tickets, buyer, "Your refund for Flash sale", 1).await;
    let text = mail_text(&first[0]);
    assert!(
        text.contains("Refunded: 1 ticket\r\n  Ticket 1: Standing"),
        "{text}"
    );
    assert!(text.contains("Amount refunded: 25.00 EUR"), "{text}");
    assert!(text.contains("within 5 to 10 business days"), "{text}");
    assert!(text.contains("no longer valid"), "{text}");
    let starts = local_start(&tickets, order.on_sale.event_id).await;
    assert!(text.contains(&starts), "no local start {starts} in {text}");
    assert!(
        starts.ends_with("(CET)") || starts.ends_with("(CEST)"),
        "{starts}"
    );
    let link = format!(
        "http://shop.test/orders/{}?key={}",
        order.checkout.order_id, order.checkout.key
    );
    assert!(text.contains(&link), "no order link in {text}");
    // The same words in an HTML part, the order link a link there.
    assert!(text.contains("Content-Type: text/html"), "{text}");
    assert!(text.contains(&format!("<a href=\"{link}\">")), "{text}");
    assert!(
        first[0].data.contains(&format!(
            "Message-ID: <refund.{}.1@carneau.invalid>",
            order.checkout.order_id
        )),
        "{}",
        first[0].data
    );

    // A second refund is a second fact: a second email, about that ticket only.
    tickets.refund(&order, &order.ticket_ids[1..]).await;
    let both = wait_for(&tickets, buyer, "Your refund for Flash sale", 2).await;
    assert!(both
        .iter()
        .any(|message| mail_text(message).contains(&format!(
            "Message-ID: <refund.{}.2@carneau.invalid>",
            order.checkout.order_id
        ))));

    replay_notices_and_send(&tickets).await;
    assert_eq!(messages_to(&tickets, buyer, "Your refund for").len(), 2);
    assert_eq!(messages_to(&tickets, buyer, "Cancelled:").len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_is_announced_once_to_each_paying_buyer_with_what_happens_to_their_money()
{
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let on_sale = payments.event(10).await;
    let buyers = ["first@example.com", "second@example.com"];
    let mut orders = Vec::new();
    for (quantity, buyer) in [1, 3].into_iter().zip(buyers) {
        let (reservation_id, token) = payments.hold(on_sale, quantity).await;
        let checkout = payments.checkout_hold(reservation_id, token, buyer).await;
        payments.pay(&checkout).await;
        payments.eventually_status(&checkout, "paid").await;
        orders.push(checkout);
    }
    for buyer in buyers {
        wait_for(&tickets, buyer, "Your tickets for", 1).await;
    }

    payments.cancel_event(on_sale).await;
    let starts = local_start(&tickets, on_sale.event_id).await;
    for ((buyer, order), paid) in buyers
        .into_iter()
        .zip(&orders)
        .zip(["25.00 EUR", "75.00 EUR"])
    {
        let notice = wait_for(&tickets, buyer, "Cancelled: Flash sale", 1).await;
        let text = mail_text(&notice[0]);
        assert!(text.contains("Flash sale is cancelled"), "{text}");
        assert!(
            text.contains(&format!("It was to take place on {starts}")),
            "{text}"
        );
        assert!(text.contains("and says:\r\n\r\n  Storm"), "{text}");
        assert!(
            text.contains(&format!("everything you paid, {paid}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("/orders/{}?key=", order.order_id)),
            "{text}"
        );
        // Then the refund itself, once Stripe has carried it out.
        let refund = wait_for(&tickets, buyer, "Your refund for Flash sale", 1).await;
        let text = mail_text(&refund[0]);
        assert!(text.contains("The event is cancelled"), "{text}");
        assert!(text.contains(&format!("Amount refunded: {paid}")), "{text}");
    }

    replay_notices_and_send(&tickets).await;
    for buyer in buyers {
        assert_eq!(messages_to(&tickets, buyer, "Cancelled:").len(), 1);
        assert_eq!(messages_to(&tickets, buyer, "Your refund for").len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_moved_in_time_or_space_is_told_once_to_each_buyer_with_valid_tickets() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let on_sale = payments.event(10).await;
    let (kept, refunded) = ("kept@example.com", "refunded-all@example.com");
    let mut orders = Vec::new();
    for buyer in [kept, refunded] {
        let (reservation_id, token) = payments.hold(on_sale, 1).await;
        let checkout = payments.checkout_hold(reservation_id, token, buyer).await;
        payments.pay(&checkout).await;
        orders.push(payments.eventually_status(&checkout, "paid").await);
        wait_for(&tickets, buyer, "Your tickets for", 1).await;
    }
    // The second buyer's only ticket is refunded: nothing left to come with.
    let refunded_ticket = orders[1]["tickets"][0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refund = payments
        .organiser(
            Method::POST,
            &format!(
                "/organiser/orders/{}/refunds",
                orders[1]["order_id"].as_str().unwrap()
            ),
            Some(&json!({ "ticket_ids": [refunded_ticket] })),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    wait_for(&tickets, refunded, "Your refund for", 1).await;
    let before = local_start(&tickets, on_sale.event_id).await;

    let edit = |body: serde_json::Value| async move {
        let reply = payments
            .organiser(
                Method::PATCH,
                &format!("/organiser/events/{}", on_sale.event_id),
                Some(&body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    };
    // A new description moves nothing a buyer plans around: no notice.
    edit(json!({"description": "Now with a guest trumpet."})).await;
    let event = tickets
        .payments
        .app
        .state
        .catalogue
        .load(carneau_domain::EventId::from_uuid(on_sale.event_id))
        .await
        .unwrap()
        .unwrap();
    let starts_at: DateTime<Utc> = event.state.details().unwrap().starts_at;
    edit(json!({
        "starts_at": starts_at + TimeDelta::days(7),
        "ends_at": starts_at + TimeDelta::days(7) + TimeDelta::hours(3),
        "venue": {"name": "New Morning", "address": "7 rue des Petites-Écuries, 75010 Paris"},
    }))
    .await;

    let notice = wait_for(&tickets, kept, "Changed: Flash sale", 1).await;
    let text = mail_text(&notice[0]);
    let now = local_start(&tickets, on_sale.event_id).await;
    assert_ne!(now, before);
    assert!(text.contains("changed the date, time and place"), "{text}");
    assert!(
        text.contains(&format!("Now:\r\n{now}\r\nNew Morning")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Before:\r\n{before}\r\nLe Sunset")),
        "{text}"
    );
    assert!(text.contains("Your tickets stay valid"), "{text}");
    assert!(
        text.contains(&format!(
            "/orders/{}?key=",
            orders[0]["order_id"].as_str().unwrap()
        )),
        "{text}"
    );

    replay_notices_and_send(&tickets).await;
    assert_eq!(messages_to(&tickets, kept, "Changed:").len(), 1);
    assert_eq!(messages_to(&tickets, refunded, "Changed:").len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_end_time_alone_is_told_with_the_old_and_new_end_in_the_events_time_zone() {
    let tickets = TicketsApp::start().await;
    let buyer = "late-train@example.com";
    let order = tickets.paid_order(1, buyer).await;
    wait_for(&tickets, buyer, "Your tickets for", 1).await;
    let event_id = order.on_sale.event_id;
    let was = details(&tickets, event_id).await;

    let reply = tickets
        .payments
        .organiser(
            Method::PATCH,
            &format!("/organiser/events/{event_id}"),
            Some(&json!({ "ends_at": was.ends_at + TimeDelta::minutes(90) })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let notice = wait_for(&tickets, buyer, "Changed: Flash sale", 1).await;
    let text = mail_text(&notice[0]);
    let now = details(&tickets, event_id).await;
    let (before_end, now_end) = (local_end(&was), local_end(&now));
    assert_ne!(before_end, now_end);
    assert!(
        now_end.ends_with("(CET)") || now_end.ends_with("(CEST)"),
        "{now_end}"
    );
    assert!(text.contains("changed the end time of the event"), "{text}");
    assert!(
        text.contains(&format!("Ends: {before_end} → {now_end}\r\n")),
        "{text}"
    );
    // Only what changed is listed: the start and the place stay as they were.
    assert!(!text.contains("Starts: "), "{text}");
    assert!(!text.contains("Place: "), "{text}");

    replay_notices_and_send(&tickets).await;
    assert_eq!(messages_to(&tickets, buyer, "Changed:").len(), 1);
}

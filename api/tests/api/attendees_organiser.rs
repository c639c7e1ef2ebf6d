//! The organiser and attendees: correcting who a ticket of their event is for (the same
//! rules and fact as the buyer's correction, with the organiser as its actor), and finding
//! an order by an attendee's name whatever the order's status.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::attendees::{ask, field_errors, paid_with, try_checkout, urlencoding};
use crate::support::eventually;
use crate::support::payments::Checkout;
use crate::support::reservations::http::Reply;
use crate::support::tickets::{order_ticket_ids, TicketsApp};

/// `PUT /organiser/orders/{order_id}/attendees/{seat}` as `bearer` (none: anonymous).
async fn organiser_correct(
    tickets: &TicketsApp,
    order_id: Uuid,
    seat: usize,
    body: Value,
    bearer: Option<&str>,
) -> Reply {
    tickets
        .payments
        .http()
        .call(
            Method::PUT,
            &format!("/organiser/orders/{order_id}/attendees/{seat}"),
            bearer,
            None,
            Some(&body),
        )
        .await
        .unwrap()
}

/// The `AttendeeCorrected` facts of the log, oldest first: (metadata, payload).
async fn corrections(tickets: &TicketsApp) -> Vec<(Value, Value)> {
    sqlx::query_as(
        "SELECT metadata, payload FROM events \
          WHERE aggregate_type = 'Order' AND event_type = 'AttendeeCorrected' \
          ORDER BY global_position",
    )
    .fetch_all(tickets.payments.app.database.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn the_organiser_corrects_an_attendee_and_the_fact_names_the_organiser() {
    let tickets = TicketsApp::start().await;
    let app = &tickets.payments.app;
    let on_sale = tickets.payments.event(10).await;
    ask(&tickets, on_sale, "required", "optional").await;
    let (checkout, order) = paid_with(
        &tickets,
        on_sale,
        json!([{ "name": "Ada" }, { "name": "Grace" }]),
    )
    .await;
    let second = order_ticket_ids(&order)[1];
    let owner = tickets.organiser();

    let corrected = organiser_correct(
        &tickets,
        checkout.order_id,
        1,
        json!({ "name": "Grace Hopper", "email": "grace@example.com" }),
        Some(&owner),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(
        corrected.body,
        json!({ "seat": 1, "name": "Grace Hopper", "email": "grace@example.com" })
    );
    // The buyer's order shows it; the same again records nothing more.
    let seen = tickets.payments.order(&checkout).await;
    assert_eq!(seen["tickets"][1]["attendee_name"], "Grace Hopper");
    let again = organiser_correct(
        &tickets,
        checkout.order_id,
        1,
        json!({ "name": "Grace Hopper", "email": "grace@example.com" }),
        Some(&owner),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let facts = corrections(&tickets).await;
    assert_eq!(facts.len(), 1);
    let (metadata, payload) = &facts[0];
    assert_eq!(metadata["actor"]["kind"], "account", "{metadata}");
    assert_eq!(
        metadata["actor"]["account_id"],
        app.organiser.id.to_string(),
        "{metadata}"
    );
    assert_eq!(metadata["cause"]["kind"], "request", "{metadata}");
    let fact = &payload["AttendeeCorrected"];
    assert_eq!(fact["ticket_id"], second.to_string());
    assert_eq!(fact["previous"]["name"], "Grace");
    assert_eq!(fact["attendee"]["name"], "Grace Hopper");
    assert_eq!(fact["attendee"]["email"], "grace@example.com");

    // The same rules as the buyer's: a required name cannot be blanked, a seat the order
    // lacks is not found.
    let blanked = organiser_correct(
        &tickets,
        checkout.order_id,
        0,
        json!({ "name": " " }),
        Some(&owner),
    )
    .await;
    assert_eq!(
        blanked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blanked.body
    );
    assert_eq!(field_errors(&blanked)[0].0, "attendees[0].name");
    let beyond = organiser_correct(
        &tickets,
        checkout.order_id,
        2,
        json!({ "name": "Nobody" }),
        Some(&owner),
    )
    .await;
    assert_eq!(beyond.status, StatusCode::NOT_FOUND, "{}", beyond.body);

    // As docs/security.md says: 401 anonymous, 403 for another organiser or a buyer (the
    // buyer's own route is the order link), 404 for an order that does not exist, and an
    // admin may.
    let anonymous = organiser_correct(
        &tickets,
        checkout.order_id,
        0,
        json!({ "name": "Mallory" }),
        None,
    )
    .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    let other = app.other_organiser().await;
    let refused = organiser_correct(
        &tickets,
        checkout.order_id,
        0,
        json!({ "name": "Mallory" }),
        Some(&other.token),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body["type"]
        .as_str()
        .unwrap()
        .ends_with("not-event-organiser"));
    assert!(
        !refused.body.to_string().contains("Grace"),
        "{}",
        refused.body
    );
    let buyer = app.buyer().await;
    let buyer_refused = organiser_correct(
        &tickets,
        checkout.order_id,
        0,
        json!({ "name": "Mallory" }),
        Some(&buyer.token),
    )
    .await;
    assert_eq!(
        buyer_refused.status,
        StatusCode::FORBIDDEN,
        "{}",
        buyer_refused.body
    );
    let unknown = organiser_correct(
        &tickets,
        Uuid::new_v4(),
        0,
        json!({ "name": "Mallory" }),
        Some(&owner),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    let admin = app.admin().await;
    let by_admin = organiser_correct(
        &tickets,
        checkout.order_id,
        0,
        json!({ "name": "Ada Lovelace" }),
        Some(&admin.token),
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.body);
    let facts = corrections(&tickets).await;
    assert_eq!(facts.len(), 2, "Mallory never recorded");
    assert_eq!(facts[1].0["actor"]["account_id"], admin.id.to_string());
}

/// The order ids the organiser's search for `search` finds on `event_id`.
async fn found(tickets: &TicketsApp, event_id: Uuid, search: &str) -> Vec<String> {
    let reply = tickets
        .payments
        .organiser(
            Method::GET,
            &format!(
                "/organiser/events/{event_id}/orders?q={}",
                urlencoding(search)
            ),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut ids: Vec<String> = reply.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|order| order["order_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_orders_search_finds_names_given_at_checkout_on_any_order_and_corrected_ones() {
    let tickets = TicketsApp::start().await;
    let on_sale = tickets.payments.event(20).await;
    let event = on_sale.event_id;
    ask(&tickets, on_sale, "optional", "off").await;

    // Unpaid: the checkout is started, no ticket is issued.
    let (reservation_id, token, started) = try_checkout(
        &tickets,
        on_sale,
        2,
        json!([{ "name": "Pending Penelope" }, { "name": "Zed" }]),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let pending = Checkout::started(reservation_id, token, started.body);
    // Paid, then refunded whole.
    let (refunded, _) = paid_with(&tickets, on_sale, json!([{ "name": "Refunded Rita" }])).await;
    let refund = tickets
        .payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", refunded.order_id),
            Some(&json!({})),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    // Paid.
    let (paid, _) = paid_with(&tickets, on_sale, json!([{ "name": "Paid Paula" }])).await;

    let pending_id = pending.order_id.to_string();
    // Each status, by a short prefix (one or two characters: the filtered page) and a
    // long one (three or more: the matches first), in any case.
    for (search, order) in [
        ("pe", &pending_id),
        ("PENDING pen", &pending_id),
        ("ze", &pending_id),
        ("refunded r", &refunded.order_id.to_string()),
        ("r", &refunded.order_id.to_string()),
        ("paid p", &paid.order_id.to_string()),
    ] {
        let ids = eventually(&format!("{search:?} to find its order"), || async {
            let ids = found(&tickets, event, search).await;
            (!ids.is_empty()).then_some(ids)
        })
        .await;
        assert_eq!(ids, [order.as_str()], "{search}");
    }

    // A correction: the new name is found, the old one no longer.
    let corrected = organiser_correct(
        &tickets,
        pending.order_id,
        1,
        json!({ "name": "Zelda" }),
        Some(&tickets.organiser()),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    eventually("the corrected name to be searched", || async {
        let ids = found(&tickets, event, "zeld").await;
        (ids == [pending_id.as_str()]).then_some(())
    })
    .await;
    let corrected = organiser_correct(
        &tickets,
        pending.order_id,
        0,
        json!({ "name": "Ophelia" }),
        Some(&tickets.organiser()),
    )
    .await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    eventually("the old name to be forgotten", || async {
        let ids = found(&tickets, event, "pending").await;
        ids.is_empty().then_some(())
    })
    .await;
    assert_eq!(found(&tickets, event, "oph").await, [pending_id.as_str()]);
}

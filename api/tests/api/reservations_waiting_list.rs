//! The waiting list over HTTP: a buyer joins a sold-out type, the tickets that come back
//! are kept for the line (not sold to the next buyer who asks), the first in line is
//! offered them as a hold with an email to pay, an offer that lapses goes to the next, and
//! the organiser sees the list and closes it. Named `reservations_*`, so it also runs on the
//! Redis Cluster and through PgBouncer.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::eventually;
use crate::support::reservations::http::{Http, OnSale, Reply};
use crate::support::tickets::{mail_text, TicketsApp};

async fn join(http: &Http, on_sale: OnSale, quantity: u32, email: &str) -> Reply {
    http.call(
        Method::POST,
        &format!("/events/{}/waiting-list", on_sale.event_id),
        None,
        Some(&Uuid::new_v4().to_string()),
        Some(&json!({
            "ticket_type_id": on_sale.ticket_type_id,
            "quantity": quantity,
            "email": email,
        })),
    )
    .await
    .unwrap()
}

/// The place `joined` answered for, as its holder sees it now.
async fn place(http: &Http, joined: &Reply) -> Value {
    let reply = http
        .call(
            Method::GET,
            &format!("/waiting-list/{}", joined.body["id"].as_str().unwrap()),
            Some(joined.body["token"].as_str().unwrap()),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

async fn eventually_status(http: &Http, joined: &Reply, status: &str) -> Value {
    eventually(&format!("a place {status}"), || async {
        let place = place(http, joined).await;
        (place["status"] == status).then_some(place)
    })
    .await
}

async fn organiser_list(tickets: &TicketsApp, on_sale: OnSale) -> Value {
    let reply = tickets
        .payments
        .organiser(
            Method::GET,
            &format!("/organiser/events/{}/waiting-list", on_sale.event_id),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

fn id_of(joined: &Reply) -> Uuid {
    joined.body["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_first_in_line_is_offered_the_tickets_that_come_back_and_pays_from_the_email() {
    let tickets = TicketsApp::start_with(&[("CARNEAU_WAITING_OFFER_SECONDS", "3600")]).await;
    let payments = &tickets.payments;
    let http = payments.http();
    let on_sale = payments.event(2).await;
    // Buyers are told how long an offer lasts before they join.
    let public = eventually("the public event", || http.public_event(on_sale.event_id)).await;
    assert_eq!(public.waiting_list_offer_hours, Some(1));

    // While tickets can be held, nobody waits for them.
    join(&http, on_sale, 2, "ada@example.com")
        .await
        .problem(StatusCode::CONFLICT, "tickets-available");
    let (first, first_token) = payments.hold(on_sale, 2).await;
    let ada = join(&http, on_sale, 2, "ada@example.com").await;
    assert_eq!(ada.status, StatusCode::CREATED, "{}", ada.body);
    assert_eq!(ada.body["status"], "waiting");
    assert_eq!(ada.body["position"], 1);
    let bob = join(&http, on_sale, 1, "bob@example.com").await;
    assert_eq!(bob.body["position"], 2);
    let again = join(&http, on_sale, 1, "ADA@example.com").await;
    let problem = again.problem(StatusCode::CONFLICT, "already-waiting");
    assert_eq!(problem.errors[0].field, "email");

    // The hold is given back: the two tickets are Ada's, not the next buyer's.
    assert_eq!(
        http.release(first, Some(&first_token)).await.status,
        StatusCode::NO_CONTENT
    );
    http.reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "sold-out");

    let offered = eventually_status(&http, &ada, "offered").await;
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(offered["offer"]["expires_at"].clone()).unwrap();
    assert!(expires_at > chrono::Utc::now() + chrono::Duration::minutes(50));
    // The offer is a hold the place's token opens.
    let ada_id = id_of(&ada);
    let ada_token = ada.body["token"].as_str().unwrap().to_owned();
    let hold = http.get_reservation(ada_id, Some(&ada_token)).await;
    assert_eq!(hold.body["status"], "held", "{}", hold.body);
    assert_eq!(hold.body["lines"][0]["quantity"], 2);
    assert_eq!(place(&http, &bob).await["position"], 1);

    // The email links to the hold's page with its token.
    let email = eventually("the offer email", || async {
        tickets
            .sink
            .messages()
            .into_iter()
            .find(|message| message.to == vec!["ada@example.com".to_owned()])
    })
    .await;
    let text = mail_text(&email);
    assert!(text.contains("are waiting for you"), "{text}");
    assert!(text.contains("2 × Standing"), "{text}");
    assert!(
        text.contains(&format!(
            "http://shop.test/holds/{ada_id}#token={ada_token}"
        )),
        "{text}"
    );

    let checkout = payments
        .checkout_hold(ada_id, ada_token, "ada@example.com")
        .await;
    payments.pay(&checkout).await;
    payments.eventually_status(&checkout, "paid").await;

    let list = eventually("the organiser's list", || async {
        let list = organiser_list(&tickets, on_sale).await;
        (list["entries"][0]["status"] == "bought").then_some(list)
    })
    .await;
    assert_eq!(list["open"], true);
    assert_eq!(list["offer_hours"], 1);
    assert_eq!(list["entries"][0]["email"], "ada@example.com");
    assert_eq!(list["entries"][1]["status"], "waiting");
    assert_eq!(list["entries"][1]["position"], 1);
    // One email per offer, and the offer says who made it.
    assert_eq!(
        tickets
            .sink
            .messages()
            .iter()
            .filter(|message| message.data.contains("are waiting for you"))
            .count(),
        1
    );
    let actor: Value = sqlx::query_scalar(
        "SELECT metadata->'actor' FROM events WHERE event_type = 'WaitingListOffered'",
    )
    .fetch_one(payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(actor["process"], "waiting-list", "{actor}");
}

#[tokio::test]
async fn an_offer_that_lapses_goes_to_the_next_in_line() {
    let tickets = TicketsApp::start_with(&[("CARNEAU_WAITING_OFFER_SECONDS", "2")]).await;
    let payments = &tickets.payments;
    let http = payments.http();
    let on_sale = payments.event(1).await;
    let (first, first_token) = payments.hold(on_sale, 1).await;
    let ada = join(&http, on_sale, 1, "ada@example.com").await;
    let bob = join(&http, on_sale, 1, "bob@example.com").await;
    http.release(first, Some(&first_token)).await;

    eventually_status(&http, &ada, "offered").await;
    eventually_status(&http, &bob, "offered").await;
    assert_eq!(place(&http, &ada).await["status"], "lapsed");
    // Never two offers of the one ticket at once: Bob's was made after Ada's lapsed.
    let offers: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as(
            "SELECT (o->'hold'->>'placed_at')::timestamptz, (o->'hold'->>'expires_at')::timestamptz \
               FROM events, jsonb_array_elements(payload::jsonb->'WaitingListOffered'->'offers') o \
              WHERE event_type = 'WaitingListOffered' ORDER BY sequence",
        )
        .fetch_all(payments.app.database.pool())
        .await
        .unwrap();
    assert_eq!(offers.len(), 2);
    assert!(offers[1].0 >= offers[0].1, "{offers:?}");
}

#[tokio::test]
async fn a_closed_list_takes_nobody_and_its_places_claim_nothing() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let http = payments.http();
    let on_sale = payments.event(1).await;
    let (first, first_token) = payments.hold(on_sale, 1).await;
    let ada = join(&http, on_sale, 1, "ada@example.com").await;

    let switched = payments
        .organiser(
            Method::PUT,
            &format!("/organiser/events/{}/waiting-list", on_sale.event_id),
            Some(&json!({"open": false})),
        )
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    assert_eq!(switched.body["open"], false);
    join(&http, on_sale, 1, "bob@example.com")
        .await
        .problem(StatusCode::CONFLICT, "waiting-list-closed");
    let public = eventually("the public event says closed", || async {
        let event = http.public_event(on_sale.event_id).await?;
        (!event.waiting_list_open).then_some(event)
    })
    .await;
    assert!(!public.waiting_list_open);

    // The ticket given back is on sale to everyone: Ada's place claims nothing.
    http.release(first, Some(&first_token)).await;
    let taken = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);
    assert_eq!(place(&http, &ada).await["status"], "waiting");
}

#[tokio::test]
async fn a_buyer_leaves_the_line_and_bad_joins_are_told_field_by_field() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let http = payments.http();
    let on_sale = payments.event(1).await;
    payments.hold(on_sale, 1).await;

    let bad = join(&http, on_sale, 0, "not an address").await;
    let problem = bad.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["quantity", "email"]);
    join(&http, on_sale, 11, "ada@example.com")
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "too-many-per-order");

    let ada = join(&http, on_sale, 1, "ada@example.com").await;
    let leave = |token: Option<String>| {
        let http = http.clone();
        let path = format!("/waiting-list/{}", id_of(&ada));
        async move {
            http.call(Method::DELETE, &path, token.as_deref(), None, None)
                .await
                .unwrap()
        }
    };
    assert_eq!(leave(None).await.status, StatusCode::UNAUTHORIZED);
    let token = ada.body["token"].as_str().map(str::to_owned);
    assert_eq!(leave(token.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(leave(token).await.status, StatusCode::NO_CONTENT);
    eventually_status(&http, &ada, "left").await;
}

#[tokio::test]
async fn a_raised_capacity_goes_to_the_line_before_it_goes_on_sale() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let http = payments.http();
    let on_sale = payments.event(1).await;
    payments.hold(on_sale, 1).await;
    let ada = join(&http, on_sale, 2, "ada@example.com").await;
    assert_eq!(ada.status, StatusCode::CREATED, "{}", ada.body);

    let raised = payments
        .organiser(
            Method::PATCH,
            &format!(
                "/organiser/events/{}/ticket-types/{}",
                on_sale.event_id, on_sale.ticket_type_id
            ),
            Some(&json!({"capacity": 4})),
        )
        .await;
    assert_eq!(raised.status, StatusCode::OK, "{}", raised.body);
    // Of the 3 new tickets, Ada's 2 are hers: one is on sale, the next is not.
    let one = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.body);
    http.reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "sold-out");
    let offered = eventually_status(&http, &ada, "offered").await;
    assert_eq!(offered["quantity"], 2);
}

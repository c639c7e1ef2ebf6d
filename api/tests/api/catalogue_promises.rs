//! A ticket type keeps what it promised buyers: it cannot be removed once a ticket of it
//! is sold or held, nor have its capacity lowered below them.

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::in_days;
use crate::support::payments::PaymentsApp;
use crate::support::reservations::http::{ticket_type_body, Http, OnSale, Reply};

fn ticket_type_path(on_sale: OnSale) -> String {
    format!(
        "/organiser/events/{}/ticket-types/{}",
        on_sale.event_id, on_sale.ticket_type_id
    )
}

/// A call as the organiser who set the sale up.
async fn as_organiser(
    http: &Http,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Reply {
    http.call(method, path, Some(&http.organiser_token), None, body)
        .await
        .unwrap()
}

/// Adds a second ticket type, so the first is never refused for being the last one.
async fn add_second_type(http: &Http, event_id: Uuid) {
    let body = ticket_type_body("Balcony", 10, 10, in_days(-1), in_days(20));
    let path = format!("/organiser/events/{event_id}/ticket-types");
    let reply = as_organiser(http, Method::POST, &path, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

fn ticket_type_names(reply: &Reply) -> Vec<String> {
    reply.body["ticket_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_type_with_paid_orders_cannot_be_removed() {
    let payments = PaymentsApp::start(&[]).await;
    let http = payments.http();
    let on_sale = payments.event(10).await;
    add_second_type(&http, on_sale.event_id).await;
    let checkout = payments.checkout(on_sale, 2).await;
    payments.pay(&checkout).await;
    payments.eventually_status(&checkout, "paid").await;

    let refused = as_organiser(&http, Method::DELETE, &ticket_type_path(on_sale), None).await;

    let problem = refused.problem(StatusCode::CONFLICT, "ticket-type-has-buyers");
    assert!(
        problem.detail.contains("2 of its tickets are sold") && problem.detail.contains("Close"),
        "{}",
        problem.detail
    );
    let path = format!("/organiser/events/{}", on_sale.event_id);
    let event = as_organiser(&http, Method::GET, &path, None).await;
    assert_eq!(ticket_type_names(&event), ["Standing", "Balcony"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_type_with_held_tickets_cannot_be_removed_but_an_untouched_one_can() {
    let payments = PaymentsApp::start(&[]).await;
    let http = payments.http();
    let on_sale = payments.event(10).await;
    add_second_type(&http, on_sale.event_id).await;
    payments.hold(on_sale, 3).await;

    let refused = as_organiser(&http, Method::DELETE, &ticket_type_path(on_sale), None).await;
    let problem = refused.problem(StatusCode::CONFLICT, "ticket-type-has-buyers");
    assert!(problem.detail.contains("3 are held"), "{}", problem.detail);

    let path = format!("/organiser/events/{}", on_sale.event_id);
    let event = as_organiser(&http, Method::GET, &path, None).await;
    let balcony = event.body["ticket_types"][1]["id"].as_str().unwrap();
    let removed = as_organiser(
        &http,
        Method::DELETE,
        &format!("{path}/ticket-types/{balcony}"),
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(ticket_type_names(&removed), ["Standing"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_below_the_tickets_sold_and_held_is_refused_with_the_numbers() {
    let payments = PaymentsApp::start(&[]).await;
    let http = payments.http();
    let on_sale = payments.event(10).await;
    let checkout = payments.checkout(on_sale, 2).await;
    payments.pay(&checkout).await;
    payments.eventually_status(&checkout, "paid").await;
    payments.hold(on_sale, 3).await;

    let refused = as_organiser(
        &http,
        Method::PATCH,
        &ticket_type_path(on_sale),
        Some(&json!({"capacity": 4})),
    )
    .await;

    let problem = refused.problem(StatusCode::CONFLICT, "capacity-below-promised");
    assert!(
        problem.detail.contains("2 tickets are sold and 3 are held")
            && problem.detail.contains("at least 5"),
        "{}",
        problem.detail
    );
    assert_eq!(problem.errors[0].field, "capacity");
    let lowered = as_organiser(
        &http,
        Method::PATCH,
        &ticket_type_path(on_sale),
        Some(&json!({"capacity": 5})),
    )
    .await;
    assert_eq!(lowered.status, StatusCode::OK, "{}", lowered.body);
    assert_eq!(lowered.body["ticket_types"][0]["capacity"], 5);
}

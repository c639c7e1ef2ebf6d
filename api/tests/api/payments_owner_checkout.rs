//! Opening checkout with the owner's session instead of the reservation's token (issue 14,
//! defect 6): the account that placed the hold may; any other account gets the answer an
//! unknown reservation gets.

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::payments::PaymentsApp;
use crate::support::reservations::http::reservation_body;

#[tokio::test]
async fn the_signed_in_owner_of_a_hold_opens_its_checkout_with_their_session_alone() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let owner = app.app.buyer().await;
    let held = app
        .call_as(
            &owner.token,
            Method::POST,
            &format!("/events/{}/reservations", on_sale.event_id),
            Some(&reservation_body(&[(on_sale.ticket_type_id, 2)])),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let reservation_id = held.reservation_id();
    let path = format!("/reservations/{reservation_id}/checkout");
    let body = json!({"email": owner.email});

    // Another signed-in account: the same answer as a reservation that does not exist.
    let someone = app.app.buyer().await;
    let theirs = app
        .call_as(&someone.token, Method::POST, &path, Some(&body))
        .await;
    let unknown = app
        .call_as(
            &someone.token,
            Method::POST,
            &format!("/reservations/{}/checkout", Uuid::new_v4()),
            Some(&body),
        )
        .await;
    theirs.problem(StatusCode::NOT_FOUND, "not-found");
    unknown.problem(StatusCode::NOT_FOUND, "not-found");
    assert_eq!(theirs.body["detail"], unknown.body["detail"]);
    assert!(app.stripe.session_ids().is_empty());

    // The owner, with their session and no token: checkout starts, and the order is theirs.
    let started = app
        .call_as(&owner.token, Method::POST, &path, Some(&body))
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let order_id = started.body["order_id"].as_str().unwrap().to_owned();
    let mine = app
        .call_as(
            &owner.token,
            Method::GET,
            &format!("/orders/{order_id}"),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.body["status"], "awaiting_payment");
    assert_eq!(app.stripe.session_ids().len(), 1);

    // A guest's hold (placed with no session) opens for no account.
    let (guest_reservation, _token) = app.hold(on_sale, 1).await;
    let guest = app
        .call_as(
            &owner.token,
            Method::POST,
            &format!("/reservations/{guest_reservation}/checkout"),
            Some(&body),
        )
        .await;
    guest.problem(StatusCode::NOT_FOUND, "not-found");
}

//! Buyers holding tickets with a promo code: the code's uses are held with the tickets,
//! refused in words when it cannot be used, given back when the hold is released or
//! lapses; and under a rush of hundreds of buyers, a code limited to 100 uses is used 100
//! times, never 101, judged by the inventory log.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::support::in_days;
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::{
    reservation_body, spawn_reservation_app, ticket_type_body, Http, Reply,
};
use crate::support::reservations::rush::sleep_past;

/// A published event with Standard (`standard` tickets) and VIP (10), 4 per order.
pub(crate) async fn concert(http: &Http, standard: u32) -> (Uuid, Uuid, Uuid) {
    let detail = http
        .create_event_with(
            &[
                ticket_type_body("Standard", standard, 4, in_days(-1), in_days(20)),
                ticket_type_body("VIP", 10, 4, in_days(-1), in_days(20)),
            ],
            true,
        )
        .await;
    (
        detail.id,
        detail.ticket_types[0].id,
        detail.ticket_types[1].id,
    )
}

/// Creates `code` for the event with `terms`.
pub(crate) async fn create_code(http: &Http, event_id: Uuid, code: &str, terms: Value) {
    let reply = http
        .call(
            Method::POST,
            &format!("/organiser/events/{event_id}/vouchers"),
            Some(&http.organiser_token),
            None,
            Some(&json!({ "code": code, "terms": terms })),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

pub(crate) fn percent_off(max_uses: u32, counting: &str) -> Value {
    json!({ "discount": { "kind": "percent", "percent": 20 },
        "max_uses": max_uses, "counting": counting })
}

pub(crate) async fn hold_with_code(
    http: &Http,
    event_id: Uuid,
    lines: &[(Uuid, u32)],
    code: &str,
) -> Reply {
    let mut body = reservation_body(lines);
    body["code"] = json!(code);
    http.try_reserve_body(event_id, &body, None).await.unwrap()
}

/// A published event with Standard (50) and a hidden Presale (5, 2 per order) that
/// "EARLY-ACCESS" unlocks, `max_uses` orders; its id and the Presale's.
pub(crate) async fn presale_event(http: &Http, max_uses: u32) -> (Uuid, Uuid) {
    let mut presale = ticket_type_body("Presale", 5, 2, in_days(-1), in_days(20));
    presale["hidden"] = json!(true);
    let detail = http
        .create_event_with(
            &[
                ticket_type_body("Standard", 50, 4, in_days(-1), in_days(20)),
                presale,
            ],
            true,
        )
        .await;
    let (event_id, presale) = (detail.id, detail.ticket_types[1].id);
    let access = json!({ "discount": { "kind": "none" }, "unlocks": [presale],
        "ticket_type_ids": [presale], "max_uses": max_uses, "counting": "per_order" });
    create_code(http, event_id, "EARLY-ACCESS", access).await;
    (event_id, presale)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_holds_with_a_code_and_hears_in_words_why_a_code_cannot_be_used() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, standard, vip) = concert(&http, 50).await;
    create_code(&http, event_id, "FRIENDS", percent_off(3, "per_ticket")).await;
    let vip_only = json!({ "discount": { "kind": "fixed",
            "amount": { "amount_minor": 500, "currency": "EUR" } },
        "ticket_type_ids": [vip], "max_uses": 5, "counting": "per_order" });
    create_code(&http, event_id, "VIP-FIVER", vip_only).await;

    // Typed in any case, with spaces: the code held is the code.
    let held = hold_with_code(&http, event_id, &[(standard, 2)], "  friends ").await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(held.body["code"], "FRIENDS");
    let seen = http
        .get_reservation(held.reservation_id(), Some(&held.token()))
        .await;
    assert_eq!(seen.body["code"], "FRIENDS");

    // 2 of 3 uses are held: 2 more are refused for the code, not the tickets.
    let over = hold_with_code(&http, event_id, &[(standard, 2)], "FRIENDS").await;
    let problem = over.problem(StatusCode::CONFLICT, "voucher-used-up");
    assert_eq!(problem.errors[0].field, "code");
    assert!(
        problem.detail.contains("used as many times"),
        "{}",
        problem.detail
    );
    let last = hold_with_code(&http, event_id, &[(standard, 1)], "FRIENDS").await;
    assert_eq!(last.status, StatusCode::CREATED, "{}", last.body);

    // A release gives its uses back.
    let released = http
        .release(held.reservation_id(), Some(&held.token()))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    let again = hold_with_code(&http, event_id, &[(standard, 2)], "FRIENDS").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);

    // A VIP-only code on Standard tickets does not apply; on VIP it does.
    let wrong = hold_with_code(&http, event_id, &[(standard, 1)], "VIP-FIVER").await;
    let problem = wrong.problem(StatusCode::UNPROCESSABLE_ENTITY, "voucher-not-applicable");
    assert_eq!(problem.errors[0].field, "code");
    let right = hold_with_code(&http, event_id, &[(standard, 1), (vip, 2)], "VIP-FIVER").await;
    assert_eq!(right.status, StatusCode::CREATED, "{}", right.body);

    // Unknown, malformed and switched-off codes are refused naming the field.
    let unknown = hold_with_code(&http, event_id, &[(standard, 1)], "NOPE-NOPE").await;
    let problem = unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "voucher-unknown");
    assert_eq!(problem.errors[0].field, "code");
    let malformed = hold_with_code(&http, event_id, &[(standard, 1)], "no way!").await;
    let problem = malformed.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(problem.errors[0].field, "code");
    assert!(problem.errors[0]
        .message
        .contains("letters, digits and dashes"));
    let switched = http
        .call(
            Method::PATCH,
            &format!("/organiser/events/{event_id}/vouchers/VIP-FIVER"),
            Some(&http.organiser_token),
            None,
            Some(&json!({ "enabled": false })),
        )
        .await
        .unwrap();
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    let off = hold_with_code(&http, event_id, &[(vip, 1)], "VIP-FIVER").await;
    let problem = off.problem(StatusCode::UNPROCESSABLE_ENTITY, "voucher-unusable");
    assert!(
        problem.detail.contains("switched off"),
        "{}",
        problem.detail
    );

    // An empty code is no code.
    let blank = hold_with_code(&http, event_id, &[(standard, 1)], "").await;
    assert_eq!(blank.status, StatusCode::CREATED, "{}", blank.body);
    assert_eq!(blank.body["code"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_hold_gives_its_code_uses_back() {
    let app = spawn_reservation_app(&[("CARNEAU_HOLD_SECONDS", "1")]).await;
    let http = app.http();
    let (event_id, standard, _) = concert(&http, 50).await;
    create_code(&http, event_id, "ONCE", percent_off(1, "per_order")).await;
    let held = hold_with_code(&http, event_id, &[(standard, 3)], "ONCE").await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let refused = hold_with_code(&http, event_id, &[(standard, 1)], "ONCE").await;
    refused.problem(StatusCode::CONFLICT, "voucher-used-up");
    let expires_at = held.body["expires_at"].as_str().unwrap().parse().unwrap();
    sleep_past(expires_at).await;
    let after = hold_with_code(&http, event_id, &[(standard, 1)], "ONCE").await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_of_300_buyers_on_a_100_use_code_uses_it_100_times() {
    const BUYERS: usize = 300;
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    // Tickets for everyone: only the code runs out.
    let (event_id, standard, vip) = concert(&http, 1_000).await;
    create_code(&http, event_id, "RUSH-100", percent_off(100, "per_ticket")).await;

    let start = Arc::new(Barrier::new(BUYERS));
    let buyers = (0..BUYERS).map(|n| {
        let (http, start) = (http.clone(), start.clone());
        // One or two tickets each, so uses run out part way through a request too.
        let quantity = 1 + (n % 2) as u32;
        tokio::spawn(async move {
            start.wait().await;
            let reply = hold_with_code(&http, event_id, &[(standard, quantity)], "RUSH-100").await;
            (quantity, reply)
        })
    });
    let mut uses_held = 0;
    let mut statuses: HashMap<StatusCode, usize> = HashMap::new();
    for buyer in buyers.collect::<Vec<_>>() {
        let (quantity, reply) = buyer.await.unwrap();
        *statuses.entry(reply.status).or_default() += 1;
        match reply.status {
            StatusCode::CREATED => uses_held += quantity,
            StatusCode::CONFLICT => assert_eq!(reply.problem_slug(), "voucher-used-up"),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(uses_held <= 100, "{uses_held} uses held: {statuses:?}");
    // Every buyer asked before the uses ran out; at most one use can be left over, by a
    // two-ticket request when one use remained.
    assert!(uses_held >= 99, "{uses_held} uses held: {statuses:?}");

    // The log agrees: no instant had more than 100 uses taken.
    let capacities = HashMap::from([(standard, 1_000), (vip, 10)]);
    let audit = audit_inventory_log(app.database.pool(), event_id, &capacities).await;
    assert_eq!(audit.code_uses_placed["RUSH-100"], uses_held);
    assert!(audit.peak_code_uses["RUSH-100"] <= 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presale_type_is_held_only_with_the_code_that_unlocks_it() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, presale) = presale_event(&http, 10).await;
    create_code(&http, event_id, "FRIENDS", percent_off(10, "per_ticket")).await;

    let without = http.reserve(event_id, &[(presale, 1)]).await;
    without.problem(StatusCode::UNPROCESSABLE_ENTITY, "unknown-ticket-type");
    let other = hold_with_code(&http, event_id, &[(presale, 1)], "FRIENDS").await;
    other.problem(StatusCode::UNPROCESSABLE_ENTITY, "unknown-ticket-type");
    let unlocked = hold_with_code(&http, event_id, &[(presale, 2)], "EARLY-ACCESS").await;
    assert_eq!(unlocked.status, StatusCode::CREATED, "{}", unlocked.body);
}

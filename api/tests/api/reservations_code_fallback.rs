//! Buyers who ask to be held without their promo code when it has no use left
//! (`if_code_used_up: hold_without_code`): one request, held at the regular price and told
//! so; without asking, still refused; and under a rush of hundreds of such buyers on a
//! 100-use code, every buyer with tickets left gets a hold, the code is used 100 times,
//! never 101, and nothing is oversold, judged by the inventory log.

use std::collections::HashMap;
use std::sync::Arc;

use carneau_commands::reservations::guard::ReservationGuard;
use carneau_domain::ids::{EventId, ReservationId};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::reservations_codes::{concert, create_code, hold_with_code, percent_off, presale_event};
use crate::reservations_flow::guard_available;
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::{reservation_body, spawn_reservation_app, Http, Reply};

/// Holds `lines` with `code`, or without it if it is used up, under `key` if given.
async fn hold_or_without_code(
    http: &Http,
    event_id: Uuid,
    lines: &[(Uuid, u32)],
    code: &str,
    key: Option<&str>,
) -> Reply {
    let mut body = reservation_body(lines);
    body["code"] = json!(code);
    body["if_code_used_up"] = json!("hold_without_code");
    http.try_reserve_body(event_id, &body, key).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_whose_code_is_used_up_is_held_without_it_when_they_ask_to() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, standard, _) = concert(&http, 50).await;
    create_code(&http, event_id, "FRIENDS", percent_off(2, "per_ticket")).await;
    let first = hold_or_without_code(&http, event_id, &[(standard, 2)], "friends", None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["code"], "FRIENDS");
    assert_eq!(first.body["code_not_applied"], Value::Null);

    // Used up: without asking, refused as before;
    let refused = hold_with_code(&http, event_id, &[(standard, 1)], "FRIENDS").await;
    refused.problem(StatusCode::CONFLICT, "voucher-used-up");
    // asking, held in the same request, without the code, and told why.
    let key = Uuid::new_v4().to_string();
    let held = hold_or_without_code(&http, event_id, &[(standard, 3)], "FRIENDS", Some(&key)).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(held.body["code"], Value::Null);
    assert_eq!(
        held.body["code_not_applied"],
        json!({ "code": "FRIENDS", "reason": "voucher-used-up" })
    );
    let seen = http
        .get_reservation(held.reservation_id(), Some(&held.token()))
        .await;
    assert_eq!(seen.body["code"], Value::Null);
    assert_eq!(seen.body["lines"][0]["quantity"], 3);

    // A retry finds the same hold, still without the code.
    let retried =
        hold_or_without_code(&http, event_id, &[(standard, 3)], "FRIENDS", Some(&key)).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(retried.reservation_id(), held.reservation_id());
    assert_eq!(
        retried.body["code_not_applied"]["reason"],
        "voucher-used-up"
    );

    // Other refusals of the code stand; with no code, the choice changes nothing.
    let unknown = hold_or_without_code(&http, event_id, &[(standard, 1)], "NOPE-NOPE", None).await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "voucher-unknown");
    let mut plain = reservation_body(&[(standard, 1)]);
    plain["if_code_used_up"] = json!("hold_without_code");
    let plain = http.try_reserve_body(event_id, &plain, None).await.unwrap();
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.body);
    assert_eq!(plain.body["code_not_applied"], Value::Null);
    let mut wrong = reservation_body(&[(standard, 1)]);
    wrong["if_code_used_up"] = json!("maybe");
    let wrong = http.try_reserve_body(event_id, &wrong, None).await.unwrap();
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presale_needs_its_code_even_for_a_buyer_who_falls_back() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, presale) = presale_event(&http, 1).await;
    let first = hold_or_without_code(&http, event_id, &[(presale, 1)], "EARLY-ACCESS", None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    // Its one use taken, the hidden type is unknown to a buyer without the code.
    let second = hold_or_without_code(&http, event_id, &[(presale, 1)], "EARLY-ACCESS", None).await;
    second.problem(StatusCode::UNPROCESSABLE_ENTITY, "unknown-ticket-type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_that_counted_a_use_the_log_fell_back_on_is_rebuilt_from_the_log() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, standard, vip) = concert(&http, 50).await;
    create_code(&http, event_id, "ONCE", percent_off(1, "per_order")).await;
    let first = hold_with_code(&http, event_id, &[(standard, 2)], "ONCE").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    // Given a guard that lost that hold (so it sees the code's one use free), while the
    // log still has it,
    let guard = ReservationGuard::new(app.state.redis.clone(), app.redis.prefix());
    guard
        .release(
            EventId::from_uuid(event_id),
            ReservationId::from_uuid(first.reservation_id()),
        )
        .await
        .unwrap();
    assert_eq!(guard_available(&app, event_id, standard).await, Some(50));

    // when a buyer falling back is admitted with the code by the guard,
    let second = hold_or_without_code(&http, event_id, &[(standard, 3)], "ONCE", None).await;

    // then the log, which decides, holds the tickets without it,
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.body["code_not_applied"]["code"], "ONCE");
    // and the guard is rebuilt from the log: both holds counted again, one use taken.
    assert_eq!(guard_available(&app, event_id, standard).await, Some(45));
    let strict = hold_with_code(&http, event_id, &[(standard, 1)], "ONCE").await;
    strict.problem(StatusCode::CONFLICT, "voucher-used-up");
    let capacities = HashMap::from([(standard, 50), (vip, 10)]);
    let audit = audit_inventory_log(app.database.pool(), event_id, &capacities).await;
    assert_eq!(audit.code_uses_placed["ONCE"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_of_300_buyers_falling_back_on_a_100_use_code_each_get_a_hold_in_one_request() {
    const BUYERS: usize = 300;
    const STANDARD: u32 = 250;
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let (event_id, standard, vip) = concert(&http, STANDARD).await;
    create_code(&http, event_id, "RUSH-100", percent_off(100, "per_ticket")).await;

    let start = Arc::new(Barrier::new(BUYERS));
    let buyers: Vec<_> = (0..BUYERS)
        .map(|_| {
            let (http, start) = (http.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                hold_or_without_code(&http, event_id, &[(standard, 1)], "RUSH-100", None).await
            })
        })
        .collect();
    let (mut with_code, mut without_code, mut sold_out) = (0, 0, 0);
    for buyer in buyers {
        let reply = buyer.await.unwrap();
        match reply.status {
            StatusCode::CREATED if reply.body["code"] == "RUSH-100" => with_code += 1,
            StatusCode::CREATED => {
                assert_eq!(reply.body["code_not_applied"]["code"], "RUSH-100");
                without_code += 1;
            }
            // Only the tickets can run out for these buyers, never the code.
            StatusCode::CONFLICT => {
                assert_eq!(reply.problem_slug(), "sold-out");
                sold_out += 1;
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    // Every buyer had a ticket until the 250th hold: exactly 250 held, the first 100 of
    // them with the code.
    assert_eq!(
        (with_code, without_code, sold_out),
        (100, 150, 50),
        "with the code, without it, sold out"
    );

    // The log agrees: 100 uses placed, never more than 100 taken at once, and no instant
    // with more than 250 Standard tickets held (the audit panics on an oversell).
    let capacities = HashMap::from([(standard, STANDARD), (vip, 10)]);
    let audit = audit_inventory_log(app.database.pool(), event_id, &capacities).await;
    assert_eq!(audit.code_uses_placed["RUSH-100"], 100);
    assert!(audit.peak_code_uses["RUSH-100"] <= 100);
    assert_eq!(audit.placed_tickets(), STANDARD);
}

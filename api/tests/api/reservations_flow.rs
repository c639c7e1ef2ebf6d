//! A buyer holding tickets over HTTP: a hold is shown, released and its tickets return;
//! a retried request is held once; every refusal names its reason; a request for two
//! ticket types is held whole or not at all; a hold needs its token; a lapsed hold frees
//! its tickets at once and the sweeper records it later.
//!
//! Whatever the answers say, each test also audits the event's inventory log: no instant
//! with more tickets held than exist, and exactly the acknowledged holds recorded.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use carneau_commands::reservations::guard::ReservationGuard;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryCommand, Quantity};
use chrono::{DateTime, TimeDelta, Utc};
use fred::prelude::KeysInterface;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::{
    spawn_app_without_sweeper, spawn_reservation_app, ticket_type_body, Reply,
};
use crate::support::reservations::rush::poll_until;
use crate::support::{in_days, TestApp};

fn expires_at(reply: &Reply) -> DateTime<Utc> {
    reply.body["expires_at"].as_str().unwrap().parse().unwrap()
}

/// Held and available tickets of one ticket type in the public event page, once the
/// read model has the event.
async fn public_stock(app: &TestApp, event_id: Uuid, ticket_type_id: Uuid) -> Option<(i64, i64)> {
    let detail = app.http().public_event(event_id).await?;
    let ticket_type = detail
        .ticket_types
        .iter()
        .find(|ticket_type| ticket_type.id == ticket_type_id)?;
    Some((
        ticket_type.availability.held,
        ticket_type.availability.available,
    ))
}

/// Waits until the public page shows `held` and `available` tickets of the type.
async fn wait_for_public_stock(
    app: &TestApp,
    event_id: Uuid,
    ticket_type_id: Uuid,
    held: i64,
    available: i64,
) {
    let what = format!("public availability held {held}, available {available}");
    poll_until(
        &what,
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async {
            let seen = public_stock(app, event_id, ticket_type_id).await;
            (seen == Some((held, available))).then_some(())
        },
    )
    .await;
}

/// What the Redis guard of the event thinks is left of a ticket type.
pub(crate) async fn guard_available(
    app: &TestApp,
    event_id: Uuid,
    ticket_type_id: Uuid,
) -> Option<u32> {
    let guard = ReservationGuard::new(app.state.redis.clone(), app.redis.prefix());
    guard
        .available(
            EventId::from_uuid(event_id),
            TicketTypeId::from_uuid(ticket_type_id),
            Utc::now().timestamp_millis(),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_is_shown_then_released_and_its_tickets_return() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = app.create_published_event(5, 5).await;
    let tt = event.ticket_type_id;
    wait_for_public_stock(&app, event.event_id, tt, 0, 5).await;

    let before = Utc::now();
    let held = http.reserve(event.event_id, &[(tt, 3)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let id = held.reservation_id();
    let token = held.token();
    assert_eq!(held.body["status"], "held");
    assert_eq!(held.body["event_id"], json!(event.event_id));
    assert_eq!(
        held.body["lines"],
        json!([{"ticket_type_id": tt, "quantity": 3}])
    );
    let expiry = expires_at(&held);
    // The default hold lifetime is 15 minutes from the request.
    assert!(expiry >= before + TimeDelta::minutes(15), "{expiry}");
    assert!(expiry <= Utc::now() + TimeDelta::minutes(15), "{expiry}");

    let shown = http.get_reservation(id, Some(&token)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["id"], json!(id));
    assert_eq!(shown.body["status"], "held");
    assert_eq!(
        shown.body["lines"],
        json!([{"ticket_type_id": tt, "quantity": 3}])
    );
    assert_eq!(expires_at(&shown), expiry);
    assert!(shown.body.get("token").is_none(), "{}", shown.body);
    wait_for_public_stock(&app, event.event_id, tt, 3, 2).await;

    // Only 2 are left while the hold lives.
    let refused = http.reserve(event.event_id, &[(tt, 3)]).await;
    let problem = refused.problem(StatusCode::CONFLICT, "sold-out");
    assert_eq!(problem.errors[0].field, "lines[0].quantity");
    assert!(
        problem.detail.contains("Only 2 tickets"),
        "{}",
        problem.detail
    );

    let released = http.release(id, Some(&token)).await;
    assert_eq!(released.status, StatusCode::NO_CONTENT, "{}", released.body);
    let shown = http.get_reservation(id, Some(&token)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["status"], "released");
    assert_eq!(shown.body["lines"], json!([]));
    assert!(shown.body["expires_at"].is_null(), "{}", shown.body);
    let again = http.release(id, Some(&token)).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.body);
    wait_for_public_stock(&app, event.event_id, tt, 0, 5).await;

    // Every ticket can be held again, and then none is left.
    let all = http.reserve(event.event_id, &[(tt, 5)]).await;
    assert_eq!(all.status, StatusCode::CREATED, "{}", all.body);
    wait_for_public_stock(&app, event.event_id, tt, 5, 0).await;
    let none = http.reserve(event.event_id, &[(tt, 1)]).await;
    let problem = none.problem(StatusCode::CONFLICT, "sold-out");
    assert_eq!(problem.detail, "This ticket type is sold out.");

    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(
        audit.placed_ids(),
        BTreeSet::from([id, all.reservation_id()])
    );
    assert_eq!(audit.released, BTreeSet::from([id]));
    assert_eq!(audit.peak_held[&tt], 5);
    assert_eq!(audit.held_at(Utc::now()), 5);
    assert_eq!(guard_available(&app, event.event_id, tt).await, Some(0));
    println!(
        "flow/hold-release: log events {}, placed {:?} tickets, peak held {}",
        audit.events,
        audit.placed_tickets(),
        audit.peak_held[&tt]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_reservation_is_held_once() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = app.create_published_event(10, 10).await;
    let tt = event.ticket_type_id;
    let key = Uuid::new_v4().to_string();

    let first = http
        .reserve_with_key(event.event_id, &[(tt, 2)], &key)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let retry = http
        .reserve_with_key(event.event_id, &[(tt, 2)], &key)
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.reservation_id(), first.reservation_id());
    assert_eq!(retry.token(), first.token());
    assert_eq!(expires_at(&retry), expires_at(&first));

    let other_body = http
        .reserve_with_key(event.event_id, &[(tt, 3)], &key)
        .await;
    other_body.problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    // The refused reuse must not take the first hold out of the Redis guard.
    assert_eq!(guard_available(&app, event.event_id, tt).await, Some(8));

    // Ten copies of one request at once: one hold, the others told it exists.
    let key = Uuid::new_v4().to_string();
    let copies: Vec<_> = (0..10)
        .map(|_| {
            let http = http.clone();
            let key = key.clone();
            tokio::spawn(async move {
                http.reserve_with_key(event.event_id, &[(tt, 1)], &key)
                    .await
            })
        })
        .collect();
    let mut statuses = HashMap::new();
    let mut ids = BTreeSet::new();
    for copy in copies {
        let reply = copy.await.unwrap();
        *statuses.entry(reply.status.as_u16()).or_insert(0) += 1;
        ids.insert(reply.reservation_id());
    }
    assert_eq!(statuses, HashMap::from([(201, 1), (200, 9)]));
    assert_eq!(ids.len(), 1);

    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    let mut expected = ids.clone();
    expected.insert(first.reservation_id());
    assert_eq!(audit.placed_ids(), expected);
    assert_eq!(audit.placed_tickets(), 3);
    wait_for_public_stock(&app, event.event_id, tt, 3, 7).await;
    assert_eq!(guard_available(&app, event.event_id, tt).await, Some(7));
    println!(
        "flow/idempotency: concurrent copies answered {statuses:?}; log holds {} tickets in {} holds",
        audit.placed_tickets(),
        audit.placed.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refusal_names_its_reason() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = http
        .create_event_with(
            &[
                ticket_type_body("Standing", 5, 4, in_days(-1), in_days(20)),
                ticket_type_body("Balcony", 50, 10, in_days(-1), in_days(20)),
                ticket_type_body("Early bird", 10, 4, in_days(-3), in_days(-1)),
                ticket_type_body("Late release", 10, 4, in_days(1), in_days(20)),
            ],
            true,
        )
        .await;
    let ids: Vec<Uuid> = event.ticket_types.iter().map(|t| t.id).collect();
    let (standing, balcony, early, late) = (ids[0], ids[1], ids[2], ids[3]);
    let capacities = HashMap::from([(standing, 5), (balcony, 50), (early, 10), (late, 10)]);
    let mut acknowledged = BTreeSet::new();

    let four = http.reserve(event.id, &[(standing, 4)]).await;
    assert_eq!(four.status, StatusCode::CREATED, "{}", four.body);
    acknowledged.insert(four.reservation_id());

    // Sold out, on the second line: nothing of the first line is held either.
    let short = http.reserve(event.id, &[(balcony, 1), (standing, 2)]).await;
    let problem = short.problem(StatusCode::CONFLICT, "sold-out");
    assert_eq!(problem.errors.len(), 1);
    assert_eq!(problem.errors[0].field, "lines[1].quantity");
    assert_eq!(problem.detail, "Only 1 ticket of this type is left.");

    let too_many = http.reserve(event.id, &[(balcony, 11)]).await;
    let problem = too_many.problem(StatusCode::UNPROCESSABLE_ENTITY, "too-many-per-order");
    assert_eq!(problem.errors[0].field, "lines[0].quantity");
    assert!(problem.detail.contains("At most 10"), "{}", problem.detail);

    let unknown = http.reserve(event.id, &[(Uuid::new_v4(), 1)]).await;
    let problem = unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "unknown-ticket-type");
    assert_eq!(problem.errors[0].field, "lines[0].ticket_type_id");

    let empty = http
        .try_reserve_body(event.id, &json!({"lines": []}), None)
        .await
        .unwrap();
    let problem = empty.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(problem.errors[0].field, "lines");

    let zero = http.reserve(event.id, &[(balcony, 0)]).await;
    let problem = zero.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(problem.errors[0].field, "lines[0].quantity");

    let twice = http.reserve(event.id, &[(balcony, 1), (balcony, 1)]).await;
    twice.problem(StatusCode::UNPROCESSABLE_ENTITY, "duplicate-line");

    let closed = http.reserve(event.id, &[(early, 1)]).await;
    let problem = closed.problem(StatusCode::CONFLICT, "sale-closed");
    assert_eq!(problem.errors[0].field, "lines[0].ticket_type_id");

    let not_open = http.reserve(event.id, &[(balcony, 1), (late, 1)]).await;
    let problem = not_open.problem(StatusCode::CONFLICT, "sale-not-open");
    assert_eq!(problem.errors[0].field, "lines[1].ticket_type_id");

    // After all these refusals, every Balcony ticket is still there.
    let all_balcony: Vec<Reply> = {
        let mut replies = Vec::new();
        for _ in 0..5 {
            replies.push(http.reserve(event.id, &[(balcony, 10)]).await);
        }
        replies
    };
    for reply in &all_balcony {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        acknowledged.insert(reply.reservation_id());
    }
    assert_eq!(guard_available(&app, event.id, balcony).await, Some(0));
    assert_eq!(guard_available(&app, event.id, standing).await, Some(1));

    let audit = audit_inventory_log(app.database.pool(), event.id, &capacities).await;
    assert_eq!(audit.placed_ids(), acknowledged);
    assert_eq!(audit.placed_tickets(), 54);

    // A draft is not on sale.
    let draft = http
        .create_event_with(
            &[ticket_type_body("Standing", 5, 4, in_days(-1), in_days(20))],
            false,
        )
        .await;
    let refused = http
        .reserve(draft.id, &[(draft.ticket_types[0].id, 1)])
        .await;
    refused.problem(StatusCode::CONFLICT, "event-not-on-sale");

    // A cancelled event, whose guard was loaded by an earlier hold, refuses new ones.
    let doomed = app.create_published_event(5, 4).await;
    let early_hold = http
        .reserve(doomed.event_id, &[(doomed.ticket_type_id, 1)])
        .await;
    assert_eq!(
        early_hold.status,
        StatusCode::CREATED,
        "{}",
        early_hold.body
    );
    app.cancel(doomed.event_id, Some("The band is ill.")).await;
    let refused = http
        .reserve(doomed.event_id, &[(doomed.ticket_type_id, 1)])
        .await;
    refused.problem(StatusCode::CONFLICT, "event-cancelled");
    assert_eq!(
        guard_available(&app, doomed.event_id, doomed.ticket_type_id).await,
        Some(4)
    );

    let draft_audit = audit_inventory_log(
        app.database.pool(),
        draft.id,
        &HashMap::from([(draft.ticket_types[0].id, 5)]),
    )
    .await;
    assert_eq!(draft_audit.events, 0);
    let doomed_audit =
        audit_inventory_log(app.database.pool(), doomed.event_id, &doomed.capacities()).await;
    assert_eq!(
        doomed_audit.placed_ids(),
        BTreeSet::from([early_hold.reservation_id()])
    );
    println!(
        "flow/refusals: log holds {} tickets in {} holds, {} events",
        audit.placed_tickets(),
        audit.placed.len(),
        audit.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reservation_of_two_ticket_types_is_held_whole_or_not_at_all() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = http
        .create_event_with(
            &[
                ticket_type_body("Seated", 2, 4, in_days(-1), in_days(20)),
                ticket_type_body("Standing", 10, 10, in_days(-1), in_days(20)),
            ],
            true,
        )
        .await;
    let (seated, standing) = (event.ticket_types[0].id, event.ticket_types[1].id);
    let capacities = HashMap::from([(seated, 2), (standing, 10)]);

    let both = http.reserve(event.id, &[(seated, 1), (standing, 2)]).await;
    assert_eq!(both.status, StatusCode::CREATED, "{}", both.body);
    assert_eq!(
        both.body["lines"],
        json!([
            {"ticket_type_id": seated, "quantity": 1},
            {"ticket_type_id": standing, "quantity": 2},
        ])
    );

    let too_many_seats = http.reserve(event.id, &[(standing, 3), (seated, 2)]).await;
    let problem = too_many_seats.problem(StatusCode::CONFLICT, "sold-out");
    assert_eq!(problem.errors[0].field, "lines[1].quantity");
    assert_eq!(problem.detail, "Only 1 ticket of this type is left.");

    // The 3 standing tickets of the refused request were not held: 8 are left.
    let rest = http.reserve(event.id, &[(standing, 8)]).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    let last_seat = http.reserve(event.id, &[(seated, 1)]).await;
    assert_eq!(last_seat.status, StatusCode::CREATED, "{}", last_seat.body);
    let none = http.reserve(event.id, &[(seated, 1)]).await;
    none.problem(StatusCode::CONFLICT, "sold-out");

    let audit = audit_inventory_log(app.database.pool(), event.id, &capacities).await;
    assert_eq!(
        audit.placed_ids(),
        BTreeSet::from([
            both.reservation_id(),
            rest.reservation_id(),
            last_seat.reservation_id()
        ])
    );
    assert_eq!(audit.peak_held[&seated], 2);
    assert_eq!(audit.peak_held[&standing], 10);
    wait_for_public_stock(&app, event.id, seated, 2, 0).await;
    wait_for_public_stock(&app, event.id, standing, 10, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_is_seen_and_released_only_with_its_token() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = app.create_published_event(10, 4).await;
    let mine = http
        .reserve(event.event_id, &[(event.ticket_type_id, 2)])
        .await;
    let theirs = http
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(mine.status, StatusCode::CREATED);
    assert_eq!(theirs.status, StatusCode::CREATED);
    let id = mine.reservation_id();

    http.get_reservation(id, None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "reservation-token-required");
    http.release(id, None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "reservation-token-required");
    for wrong in [theirs.token(), "not-a-token".to_owned()] {
        http.get_reservation(id, Some(&wrong))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        http.release(id, Some(&wrong))
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }

    let still = http.get_reservation(id, Some(&mine.token())).await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.body["status"], "held");
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert!(audit.released.is_empty());
    assert_eq!(audit.placed_tickets(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_hold_frees_its_tickets_at_once_and_is_swept_later() {
    // No sweeper until the end: nothing but the hold's own expiry frees its tickets.
    let app = spawn_app_without_sweeper(&[("CARNEAU_HOLD_SECONDS", "1")]).await;
    let http = app.http();
    let event = app.create_published_event(2, 2).await;
    let tt = event.ticket_type_id;

    let first = http.reserve(event.event_id, &[(tt, 2)]).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let first_expiry = expires_at(&first);

    let mut probes = 0;
    let second = poll_until(
        "the lapsed hold's tickets to be reservable",
        Duration::from_secs(15),
        Duration::from_millis(100),
        || {
            probes += 1;
            let http = http.clone();
            async move {
                let reply = http.reserve(event.event_id, &[(tt, 2)]).await;
                if reply.status == StatusCode::CREATED {
                    return Some(reply);
                }
                reply.problem(StatusCode::CONFLICT, "sold-out");
                None
            }
        },
    )
    .await;
    let refusals = probes - 1;
    let second_id = second.reservation_id();

    let shown = http
        .get_reservation(first.reservation_id(), Some(&first.token()))
        .await;
    assert_eq!(shown.body["status"], "expired", "{}", shown.body);

    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    let placed_at_sequence = audit.placed_at_sequence[&second_id];
    // The second hold was decided after the first lapsed, and no sweep ran before it.
    assert_eq!(audit.lone_expiry_events, 0, "{audit:?}");
    assert_eq!(
        audit.expired_at_sequence.get(&first.reservation_id()),
        Some(&(placed_at_sequence - 1)),
        "the first hold's expiry should be recorded by the batch that placed the second"
    );
    assert_eq!(audit.expires_at[&first.reservation_id()], first_expiry);

    // Now the sweeper records the second hold's expiry on its own (it sweeps every 5 s).
    let _sweeper = app.start_sweeper();
    let audit = poll_until(
        "the sweeper to record the second hold's expiry",
        Duration::from_secs(20),
        Duration::from_millis(200),
        || async {
            let audit =
                audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
            audit.expired.contains(&second_id).then_some(audit)
        },
    )
    .await;
    assert_eq!(audit.lone_expiry_events, 1, "{audit:?}");
    assert_eq!(audit.placed.len(), 2);
    assert_eq!(audit.peak_held[&tt], 2);
    let shown = http.get_reservation(second_id, Some(&second.token())).await;
    assert_eq!(shown.body["status"], "expired", "{}", shown.body);
    wait_for_public_stock(&app, event.event_id, tt, 0, 2).await;
    println!(
        "flow/expiry: {refusals} sold-out answers before the lapsed tickets came back; \
         log: {} events, {} expiry events ({} by the sweeper)",
        audit.events, audit.expiry_events, audit.lone_expiry_events
    );
}

/// The guard answers sold out without asking the log, so an organiser raising the
/// capacity of a sold-out ticket type must reach it: the new tickets sell at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raised_capacity_sells_at_once_after_a_sell_out() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let sale = app.create_published_event(2, 2).await;
    let first = http
        .reserve(sale.event_id, &[(sale.ticket_type_id, 2)])
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    http.reserve(sale.event_id, &[(sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "sold-out");

    let path = format!(
        "/organiser/events/{}/ticket-types/{}",
        sale.event_id, sale.ticket_type_id
    );
    let raised = app
        .patch_json_as(
            &path,
            &json!({"capacity": 3}),
            crate::support::Caller::Organiser,
        )
        .await;
    assert_eq!(raised.status(), StatusCode::OK);

    let after = http
        .reserve(sale.event_id, &[(sale.ticket_type_id, 1)])
        .await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
    http.reserve(sale.event_id, &[(sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "sold-out");
}

/// Once a ticket type is sold out, a request that also breaks another rule hears that
/// rule, not "sold out": too many per order, or an event cancelled since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sold_out_event_still_names_the_more_fundamental_refusal() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let sale = app.create_published_event(2, 2).await;
    let all = http
        .reserve(sale.event_id, &[(sale.ticket_type_id, 2)])
        .await;
    assert_eq!(all.status, StatusCode::CREATED, "{}", all.body);
    http.reserve(sale.event_id, &[(sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "sold-out");

    http.reserve(sale.event_id, &[(sale.ticket_type_id, 3)])
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "too-many-per-order");

    let cancelled = app
        .post_json_as(
            &format!("/organiser/events/{}/cancel", sale.event_id),
            &json!({"reason": "The band is ill."}),
            crate::support::Caller::Organiser,
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    http.reserve(sale.event_id, &[(sale.ticket_type_id, 1)])
        .await
        .problem(StatusCode::CONFLICT, "event-cancelled");
}

/// A Redis error while the guard follows a payment must not leave it behind the log until
/// some later rebuild: after a missed refund return, the returned tickets would look sold
/// and be refused to buyers. The failure is real and deterministic: the key of the marks
/// of followed facts is made a string, so the follow script fails with WRONGTYPE (no other
/// script reads that key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_that_fails_to_follow_a_return_is_rebuilt_from_the_log() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = app.create_published_event(4, 4).await;
    let tt = event.ticket_type_id;
    let held = http.reserve(event.event_id, &[(tt, 4)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(guard_available(&app, event.event_id, tt).await, Some(0));

    let reservations = &app.state.reservations;
    let event_id = EventId::from_uuid(event.event_id);
    let reservation_id = ReservationId::from_uuid(held.reservation_id());
    let order_id = OrderId::new();
    let lines = vec![HoldLine {
        ticket_type_id: TicketTypeId::from_uuid(tt),
        quantity: Quantity::parse(4).unwrap(),
    }];
    let (_, catalogue) = reservations.inventory(event_id).await.unwrap();
    let sold = reservations
        .decide(
            event_id,
            InventoryCommand::SellHold {
                event: Box::new(catalogue),
                reservation_id,
                order_id,
                lines: lines.clone(),
                code: None,
                now: Utc::now(),
            },
            &test_metadata(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sold.len(), 1);
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        Some(0),
        "the sale is followed in place"
    );

    let marks = format!(
        "{}guard:{{{}}}:followed",
        app.redis.prefix(),
        event.event_id
    );
    let () = app
        .state
        .redis
        .set(marks, "not a sorted set", None, None, false)
        .await
        .unwrap();
    let returned = reservations
        .decide(
            event_id,
            InventoryCommand::ReturnTickets {
                order_id,
                refund_number: 1,
                lines,
                code_use: None,
                now: Utc::now(),
            },
            &test_metadata(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(returned.len(), 1);
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        None,
        "a guard that missed the return is dropped, not left saying sold out"
    );

    let again = http.reserve(event.event_id, &[(tt, 3)]).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        Some(1),
        "rebuilt from the log: 4 returned, 3 held again"
    );
}

/// A TCP relay to the test Redis that can be switched to refuse every command with an
/// error reply, as a Redis that is failing would: the guard's client meets a real failure
/// on its own connection, while the test reads the guard through its own client.
struct FailingLink {
    address: std::net::SocketAddr,
    refusing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FailingLink {
    async fn start() -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let redis = carneau_testkit::redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let refusing = std::sync::Arc::new(AtomicBool::new(false));
        let switch = refusing.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = tokio::net::TcpStream::connect(&redis).await.unwrap();
                let (mut from_client, to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let to_client = std::sync::Arc::new(tokio::sync::Mutex::new(to_client));
                let replies = to_client.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0; 64 * 1024];
                    while let Ok(read) = from_server.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        let mut to_client = replies.lock().await;
                        if to_client.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                });
                let switch = switch.clone();
                tokio::spawn(async move {
                    let mut pending = Vec::new();
                    let mut buffer = vec![0; 64 * 1024];
                    while let Ok(read) = from_client.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        pending.extend_from_slice(&buffer[..read]);
                        let (complete, used) = whole_commands(&pending);
                        let commands: Vec<u8> = pending.drain(..used).collect();
                        if switch.load(Ordering::SeqCst) {
                            let mut to_client = to_client.lock().await;
                            for _ in 0..complete {
                                let refusal = b"-ERR the link to Redis is down\r\n";
                                if to_client.write_all(refusal).await.is_err() {
                                    return;
                                }
                            }
                        } else if to_server.write_all(&commands).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { address, refusing }
    }

    fn refuse(&self, refusing: bool) {
        self.refusing
            .store(refusing, std::sync::atomic::Ordering::SeqCst);
    }

    /// A client connected to Redis through the link.
    async fn client(&self) -> fred::prelude::Client {
        carneau_testkit::connect_redis(&format!("redis://{}", self.address))
            .await
            .unwrap()
    }
}

/// How many whole RESP commands (arrays of bulk strings) `bytes` starts with, and how
/// many bytes they take.
fn whole_commands(bytes: &[u8]) -> (usize, usize) {
    fn line(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
        let end = bytes[at..].windows(2).position(|pair| pair == b"\r\n")? + at;
        let number = std::str::from_utf8(&bytes[at + 1..end])
            .ok()?
            .parse()
            .ok()?;
        Some((number, end + 2))
    }
    let (mut complete, mut used) = (0, 0);
    'commands: while used < bytes.len() {
        let Some((parts, mut at)) = line(bytes, used) else {
            break;
        };
        for _ in 0..parts {
            let Some((length, data)) = line(bytes, at) else {
                break 'commands;
            };
            if bytes.len() < data + length + 2 {
                break 'commands;
            }
            at = data + length + 2;
        }
        complete += 1;
        used = at;
    }
    (complete, used)
}

/// A process whose Redis failed both the guard's update after a refund's return and the
/// drop that should follow: the guard still counts the 4 returned tickets as sold. What
/// each test does once Redis answers again tells the two ways the guard gets dropped.
struct GuardLeftBehind {
    app: TestApp,
    link: FailingLink,
    reservations: carneau_commands::reservations::Reservations,
    event: crate::support::reservations::http::OnSale,
}

impl GuardLeftBehind {
    async fn new() -> Self {
        use carneau_commands::reservations::{ReservationMode, Reservations};

        let app = spawn_reservation_app(&[]).await;
        let event = app.create_published_event(4, 4).await;
        let event_id = EventId::from_uuid(event.event_id);
        let link = FailingLink::start().await;
        let guard = ReservationGuard::new(link.client().await, app.redis.prefix());
        let reservations = Reservations::new(
            app.database.pool().clone(),
            app.database.pool().clone(),
            Some(guard),
            ReservationMode::Batched,
        );
        let this = Self {
            app,
            link,
            reservations,
            event,
        };
        let paid = this.hold(4);
        let reservation_id = paid.reservation_id;
        assert!(this.is_held(paid).await);
        let (_, catalogue) = this.reservations.inventory(event_id).await.unwrap();
        let order_id = OrderId::new();
        let lines = this.lines(4);
        let sold = this
            .reservations
            .decide(
                event_id,
                InventoryCommand::SellHold {
                    event: Box::new(catalogue),
                    reservation_id,
                    order_id,
                    lines,
                    code: None,
                    now: Utc::now(),
                },
                &test_metadata(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sold.len(), 1);
        assert_eq!(this.guard_available().await, Some(0));

        this.link.refuse(true);
        let lines = this.lines(4);
        let returned = this
            .reservations
            .decide(
                event_id,
                InventoryCommand::ReturnTickets {
                    order_id,
                    refund_number: 1,
                    lines,
                    code_use: None,
                    now: Utc::now(),
                },
                &test_metadata(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(returned.len(), 1);
        assert_eq!(
            this.guard_available().await,
            Some(0),
            "the guard missed the return and could not be dropped"
        );
        this
    }

    fn lines(&self, quantity: u32) -> Vec<HoldLine> {
        vec![HoldLine {
            ticket_type_id: TicketTypeId::from_uuid(self.event.ticket_type_id),
            quantity: Quantity::parse(quantity).unwrap(),
        }]
    }

    fn hold(&self, quantity: u32) -> carneau_domain::inventory::HoldRequest {
        carneau_domain::inventory::HoldRequest {
            reservation_id: ReservationId::new(),
            lines: self.lines(quantity),
            expires_at: Utc::now() + TimeDelta::minutes(15),
            code: None,
            if_code_used_up: Default::default(),
        }
    }

    /// Whether `request` is held.
    async fn is_held(&self, request: carneau_domain::inventory::HoldRequest) -> bool {
        let outcome = self
            .reservations
            .reserve(
                EventId::from_uuid(self.event.event_id),
                request,
                &test_metadata(),
            )
            .await
            .unwrap();
        matches!(outcome, carneau_domain::inventory::HoldOutcome::Held { .. })
    }

    async fn guard_available(&self) -> Option<u32> {
        guard_available(&self.app, self.event.event_id, self.event.ticket_type_id).await
    }
}

/// While the guard cannot be dropped, the process's requests bypass it (the log decides
/// alone); once Redis answers again, the next request drops it and it is rebuilt from the
/// log. Otherwise the returned tickets would stay refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_redis_failed_to_drop_is_bypassed_until_it_is_dropped() {
    let behind = GuardLeftBehind::new().await;
    assert!(
        behind.is_held(behind.hold(3)).await,
        "the log decides alone"
    );

    behind.link.refuse(false);
    assert!(
        behind.is_held(behind.hold(1)).await,
        "the stale guard would refuse it as sold out"
    );
    assert_eq!(
        behind.guard_available().await,
        Some(0),
        "dropped, then rebuilt from the log: 4 returned, then 3 and 1 held"
    );
    assert_eq!(behind.reservations.drop_doubtful_guards().await, 0);
}

/// With no request for the event, the sweeper drops the guard once Redis answers again,
/// so it does not wait for a buyer to be turned away first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_drops_a_guard_redis_failed_to_drop() {
    use carneau_commands::reservations::sweeper::sweep_once;

    let behind = GuardLeftBehind::new().await;
    sweep_once(behind.app.database.pool(), &behind.reservations)
        .await
        .unwrap();
    assert_eq!(
        behind.guard_available().await,
        Some(0),
        "Redis still refuses: the guard is still there, still in doubt"
    );

    behind.link.refuse(false);
    sweep_once(behind.app.database.pool(), &behind.reservations)
        .await
        .unwrap();
    assert_eq!(behind.guard_available().await, None, "the sweep dropped it");
    assert_eq!(behind.reservations.drop_doubtful_guards().await, 0);
    assert!(
        behind.is_held(behind.hold(4)).await,
        "rebuilt from the log, the 4 returned tickets are on sale"
    );
    assert_eq!(behind.guard_available().await, Some(0));
}

/// Payments reach the inventory as decisions of its desk; many at once are decided in
/// order, each on what the ones before it left, whether they share an append or not.
/// Thirty late sales of one ticket each (for reservations never held) race for ten
/// tickets: exactly ten are sold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sales_are_decided_in_order_and_never_oversell() {
    use carneau_commands::aggregate_store::AggregateStore;
    use carneau_domain::event::Event;
    use carneau_domain::ids::{OrderId, ReservationId};
    use carneau_domain::inventory::{HoldLine, InventoryError, Quantity};

    const CAPACITY: u32 = 10;
    const SALES: usize = 30;
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(CAPACITY, 4).await;
    let event_id = EventId::from_uuid(event.event_id);
    let catalogue = AggregateStore::<Event>::new(app.database.pool().clone(), ())
        .load(&event_id.to_aggregate_id())
        .await
        .unwrap()
        .state;
    let line = HoldLine {
        ticket_type_id: TicketTypeId::from_uuid(event.ticket_type_id),
        quantity: Quantity::parse(1).unwrap(),
    };

    let sales: Vec<_> = (0..SALES)
        .map(|_| {
            let (reservations, catalogue, line) = (
                app.state.reservations.clone(),
                catalogue.clone(),
                line.clone(),
            );
            tokio::spawn(async move {
                let (reservation_id, order_id) = (ReservationId::new_random(), OrderId::new());
                reservations
                    .decide(
                        event_id,
                        InventoryCommand::SellHold {
                            event: Box::new(catalogue),
                            reservation_id,
                            order_id,
                            lines: vec![line],
                            code: None,
                            now: Utc::now(),
                        },
                        &test_metadata(),
                    )
                    .await
                    .unwrap()
            })
        })
        .collect();
    let (mut sold, mut refused) = (0, 0);
    for sale in sales {
        match sale.await.unwrap() {
            Ok(events) => {
                assert_eq!(events.len(), 1, "{events:?}");
                sold += 1;
            }
            Err(InventoryError::TicketsNoLongerAvailable) => refused += 1,
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }
    assert_eq!(
        (sold, refused),
        (CAPACITY as usize, SALES - CAPACITY as usize)
    );

    let commits: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT transaction_id) FROM events
          WHERE aggregate_type = 'Inventory' AND aggregate_id = $1
            AND payload::jsonb ? 'HoldSold'",
    )
    .bind(event_id.to_aggregate_id())
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    let sold_in_log: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events
          WHERE aggregate_type = 'Inventory' AND aggregate_id = $1
            AND payload::jsonb ? 'HoldSold'",
    )
    .bind(event_id.to_aggregate_id())
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert_eq!(sold_in_log, i64::from(CAPACITY));
    println!(
        "flow/decisions: {SALES} sales for {CAPACITY} tickets; {sold} sold in {commits} commits"
    );
}

/// What the tests' direct calls into reservations record.
fn test_metadata() -> carneau_domain::EventMetadata {
    carneau_domain::EventMetadata::process(
        carneau_domain::Process::Test,
        carneau_domain::Cause::Operator,
    )
}

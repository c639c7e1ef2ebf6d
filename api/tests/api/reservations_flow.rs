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
use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_domain::inventory::InventoryCommand;
use chrono::{DateTime, TimeDelta, Utc};
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
pub(crate) fn test_metadata() -> carneau_domain::EventMetadata {
    carneau_domain::EventMetadata::process(
        carneau_domain::Process::Test,
        carneau_domain::Cause::Operator,
    )
}

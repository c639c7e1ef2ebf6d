//! Ticket types sharing a capacity ("capacity pools"): the organiser sets one up, buyers
//! see each type's availability as the smaller of its own and the pool's, and a rush on
//! two types of one pool never holds more than the pool, judged by the inventory log.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::in_days;
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::{
    reservation_body, spawn_reservation_app, ticket_type_body, Http, Reply,
};
use crate::support::reservations::rush::{poll_until, seeded_quantities};
use crate::support::Caller;

/// A published event with Standard and VIP tickets, not yet sharing anything.
struct TwoTypes {
    event_id: Uuid,
    standard: Uuid,
    vip: Uuid,
}

async fn two_types(http: &Http, standard: u32, vip: u32, max_per_order: u32) -> TwoTypes {
    let detail = http
        .create_event_with(
            &[
                ticket_type_body(
                    "Standard",
                    standard,
                    max_per_order,
                    in_days(-1),
                    in_days(20),
                ),
                ticket_type_body("VIP", vip, max_per_order, in_days(-1), in_days(20)),
            ],
            true,
        )
        .await;
    TwoTypes {
        event_id: detail.id,
        standard: detail.ticket_types[0].id,
        vip: detail.ticket_types[1].id,
    }
}

async fn as_organiser(http: &Http, method: Method, path: &str, body: Option<&Value>) -> Reply {
    http.call(method, path, Some(&http.organiser_token), None, body)
        .await
        .unwrap()
}

fn pools_path(event_id: Uuid) -> String {
    format!("/organiser/events/{event_id}/capacity-pools")
}

/// Shares `capacity` between both types; answers the pool's id.
async fn share(http: &Http, event: &TwoTypes, capacity: u32) -> Uuid {
    let body = json!({"name": "Venue", "capacity": capacity,
        "ticket_type_ids": [event.standard, event.vip]});
    let reply = as_organiser(http, Method::POST, &pools_path(event.event_id), Some(&body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let pool = &reply.body["capacity_pools"][0];
    assert_eq!(pool["name"], "Venue");
    assert_eq!(pool["capacity"], capacity);
    assert_eq!(
        reply.body["ticket_types"][1]["capacity_pool_id"],
        pool["id"]
    );
    pool["id"].as_str().unwrap().parse().unwrap()
}

async fn hold(http: &Http, event_id: Uuid, lines: &[(Uuid, u32)]) -> Reply {
    http.try_reserve_body(event_id, &reservation_body(lines), None)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_see_a_type_sold_out_when_its_pool_is() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = two_types(&http, 10, 4, 6).await;
    share(&http, &event, 8).await;

    let held = hold(&http, event.event_id, &[(event.standard, 6)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    // VIP has 4 of its own but the pool only 2: 3 are refused, with the 2 left.
    let refused = hold(&http, event.event_id, &[(event.vip, 3)]).await;
    let problem = refused.problem(StatusCode::CONFLICT, "sold-out");
    assert!(
        problem.detail.contains("Only 2 tickets"),
        "{}",
        problem.detail
    );
    let held = hold(&http, event.event_id, &[(event.vip, 2)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);

    // The public page shows VIP sold out: its own 2 left, the pool's none.
    let detail = poll_until(
        "the pool's holds in the public page",
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async {
            http.public_event(event.event_id)
                .await
                .filter(|detail| detail.capacity_pools.first().is_some_and(|p| p.held == 8))
        },
    )
    .await;
    let vip = &detail.ticket_types[1];
    assert_eq!((vip.availability.held, vip.availability.available), (2, 0));
    assert_eq!(detail.ticket_types[0].availability.available, 0);
    let pool = &detail.capacity_pools[0];
    assert_eq!((pool.capacity, pool.sold, pool.available), (8, 0, 0));
    assert_eq!(pool.ticket_type_ids, vec![event.standard, event.vip]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organiser_changes_and_removes_a_pool_within_its_rules() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = two_types(&http, 10, 4, 6).await;
    let pool_id = share(&http, &event, 8).await;
    let pool_path = format!("{}/{pool_id}", pools_path(event.event_id));
    let held = hold(&http, event.event_id, &[(event.standard, 5)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);

    // Below the 5 held: refused with the numbers.
    let lowered = as_organiser(
        &http,
        Method::PATCH,
        &pool_path,
        Some(&json!({"capacity": 4})),
    )
    .await;
    let problem = lowered.problem(StatusCode::CONFLICT, "capacity-pool-below-promised");
    assert!(problem.detail.contains("5 held"), "{}", problem.detail);
    assert_eq!(problem.errors[0].field, "capacity");

    // A type can be in one pool only.
    let body = json!({"name": "Balcony", "capacity": 3, "ticket_type_ids": [event.vip]});
    let second = as_organiser(
        &http,
        Method::POST,
        &pools_path(event.event_id),
        Some(&body),
    )
    .await;
    second.problem(StatusCode::CONFLICT, "ticket-type-in-another-pool");

    // Bad input names its fields.
    let body = json!({"name": " ", "capacity": 0, "ticket_type_ids": []});
    let invalid = as_organiser(
        &http,
        Method::POST,
        &pools_path(event.event_id),
        Some(&body),
    )
    .await;
    let problem = invalid.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let mut fields: Vec<&str> = problem
        .errors
        .iter()
        .map(|error| error.field.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["capacity", "name", "ticket_type_ids"]);
    let body = json!({"name": "Floor", "capacity": 3, "ticket_type_ids": [Uuid::new_v4()]});
    let unknown = as_organiser(
        &http,
        Method::POST,
        &pools_path(event.event_id),
        Some(&body),
    )
    .await;
    unknown.problem(StatusCode::NOT_FOUND, "unknown-ticket-type");
    let missing = format!("{}/{}", pools_path(event.event_id), Uuid::new_v4());
    let gone = as_organiser(&http, Method::DELETE, &missing, None).await;
    gone.problem(StatusCode::NOT_FOUND, "unknown-capacity-pool");

    // Another organiser may not touch it.
    let intruder = app.other_organiser().await;
    let response = app
        .request(Method::DELETE, &pool_path, Caller::Session(&intruder))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Lowered to exactly what is held, the pool leaves VIP nothing; removed, VIP has 4.
    let exact = as_organiser(
        &http,
        Method::PATCH,
        &pool_path,
        Some(&json!({"capacity": 5})),
    )
    .await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.body);
    let refused = hold(&http, event.event_id, &[(event.vip, 1)]).await;
    refused.problem(StatusCode::CONFLICT, "sold-out");
    let removed = as_organiser(&http, Method::DELETE, &pool_path, None).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(removed.body["capacity_pools"], json!([]));
    let held = hold(&http, event.event_id, &[(event.vip, 4)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
}

/// Buyers in the rush.
const BUYERS: usize = 500;
/// Places shared by the two types; each alone could take `TYPE_CAPACITY`.
const POOL_CAPACITY: u32 = 100;
const TYPE_CAPACITY: u32 = 80;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_on_two_types_of_one_pool_never_holds_more_than_the_pool() {
    let app = spawn_reservation_app(&[]).await;
    let second = app.spawn_second_process().await;
    let http = app.http();
    let event = two_types(&http, TYPE_CAPACITY, TYPE_CAPACITY, 4).await;
    share(&http, &event, POOL_CAPACITY).await;
    let quantities = seeded_quantities(0x5eed_9001, BUYERS, 4);

    let targets = [http.clone(), second.http.clone()];
    let tasks: Vec<_> = quantities
        .iter()
        .enumerate()
        .map(|(index, &quantity)| {
            let target = targets[index % 2].clone();
            let ticket_type = if index % 3 == 0 {
                event.vip
            } else {
                event.standard
            };
            let event_id = event.event_id;
            tokio::spawn(async move {
                let reply = hold(&target, event_id, &[(ticket_type, quantity)]).await;
                (ticket_type, quantity, reply)
            })
        })
        .collect();
    let mut created: BTreeMap<Uuid, (Uuid, u32)> = BTreeMap::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for task in tasks {
        let (ticket_type, quantity, reply) = task.await.unwrap();
        if reply.status == StatusCode::CREATED {
            created.insert(reply.reservation_id(), (ticket_type, quantity));
        } else {
            let key = format!("{} {}", reply.status.as_u16(), reply.problem_slug());
            *refusals.entry(key).or_default() += 1;
        }
    }

    // The log: every type within its own capacity at every event (the audit panics
    // otherwise), and the holds of both together exactly the pool, never more: no hold
    // ended during the rush, so the total placed is the most ever held at once.
    let capacities = HashMap::from([(event.standard, TYPE_CAPACITY), (event.vip, TYPE_CAPACITY)]);
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &capacities).await;
    assert_eq!(
        audit.placed_tickets(),
        POOL_CAPACITY,
        "refusals {refusals:?}"
    );
    assert_eq!(audit.placed_ids(), created.keys().copied().collect());
    for (id, (ticket_type, quantity)) in &created {
        assert_eq!(audit.placed[id], vec![(*ticket_type, *quantity)]);
    }
    let held_of = |ticket_type| {
        created
            .values()
            .filter(|(of, _)| *of == ticket_type)
            .map(|(_, quantity)| quantity)
            .sum::<u32>()
    };
    assert!(held_of(event.standard) <= TYPE_CAPACITY && held_of(event.vip) <= TYPE_CAPACITY);
    assert_eq!(refusals.keys().collect::<Vec<_>>(), vec!["409 sold-out"]);
    println!(
        "shared capacity rush: {BUYERS} buyers; held {} standard + {} VIP of {POOL_CAPACITY} \
         shared; refusals {refusals:?}; log: {} events",
        held_of(event.standard),
        held_of(event.vip),
        audit.events,
    );
}

//! A flash sale: hundreds of buyers at once for 100 tickets, against one process, two
//! processes on one database and Redis, and two processes whose Redis guard is deleted
//! in the middle of the rush. Judged by the inventory log: exactly the capacity held,
//! never more at any instant, and exactly the acknowledged holds recorded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carneau_commands::metrics::INVENTORY_APPENDS;
use carneau_commands::reservations::guard::ReservationGuard;
use carneau_domain::ids::{EventId, TicketTypeId};
use chrono::Utc;
use fred::prelude::KeysInterface;
use reqwest::StatusCode;

use crate::support::metrics::scrape;
use crate::support::reservations::audit::{audit_inventory_log, LogAudit};
use crate::support::reservations::http::{spawn_reservation_app, OnSale};
use crate::support::reservations::rush::{
    delete_keys_with_prefix, keys_with_prefix, poll_until, rush, seeded_quantities, Rush,
};
use crate::support::TestApp;

/// Buyers in each rush.
const BUYERS: usize = 500;
/// Tickets of the one ticket type on sale.
const CAPACITY: u32 = 100;
/// Most tickets one buyer asks for.
const MAX_TICKETS_PER_BUYER: u32 = 4;

/// Checks what every rush must end with; returns the log's audit.
async fn assert_sold_exactly_capacity(app: &TestApp, event: OnSale, rush: &Rush) -> LogAudit {
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(
        audit.placed_tickets(),
        CAPACITY,
        "tickets held per the log; answers: {rush:?}"
    );
    assert_eq!(audit.peak_held[&event.ticket_type_id], CAPACITY);
    assert_eq!(
        audit.placed_ids(),
        rush.created.keys().copied().collect(),
        "the 201 answers and the holds in the log differ"
    );
    for (id, quantity) in &rush.created {
        assert_eq!(audit.placed[id], vec![(event.ticket_type_id, *quantity)]);
    }
    assert_eq!(rush.created_tickets(), CAPACITY);
    assert!(rush.repeated.is_empty(), "{rush:?}");
    assert_eq!(rush.unanswered, 0, "{rush:?}");
    assert_eq!(
        rush.refusals.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["409 sold-out"],
        "{rush:?}"
    );
    assert_eq!(rush.created.len() + rush.refusals["409 sold-out"], BUYERS);
    audit
}

fn report(name: &str, quantities: &[u32], rush: &Rush, audit: &LogAudit) {
    println!(
        "{name}: {BUYERS} buyers asking for {} tickets; 201: {} ({} tickets, per process {:?}); \
         refusals {:?}; log: {} events, {} tickets held, peak {}",
        quantities.iter().sum::<u32>(),
        rush.created.len(),
        rush.created_tickets(),
        rush.created_per_target,
        rush.refusals,
        audit.events,
        audit.placed_tickets(),
        audit.peak_held.values().max().unwrap_or(&0),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_buyers_hold_exactly_the_hundred_tickets_there_are() {
    let app = spawn_reservation_app(&[]).await;
    let event = app
        .create_published_event(CAPACITY, MAX_TICKETS_PER_BUYER)
        .await;
    let quantities = seeded_quantities(0x5eed_0001, BUYERS, MAX_TICKETS_PER_BUYER);

    let answered = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let rush = rush(&[app.http()], event, &quantities, answered, created).await;

    let audit = assert_sold_exactly_capacity(&app, event, &rush).await;
    report("concurrency/one-process", &quantities, &rush, &audit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_one_database_and_redis_never_oversell() {
    let app = spawn_reservation_app(&[]).await;
    let second = app.spawn_second_process().await;
    let event = app
        .create_published_event(CAPACITY, MAX_TICKETS_PER_BUYER)
        .await;
    let quantities = seeded_quantities(0x5eed_0002, BUYERS, MAX_TICKETS_PER_BUYER);

    let answered = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let admin = app.admin().await;
    let before = scrape(&app, &admin.token).await;
    // One buyer at the second process, then one at the first: each desk has appended
    // before the rush, and the second's view of the inventory is stale when the rush
    // begins. Without the warm-up one desk may sell everything in one batch on a slow
    // machine, and nothing would show that the desks take turns.
    let mut answers = rush(
        std::slice::from_ref(&second.http),
        event,
        &quantities[..1],
        answered.clone(),
        created.clone(),
    )
    .await;
    answers.absorb(
        rush(
            &[app.http()],
            event,
            &quantities[1..2],
            answered.clone(),
            created.clone(),
        )
        .await,
    );
    assert_eq!(answers.created.len(), 2, "{answers:?}");
    let targets = [app.http(), second.http.clone()];
    answers.absorb(rush(&targets, event, &quantities[2..], answered, created).await);
    let rush = answers;

    let audit = assert_sold_exactly_capacity(&app, event, &rush).await;
    report("concurrency/two-processes", &quantities, &rush, &audit);
    // Both desks appended, in turn: each lost the race at most once, the loss that
    // showed it another writer, and took turns from then on (both processes count into
    // this test's one metrics registry). Two appends are the warm-up's; the rush takes
    // at least one more.
    let after = scrape(&app, &admin.token).await;
    let moved = |outcome: &str| {
        let labels = [("outcome", outcome)];
        after.sum(INVENTORY_APPENDS, &labels) - before.sum(INVENTORY_APPENDS, &labels)
    };
    assert!(moved("appended") >= 3.0, "{}", moved("appended"));
    assert!(moved("conflict") <= 2.0, "{}", moved("conflict"));
    assert_eq!(moved("turn_timed_out"), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_redis_guard_mid_rush_never_oversells_and_it_is_rebuilt() {
    let app = spawn_reservation_app(&[]).await;
    let second = app.spawn_second_process().await;
    let event = app
        .create_published_event(CAPACITY, MAX_TICKETS_PER_BUYER)
        .await;
    let quantities = seeded_quantities(0x5eed_0003, BUYERS, MAX_TICKETS_PER_BUYER);

    let targets = [app.http(), second.http.clone()];
    let mut deletions = BTreeMap::new();

    // First wave: ten buyers, at most 40 tickets, so tickets are left when Redis loses
    // every key of the test's prefix. Waiting for the wave makes this deletion certain
    // to find a guard; racing a counter inside one rush let the whole sale finish first
    // on a loaded machine.
    let first_wave = 10;
    let mut rush_answers = rush(
        &targets,
        event,
        &quantities[..first_wave],
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    assert_eq!(rush_answers.created.len(), first_wave, "{rush_answers:?}");
    let keys = delete_keys_with_prefix(app.redis.client(), app.redis.prefix()).await;
    deletions.insert("between the waves", (first_wave, keys));

    // Second wave: everyone else at once. The first request rebuilds the guard from the
    // log; as soon as it is there again, it is deleted a second time, while the wave is
    // (almost always) still in flight. The guard is never removed by anything else, so
    // the wait ends even if the wave is answered first.
    let answered = Arc::new(AtomicUsize::new(0));
    let deleter = {
        let answered = answered.clone();
        let prefix = app.redis.prefix().to_owned();
        let redis = app.redis.client().clone();
        let meta_key = format!("{prefix}guard:{{{}}}:meta", event.event_id);
        tokio::spawn(async move {
            poll_until(
                "the guard rebuilt by the second wave",
                Duration::from_secs(60),
                Duration::from_micros(200),
                || {
                    let (redis, meta_key) = (redis.clone(), meta_key.clone());
                    async move {
                        let loaded: i64 = redis.exists(meta_key).await.unwrap();
                        (loaded == 1).then_some(())
                    }
                },
            )
            .await;
            let at = first_wave + answered.load(Ordering::SeqCst);
            (at, delete_keys_with_prefix(&redis, &prefix).await)
        })
    };
    let second_wave = rush(
        &targets,
        event,
        &quantities[first_wave..],
        answered,
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    rush_answers.absorb(second_wave);
    deletions.insert("once rebuilt in the second wave", deleter.await.unwrap());
    let rush = rush_answers;

    let audit = assert_sold_exactly_capacity(&app, event, &rush).await;
    report("concurrency/guard-deleted", &quantities, &rush, &audit);
    println!("concurrency/guard-deleted: keys deleted {deletions:?}");
    let guard_key = format!("guard:{{{}}}:meta", event.event_id);
    assert!(
        deletions
            .values()
            .all(|(_, keys)| keys.contains(&guard_key)),
        "a deletion found no guard to delete: {deletions:?}"
    );

    // The next request is refused from the log's state, and the guard is there again.
    let refused = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    refused.problem(StatusCode::CONFLICT, "sold-out");
    let rebuilt = keys_with_prefix(app.redis.client(), app.redis.prefix()).await;
    assert!(
        rebuilt.contains(&format!("{}{guard_key}", app.redis.prefix())),
        "no guard for the event: {rebuilt:?}"
    );
    let guard = ReservationGuard::new(app.state.redis.clone(), app.redis.prefix());
    let left = guard
        .available(
            EventId::from_uuid(event.event_id),
            TicketTypeId::from_uuid(event.ticket_type_id),
            Utc::now().timestamp_millis(),
        )
        .await
        .unwrap();
    assert_eq!(left, Some(0));
    let audit_after =
        audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(audit_after.placed_tickets(), CAPACITY);
}

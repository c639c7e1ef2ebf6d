//! The real `carneau serve` killed (SIGKILL) in the middle of a flash sale: every hold it
//! acknowledged is in the log, the log never oversold, and once the holds have lapsed a
//! fresh process sells the whole capacity again: no phantom hold in the Redis guard
//! outlives its expiry.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carneau_commands::reservations::guard::{Admission, GuardLine, ReservationGuard};
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_testkit::{TestDatabase, TestRedis};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::support::accounts::organiser_on;
use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::rush::{rush_in_flight, seeded_quantities, sleep_past};
use crate::support::serve_process::ServeProcess;

/// Tickets of the event.
const CAPACITY: u32 = 200;
/// Most tickets per buyer.
const MAX_TICKETS_PER_BUYER: u32 = 4;
/// Buyers rushing the first process.
const BUYERS: usize = 400;
/// The first process is killed once it has acknowledged this many holds.
const KILL_AFTER_HOLDS: usize = 20;
/// Requests outstanding at once during the rush.
const IN_FLIGHT: usize = 64;
/// The hold lifetime of the first process, in seconds.
const FIRST_HOLD_SECONDS: i64 = 3;
/// Tickets of the hold put straight into the guard, which the log never holds.
const PHANTOM_TICKETS: u32 = 4;
/// The hold lifetime of the second process: long, so that all its holds count at once.
const SECOND_HOLD_SECONDS: &str = "120";

/// `carneau serve` on the test's database and Redis prefix, holds lasting `hold_seconds`.
fn start_server(
    database: &TestDatabase,
    redis: &TestRedis,
    organiser_token: &str,
    hold_seconds: &str,
    name: &str,
) -> ServeProcess {
    let mut settings = database.app_settings();
    settings.extend([
        ("REDIS_URL", carneau_testkit::redis_url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
        ("CARNEAU_HOLD_SECONDS", hold_seconds.to_owned()),
    ]);
    ServeProcess::start(
        &format!("reservations-crash-{name}"),
        &settings,
        organiser_token,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_loses_no_acknowledged_hold_and_leaves_no_phantom() {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let organiser = organiser_on(&database, &redis).await;
    let first = start_server(
        &database,
        &redis,
        &organiser.token,
        &FIRST_HOLD_SECONDS.to_string(),
        "first",
    );
    first.http.wait_until_ready().await;
    let event = first
        .http
        .create_published_event(CAPACITY, MAX_TICKETS_PER_BUYER)
        .await;
    let quantities = seeded_quantities(0x5eed_0006, BUYERS, MAX_TICKETS_PER_BUYER);

    // A first hold loads the guard; then a phantom goes into it directly, as if a process
    // had died between the guard's admission and the append: 4 tickets the log never held.
    let opener = first
        .http
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(opener.status, StatusCode::CREATED, "{}", opener.body);
    let guard = ReservationGuard::new(redis.client().clone(), redis.prefix());
    let now = Utc::now();
    let phantom = guard
        .admit(
            EventId::from_uuid(event.event_id),
            ReservationId::new_random(),
            &[GuardLine {
                ticket_type_id: TicketTypeId::from_uuid(event.ticket_type_id),
                quantity: PHANTOM_TICKETS,
            }],
            None,
            (now + TimeDelta::seconds(FIRST_HOLD_SECONDS)).timestamp_millis(),
            now.timestamp_millis(),
        )
        .await
        .unwrap();
    assert_eq!(phantom, Admission::Admitted);
    let phantom_expiry = now + TimeDelta::seconds(FIRST_HOLD_SECONDS);

    // The rush, with a task that kills the process after its 20th acknowledged hold.
    let answered = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let first = Arc::new(Mutex::new(first));
    // On an OS thread of its own, so that the busy test runtime cannot delay the kill.
    let killer = {
        let (first, created, answered) = (first.clone(), created.clone(), answered.clone());
        std::thread::spawn(move || {
            while created.load(Ordering::SeqCst) < KILL_AFTER_HOLDS {
                std::thread::sleep(Duration::from_micros(100));
            }
            first.lock().unwrap().kill();
            let killed_at = Utc::now();
            (
                killed_at,
                created.load(Ordering::SeqCst),
                answered.load(Ordering::SeqCst),
            )
        })
    };
    let http = first.lock().unwrap().http.clone();
    // Paced, so that when the kill comes most buyers have not been sent yet: all at
    // once, the server could answer every hold in one batch before the kill landed.
    let rush = rush_in_flight(&[http], event, &quantities, IN_FLIGHT, answered, created).await;
    let (killed_at, created_at_kill, answered_at_kill) = killer.join().unwrap();
    let first_log = first.lock().unwrap().log.clone();

    let audit = audit_inventory_log(database.pool(), event.event_id, &event.capacities()).await;
    let mut acknowledged: BTreeSet<Uuid> = rush.created.keys().copied().collect();
    acknowledged.insert(opener.reservation_id());
    let now = Utc::now();
    let guard_free = guard
        .available(
            EventId::from_uuid(event.event_id),
            TicketTypeId::from_uuid(event.ticket_type_id),
            now.timestamp_millis(),
        )
        .await
        .unwrap()
        .unwrap();
    // Tickets the guard counts that the log does not hold (the phantom, if it has not
    // lapsed yet, and whatever the dead process admitted without appending).
    let phantoms = CAPACITY - guard_free - audit.held_at(now);
    let logged = audit.placed_ids();
    let lost: Vec<&Uuid> = acknowledged.difference(&logged).collect();
    assert!(
        lost.is_empty(),
        "acknowledged holds missing from the log: {lost:?}"
    );
    for (id, quantity) in &rush.created {
        assert_eq!(audit.placed[id], vec![(event.ticket_type_id, *quantity)]);
    }
    assert!(
        rush.unanswered > 0,
        "the process was not killed mid-run: {rush:?} (log {first_log})"
    );
    for refusal in rush.refusals.keys() {
        assert_eq!(refusal, "409 sold-out", "{rush:?}");
    }
    let unacknowledged = audit.placed.len() - acknowledged.len();
    println!(
        "crash/first process: killed after {created_at_kill} holds / {answered_at_kill} answers; \
         201: {} + 1 before the rush ({} tickets), refusals {:?}, unanswered {}; log: {} holds \
         ({} tickets, {} never acknowledged), peak held {}; guard after the kill: {guard_free} \
         free, {phantoms} tickets held in the guard only",
        rush.created.len(),
        rush.created_tickets(),
        rush.refusals,
        rush.unanswered,
        audit.placed.len(),
        audit.placed_tickets(),
        unacknowledged,
        audit.peak_held.values().max().unwrap_or(&0),
    );

    // A fresh process on the same database and Redis, once every earlier hold lapsed:
    // those in the log and any the dead process's guard admitted but never appended.
    let second = start_server(
        &database,
        &redis,
        &organiser.token,
        SECOND_HOLD_SECONDS,
        "second",
    );
    second.http.wait_until_ready().await;
    let latest_expiry: DateTime<Utc> = audit
        .expires_at
        .values()
        .copied()
        .max()
        .unwrap_or(killed_at)
        .max(killed_at + TimeDelta::seconds(FIRST_HOLD_SECONDS))
        .max(phantom_expiry);
    sleep_past(latest_expiry).await;

    let buyers = CAPACITY / MAX_TICKETS_PER_BUYER;
    let mut resold = BTreeSet::new();
    for _ in 0..buyers {
        let reply = second
            .http
            .reserve(
                event.event_id,
                &[(event.ticket_type_id, MAX_TICKETS_PER_BUYER)],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "capacity not fully available after the holds lapsed ({} resold): {}",
            resold.len(),
            reply.body
        );
        resold.insert(reply.reservation_id());
    }
    let refused = second
        .http
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    refused.problem(StatusCode::CONFLICT, "sold-out");

    let audit = audit_inventory_log(database.pool(), event.event_id, &event.capacities()).await;
    assert!(resold.is_subset(&audit.placed_ids()));
    assert_eq!(audit.held_at(Utc::now()), CAPACITY);
    println!(
        "crash/second process: resold {} holds ({} tickets), then sold out; log: {} events, \
         {} holds, {} expiry events, peak held {}",
        resold.len(),
        resold.len() as u32 * MAX_TICKETS_PER_BUYER,
        audit.events,
        audit.placed.len(),
        audit.expiry_events,
        audit.peak_held.values().max().unwrap_or(&0),
    );
}

//! A process answers the guard's "none left" for a ticket type from memory for a moment
//! (`CARNEAU_SOLD_OUT_MEMORY_MS`) instead of asking Redis again. Tickets another process
//! gives back meanwhile are sold once the moment is over; tickets this process gives
//! back are sold at once, because giving them back forgets the answer.

use std::time::{Duration, Instant};

use carneau_commands::metrics::HOLDS_REFUSED;
use reqwest::StatusCode;

use crate::support::metrics::scrape;
use crate::support::reservations::http::{spawn_reservation_app, Http, OnSale, Reply};

/// Long enough that a slow machine's requests fall well within it.
const MEMORY: Duration = Duration::from_secs(3);
const MEMORY_MS: &str = "3000";

async fn hold_one(http: &Http, event: OnSale) -> Reply {
    http.reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await
}

fn assert_sold_out(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert_eq!(reply.problem_slug(), "sold-out", "{reply:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_another_process_gave_back_are_sold_once_the_remembered_sold_out_lapses() {
    let app = spawn_reservation_app(&[("CARNEAU_SOLD_OUT_MEMORY_MS", MEMORY_MS)]).await;
    let second = app.spawn_second_process().await;
    let admin = app.admin().await;
    let event = app.create_published_event(1, 1).await;
    let held = hold_one(&app.http(), event).await;
    assert_eq!(held.status, StatusCode::CREATED, "{held:?}");

    let before = scrape(&app, &admin.token).await;
    let asked_at = Instant::now();
    assert_sold_out(&hold_one(&app.http(), event).await);
    // The guard said so between the question and this answer.
    let heard_by = Instant::now();
    // The other process gives the ticket back: this one is not told.
    let released = second
        .http
        .release(held.reservation_id(), Some(&held.token()))
        .await;
    assert!(released.status.is_success(), "{released:?}");
    let remembered = hold_one(&app.http(), event).await;
    assert!(
        asked_at.elapsed() < MEMORY,
        "the machine took longer than the moment"
    );
    assert_sold_out(&remembered);
    let after = scrape(&app, &admin.token).await;
    let refused = |stage: &str| {
        let labels = [("stage", stage), ("reason", "sold-out")];
        after.sum(HOLDS_REFUSED, &labels) - before.sum(HOLDS_REFUSED, &labels)
    };
    assert_eq!((refused("guard"), refused("guard_memory")), (1.0, 1.0));

    tokio::time::sleep(MEMORY.saturating_sub(heard_by.elapsed())).await;
    let sold = hold_one(&app.http(), event).await;
    assert_eq!(sold.status, StatusCode::CREATED, "{sold:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_this_process_gave_back_are_sold_at_once() {
    let app = spawn_reservation_app(&[("CARNEAU_SOLD_OUT_MEMORY_MS", MEMORY_MS)]).await;
    let event = app.create_published_event(1, 1).await;
    let held = hold_one(&app.http(), event).await;
    assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    let heard_at = Instant::now();
    assert_sold_out(&hold_one(&app.http(), event).await);

    let released = app
        .http()
        .release(held.reservation_id(), Some(&held.token()))
        .await;
    assert!(released.status.is_success(), "{released:?}");
    let sold = hold_one(&app.http(), event).await;
    assert!(
        heard_at.elapsed() < MEMORY,
        "the machine took longer than the moment"
    );
    assert_eq!(sold.status, StatusCode::CREATED, "{sold:?}");
}

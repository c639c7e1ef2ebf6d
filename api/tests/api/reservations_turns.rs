//! The desks of one event append in turn (an advisory lock of the event) once they have
//! seen another writer: a writer that keeps the turn makes the others wait, and one that
//! never gives it back costs their buyers a 503 with `Retry-After`, never a hold
//! half-written. A desk that never saw another writer appends without the turn, and reads
//! the log before it refuses what its own inventory has no room for.

use carneau_commands::reservations::turn_lock;
use carneau_domain::ids::EventId;
use reqwest::StatusCode;
use sqlx::pool::PoolConnection;
use sqlx::Postgres;

use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::spawn_reservation_app;
use crate::support::TestApp;

/// Keeps the event's turn on a session of its own until it is given back, as a stuck
/// writer would.
async fn keep_turn(app: &TestApp, event_id: uuid::Uuid) -> PoolConnection<Postgres> {
    let (namespace, key) = turn_lock(EventId::from_uuid(event_id));
    let mut writer = app.database.pool().acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(namespace)
        .bind(key)
        .execute(&mut *writer)
        .await
        .unwrap();
    writer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_that_never_saw_another_writer_appends_without_waiting_for_the_turn() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(10, 10).await;
    let _stuck = keep_turn(&app, event.event_id).await;

    for _ in 0..2 {
        let held = app
            .http()
            .reserve(event.event_id, &[(event.ticket_type_id, 2)])
            .await;
        assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    }
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(audit.placed_tickets(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_whose_turn_never_comes_is_answered_busy_and_holds_nothing() {
    let app = spawn_reservation_app(&[]).await;
    let second = app.spawn_second_process().await;
    let event = app.create_published_event(10, 10).await;
    // Each process holds a ticket, the first process again after the second: its desk
    // loses the stream's version to the second's append, so it knows it is not alone
    // and takes turns from then on.
    for target in [app.http(), second.http.clone(), app.http()] {
        let held = target
            .reserve(event.event_id, &[(event.ticket_type_id, 1)])
            .await;
        assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    }
    let mut writer = keep_turn(&app, event.event_id).await;

    let refused = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 2)])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{refused:?}"
    );
    assert_eq!(refused.problem_slug(), "reservations-busy");
    assert!(refused.retry_after.is_some(), "{refused:?}");
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(
        audit.placed_tickets(),
        3,
        "nothing held while the turn was kept"
    );

    // Given back, the turn comes at once, and the tickets the refused hold asked for are
    // still on sale.
    let (namespace, key) = turn_lock(EventId::from_uuid(event.event_id));
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(namespace)
        .bind(key)
        .execute(&mut *writer)
        .await
        .unwrap();
    let held = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 7)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(audit.placed_tickets(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_that_did_not_see_tickets_given_back_elsewhere_sells_them() {
    // Without the memory, so that the guard and the desk of this process decide.
    let app = spawn_reservation_app(&[("CARNEAU_SOLD_OUT_MEMORY_MS", "0")]).await;
    let second = app.spawn_second_process().await;
    let event = app.create_published_event(1, 1).await;
    let held = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    let refused = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    // Released through the other process: this one's desk still holds the ticket as
    // held, and would refuse it on that alone.
    let released = second
        .http
        .release(held.reservation_id(), Some(&held.token()))
        .await;
    assert!(released.status.is_success(), "{released:?}");
    let sold = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(sold.status, StatusCode::CREATED, "{sold:?}");
}

//! The desks of one event append in turn (an advisory lock of the event): a writer that
//! keeps the turn makes the others wait, and one that never gives it back costs its
//! buyers a 503 with `Retry-After`, never a hold half-written.

use carneau_commands::reservations::turn_lock;
use carneau_domain::ids::EventId;
use reqwest::StatusCode;

use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::spawn_reservation_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_whose_turn_never_comes_is_answered_busy_and_holds_nothing() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(10, 10).await;
    let (namespace, key) = turn_lock(EventId::from_uuid(event.event_id));
    // Another writer of the event's inventory keeps the turn (a stuck process).
    let mut writer = app.database.pool().acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(namespace)
        .bind(key)
        .execute(&mut *writer)
        .await
        .unwrap();

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
        0,
        "nothing held while the turn was kept"
    );

    // Given back, the turn comes at once, and the tickets the refused hold asked for are
    // still on sale.
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(namespace)
        .bind(key)
        .execute(&mut *writer)
        .await
        .unwrap();
    let held = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 10)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(audit.placed_tickets(), 10);
}

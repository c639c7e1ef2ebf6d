//! A desk decides in rounds: the holds and decisions that queued while its previous round
//! was in flight are appended in one commit, and a sale is built on the catalogue the
//! desk reads in its round, as the log has it then. Desks and read models do not wait
//! for the request pool.

use std::time::Duration;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryCommand, InventoryError, Quantity};
use carneau_domain::{Cause, EventMetadata, Process};
use chrono::Utc;
use reqwest::StatusCode;
use sqlx::postgres::PgPoolOptions;

use crate::support::reservations::audit::audit_inventory_log;
use crate::support::reservations::http::spawn_reservation_app;
use crate::support::reservations::rush::poll_until;
use crate::support::TestApp;

/// What the tests' direct calls into reservations record.
fn test_metadata() -> EventMetadata {
    EventMetadata::process(Process::Test, Cause::Operator)
}

/// Sells one ticket of `ticket_type_id` to a new order, on the catalogue as the desk has
/// it when it decides.
async fn sell_one(
    app: &TestApp,
    event_id: EventId,
    ticket_type_id: uuid::Uuid,
) -> Result<usize, InventoryError> {
    let lines = vec![HoldLine {
        ticket_type_id: TicketTypeId::from_uuid(ticket_type_id),
        quantity: Quantity::parse(1).unwrap(),
    }];
    let (reservation_id, order_id) = (ReservationId::new_random(), OrderId::new());
    let sell = move |event: &Event| InventoryCommand::SellHold {
        event: Box::new(event.clone()),
        reservation_id,
        order_id,
        lines,
        code: None,
        now: Utc::now(),
    };
    app.state
        .reservations
        .decide_on_catalogue(event_id, sell, &test_metadata())
        .await
        .unwrap()
        .map(|events| events.len())
}

/// The commits of the event's inventory stream in order, each with how many facts it
/// appended.
async fn inventory_commits(app: &TestApp, event_id: EventId) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM events
          WHERE aggregate_type = 'Inventory' AND aggregate_id = $1
          GROUP BY transaction_id ORDER BY min(sequence)",
    )
    .bind(event_id.to_aggregate_id())
    .fetch_all(app.database.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holds_and_sales_of_a_round_are_appended_in_one_commit() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(10, 10).await;
    let event_id = EventId::from_uuid(event.event_id);
    let warm = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 1)])
        .await;
    assert_eq!(warm.status, StatusCode::CREATED, "{warm:?}");

    // Appends wait while a session keeps the log locked, so the desk's next round stays
    // in flight and everything asked meanwhile queues for the round after it.
    let mut lock = app.database.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE events IN SHARE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let http = app.http();
    let in_flight = tokio::spawn(async move {
        http.reserve(event.event_id, &[(event.ticket_type_id, 1)])
            .await
    });
    poll_until(
        "the desk's append waiting for the log",
        Duration::from_secs(20),
        Duration::from_millis(20),
        || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks
                  WHERE relation = 'events'::regclass AND NOT granted",
            )
            .fetch_one(app.database.pool())
            .await
            .unwrap();
            (waiting > 0).then_some(())
        },
    )
    .await;
    let queued_holds: Vec<_> = (0..3)
        .map(|_| {
            let http = app.http();
            tokio::spawn(async move {
                http.reserve(event.event_id, &[(event.ticket_type_id, 2)])
                    .await
            })
        })
        .collect();
    let (sold, ()) = tokio::join!(sell_one(&app, event_id, event.ticket_type_id), async {
        // Long enough for the holds, past the Redis guard, to queue at the desk.
        tokio::time::sleep(Duration::from_secs(1)).await;
        lock.rollback().await.unwrap();
    });

    assert_eq!(sold, Ok(1), "the sale is decided");
    let first = in_flight.await.unwrap();
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    for hold in queued_holds {
        let held = hold.await.unwrap();
        assert_eq!(held.status, StatusCode::CREATED, "{held:?}");
    }
    assert_eq!(
        inventory_commits(&app, event_id).await,
        vec![1, 1, 4],
        "the warm-up hold, the hold in flight, then the three holds and the sale that \
         queued behind it in one commit"
    );
    let audit = audit_inventory_log(app.database.pool(), event.event_id, &event.capacities()).await;
    assert_eq!(audit.placed_tickets(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_is_judged_on_the_catalogue_as_the_log_has_it_when_the_desk_decides() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(10, 10).await;
    let event_id = EventId::from_uuid(event.event_id);
    assert_eq!(sell_one(&app, event_id, event.ticket_type_id).await, Ok(1));

    // The desk kept the catalogue it decided the first sale on; the cancellation comes
    // after, and the next sale is decided on it without its caller reading it.
    app.cancel(event.event_id, Some("The venue flooded.")).await;
    assert_eq!(
        sell_one(&app, event_id, event.ticket_type_id).await,
        Err(InventoryError::EventCancelled)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desks_and_read_models_keep_going_while_requests_hold_every_request_connection() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(10, 10).await;
    let event_id = EventId::from_uuid(event.event_id);

    // Read on a connection of the test's own: the app's request pool is about to be full.
    let reader = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(app.database.connect_options())
        .await
        .unwrap();
    // Every connection of the request pool taken, as by the requests of a rush: the desk
    // and the read models have pools of their own, and do not wait for one.
    let pool = &app.state.pool;
    let mut taken = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        taken.push(pool.acquire().await.unwrap());
    }
    assert_eq!(sell_one(&app, event_id, event.ticket_type_id).await, Ok(1));
    poll_until(
        "the sale in the inventory read model",
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async {
            let sold: Option<i32> =
                sqlx::query_scalar("SELECT sold FROM inventory_sold WHERE event_id = $1")
                    .bind(event.event_id)
                    .fetch_optional(&reader)
                    .await
                    .unwrap();
            (sold == Some(1)).then_some(())
        },
    )
    .await;
    drop(taken);
}

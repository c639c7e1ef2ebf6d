//! Appends of many aggregates committed together: what queued during a round goes in
//! one transaction, and a collision fails only the append that collided.

use carneau_commands::event_store::NewEvent;
use carneau_commands::{AggregateStore, AppendError};
use carneau_domain::ids::ReservationId;
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::{Cause, EventMetadata, Process};
use carneau_testkit::TestDatabase;
use chrono::Utc;
use futures::future::join_all;

fn released() -> InventoryEvent {
    InventoryEvent::HoldReleased {
        reservation_id: ReservationId::new(),
        released_at: Utc::now(),
    }
}

fn sweeper() -> EventMetadata {
    EventMetadata::process(Process::HoldSweeper, Cause::Schedule)
}

/// How many rows and transactions the log holds for aggregates whose id starts `prefix`.
async fn rows_and_transactions(db: &TestDatabase, prefix: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), count(DISTINCT transaction_id) FROM events \
          WHERE aggregate_id LIKE $1 || '%'",
    )
    .bind(prefix)
    .fetch_one(db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn appends_queued_together_commit_in_one_transaction() {
    let db = TestDatabase::create().await.unwrap();
    let store = AggregateStore::<Inventory>::in_rounds(db.pool().clone(), ());
    let metadata = sweeper();
    let events = [released(), released()];
    let new_events = NewEvent::all(&events, &metadata);
    let ids: Vec<String> = (0..40).map(|n| format!("round-{n}")).collect();

    // One task sends all forty before the round task runs: they queue together.
    let versions = join_all(ids.iter().map(|id| store.append(id, 0, &new_events))).await;

    assert!(versions.iter().all(|version| matches!(version, Ok(2))));
    assert_eq!(
        rows_and_transactions(&db, "round-").await,
        (80, 1),
        "forty appends, two events each, in one commit"
    );
    let sequences: Vec<(String, i64)> =
        sqlx::query_as("SELECT aggregate_id, sequence FROM events ORDER BY global_position")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let expected: Vec<(String, i64)> = ids
        .iter()
        .flat_map(|id| [(id.clone(), 1), (id.clone(), 2)])
        .collect();
    assert_eq!(
        sequences, expected,
        "in the order asked, each in sequence order"
    );
}

#[tokio::test]
async fn a_collision_in_a_round_fails_only_the_append_that_collided() {
    let db = TestDatabase::create().await.unwrap();
    let store = AggregateStore::<Inventory>::in_rounds(db.pool().clone(), ());
    let metadata = sweeper();
    let events = [released()];
    let new_events = NewEvent::all(&events, &metadata);
    store.append("taken", 0, &new_events).await.unwrap();

    let fresh: Vec<String> = (0..10).map(|n| format!("fresh-{n}")).collect();
    let late = store.append("taken", 0, &new_events);
    let others = join_all(fresh.iter().map(|id| store.append(id, 0, &new_events)));
    let (late, others) = tokio::join!(late, others);

    assert!(
        matches!(late, Err(AppendError::Conflict)),
        "decided on a version another writer moved past: {late:?}"
    );
    assert!(others.iter().all(|version| matches!(version, Ok(1))));
    assert_eq!(rows_and_transactions(&db, "fresh-").await.0, 10);
    assert_eq!(
        rows_and_transactions(&db, "taken").await.0,
        1,
        "nothing of the late append"
    );
    assert!(
        matches!(
            store.append("taken", 0, &new_events).await,
            Err(AppendError::Conflict)
        ),
        "a round of one answers its own collision"
    );
}

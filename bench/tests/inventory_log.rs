//! The audit against a real event log: it reads only the event's inventory, in
//! `(transaction_id, global_position)` order, and refuses a log it cannot read.

use std::collections::HashMap;

use carneau_bench::inventory_log::audit_inventory;
use carneau_testkit::TestDatabase;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, PgExecutor};
use uuid::Uuid;

async fn append(
    executor: impl PgExecutor<'_>,
    aggregate_type: &str,
    aggregate_id: Uuid,
    sequence: i64,
    payload: Value,
) {
    let event_type = payload
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap();
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ($1, $2, $3, $4, '1.0', $5::json, '{}'::json)",
    )
    .bind(aggregate_type)
    .bind(aggregate_id.to_string())
    .bind(sequence)
    .bind(event_type)
    .bind(payload.to_string())
    .execute(executor)
    .await
    .unwrap();
}

fn placed(reservation: &str, ticket_type: Uuid, quantity: u32) -> Value {
    json!({"HoldsPlaced": {"holds": [{
        "reservation_id": reservation,
        "lines": [{"ticket_type_id": ticket_type, "quantity": quantity}],
        "expires_at": "2030-01-01T12:15:00Z",
        "placed_at": "2030-01-01T12:00:00Z"
    }]}})
}

fn released(reservation: &str) -> Value {
    json!({"HoldReleased": {"reservation_id": reservation, "released_at": "2030-01-01T12:01:00Z"}})
}

#[tokio::test]
async fn an_event_with_no_holds_has_nothing_held() {
    let database = TestDatabase::create().await.unwrap();
    let finding = audit_inventory(database.pool(), Uuid::new_v4(), HashMap::new(), vec![])
        .await
        .unwrap();
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.final_held_tickets, 0);
    assert_eq!(finding.entries_replayed, 0);
}

#[tokio::test]
async fn replays_in_transaction_order_not_position_order() {
    let database = TestDatabase::create().await.unwrap();
    let pool = database.pool();
    let event = Uuid::new_v4();
    let standing = Uuid::new_v4();
    append(pool, "Inventory", event, 1, placed("a", standing, 2)).await;

    // The release's transaction starts first (older xid) but writes last (later
    // position); the next hold commits in between. In commit-order replay the seats are
    // free before they are taken again; in position order they would look oversold.
    let mut releasing = PgConnection::connect_with(&database.connect_options())
        .await
        .unwrap();
    let mut tx = releasing.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *tx)
        .await
        .unwrap();
    append(pool, "Inventory", event, 3, placed("b", standing, 2)).await;
    append(&mut *tx, "Inventory", event, 2, released("a")).await;
    tx.commit().await.unwrap();

    // Another event's inventory and this event's catalogue are not read.
    append(
        pool,
        "Inventory",
        Uuid::new_v4(),
        1,
        placed("x", standing, 50),
    )
    .await;
    append(pool, "Event", event, 1, json!({"EventPublished": {}})).await;

    let finding = audit_inventory(pool, event, HashMap::from([(standing, 2)]), vec![])
        .await
        .unwrap();
    assert_eq!(finding.max_oversell_tickets, 0);
    assert_eq!(finding.final_held_tickets, 2);
    assert_eq!(finding.holds_placed, 2);
    assert_eq!(finding.holds_released, 1);
}

#[tokio::test]
async fn counts_other_inventory_entries_and_refuses_malformed_holds() {
    let database = TestDatabase::create().await.unwrap();
    let pool = database.pool();
    let event = Uuid::new_v4();
    let standing = Uuid::new_v4();
    append(
        pool,
        "Inventory",
        event,
        1,
        json!({"InventoryOpened": {"capacity": 3}}),
    )
    .await;
    append(pool, "Inventory", event, 2, placed("a", standing, 3)).await;
    let finding = audit_inventory(pool, event, HashMap::from([(standing, 3)]), vec![])
        .await
        .unwrap();
    assert_eq!(finding.other_entries["InventoryOpened"], 1);
    assert_eq!(finding.final_held_tickets, 3);

    append(
        pool,
        "Inventory",
        event,
        3,
        json!({"HoldsPlaced": {"holds": "?"}}),
    )
    .await;
    let error = audit_inventory(pool, event, HashMap::from([(standing, 3)]), vec![])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("HoldsPlaced"), "{error:#}");
}

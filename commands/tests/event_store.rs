//! The one write path: a batch of many callers' decisions appends once, each event with
//! its own caller's metadata.

use carneau_commands::event_store::{self, NewEvent};
use carneau_domain::ids::{AccountId, ReservationId};
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::{Actor, Cause, EventMetadata, Process};
use carneau_testkit::TestDatabase;
use chrono::Utc;
use serde_json::Value;

fn released() -> InventoryEvent {
    InventoryEvent::HoldReleased {
        reservation_id: ReservationId::new(),
        released_at: Utc::now(),
    }
}

#[tokio::test]
async fn each_event_of_one_append_keeps_its_own_metadata() {
    let db = TestDatabase::create().await.unwrap();
    let account_id = AccountId::new();
    let buyer = EventMetadata::new(
        Actor::Account { account_id },
        Cause::Request {
            request_id: Some("req-1".to_owned()),
        },
    );
    let sweeper = EventMetadata::process(Process::HoldSweeper, Cause::Schedule);
    let events = [released(), released(), released()];
    let batch = [
        NewEvent {
            event: &events[0],
            metadata: &buyer,
        },
        NewEvent {
            event: &events[1],
            metadata: &sweeper,
        },
        NewEvent {
            event: &events[2],
            metadata: &buyer,
        },
    ];

    let mut conn = db.pool().acquire().await.unwrap();
    let version = event_store::append::<Inventory>(&mut conn, "inventory-1", 0, &batch)
        .await
        .unwrap();

    assert_eq!(version, 3);
    let rows: Vec<(i64, Value, i64)> = sqlx::query_as(
        "SELECT sequence, metadata, transaction_id::text::bigint FROM events \
          ORDER BY global_position",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let recorded: Vec<(i64, EventMetadata)> = rows
        .iter()
        .map(|(sequence, metadata, _)| {
            (*sequence, serde_json::from_value(metadata.clone()).unwrap())
        })
        .collect();
    assert_eq!(
        recorded,
        [(1, buyer.clone()), (2, sweeper), (3, buyer)],
        "in sequence order, each with its caller"
    );
    assert!(
        rows.iter().all(|row| row.2 == rows[0].2),
        "one statement, one transaction"
    );
}

#[tokio::test]
async fn a_server_with_no_connection_left_counts_as_unavailable() {
    let db = TestDatabase::create().await.unwrap();
    // A role allowed no connection at all is refused as a full server refuses everyone
    // (SQLSTATE 53300), without exhausting the shared server to show it.
    let role = format!("no_room_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
        .execute(db.pool())
        .await
        .unwrap();
    let options = (*db.pool().connect_options()).clone().username(&role);
    let refused = sqlx::ConnectOptions::connect(&options).await.unwrap_err();
    sqlx::query(&format!("DROP ROLE {role}"))
        .execute(db.pool())
        .await
        .unwrap();
    let code = refused
        .as_database_error()
        .and_then(|error| error.code())
        .map(|code| code.into_owned());
    assert_eq!(code.as_deref(), Some("53300"), "{refused}");
    assert!(event_store::is_database_unavailable(&refused));
}

//! The inventory projector against a real PostgreSQL: the desk records one `HoldsPlaced`
//! per hold, and the projector inserts consecutive ones together; a later fact of the
//! same batch (a release) must still find the hold it ends.

#[path = "support/catching_up.rs"]
mod catching_up;

use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryEvent, PlacedHold, Quantity};
use carneau_projections::inventory::InventoryProjector;
use carneau_testkit::TestDatabase;
use chrono::{Duration, DurationRound, Utc};
use cqrs_es::DomainEvent as _;
use sqlx::PgPool;
use uuid::Uuid;

use catching_up::project;

fn hold(reservation_id: ReservationId, ticket_type_id: TicketTypeId) -> InventoryEvent {
    let now = Utc::now();
    InventoryEvent::HoldsPlaced {
        holds: vec![PlacedHold {
            reservation_id,
            lines: vec![HoldLine {
                ticket_type_id,
                quantity: Quantity::try_from(2).unwrap(),
            }],
            expires_at: now + Duration::minutes(15),
            placed_at: now,
            code_use: None,
        }],
    }
}

/// Appends `events` to the event's inventory stream in one transaction, as one append of
/// the desk would.
async fn append(pool: &PgPool, event_id: EventId, events: &[InventoryEvent]) {
    append_from(pool, event_id, 1, events).await;
}

/// [`append`], the first event at `first` in the stream.
async fn append_from(pool: &PgPool, event_id: EventId, first: i64, events: &[InventoryEvent]) {
    let mut tx = pool.begin().await.unwrap();
    for (sequence, event) in (first..).zip(events) {
        sqlx::query(
            "INSERT INTO events
                 (aggregate_type, aggregate_id, sequence, event_type, event_version,
                  payload, metadata)
             VALUES ('Inventory', $1, $2, $3, $4, $5, '{}')",
        )
        .bind(event_id.to_aggregate_id())
        .bind(sequence)
        .bind(event.event_type())
        .bind(event.event_version())
        .bind(serde_json::to_value(event).unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn status_of(pool: &PgPool, reservation_id: ReservationId) -> String {
    sqlx::query_scalar("SELECT status FROM inventory_holds WHERE reservation_id = $1")
        .bind(reservation_id.as_uuid())
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_release_in_the_same_batch_as_its_hold_ends_it() {
    let database = TestDatabase::create().await.unwrap();
    let pool = database.pool();
    let event_id = EventId::from_uuid(Uuid::new_v4());
    let ticket_type_id = TicketTypeId::from_uuid(Uuid::new_v4());
    let (first, second, third) = (
        ReservationId::new(),
        ReservationId::new(),
        ReservationId::new(),
    );
    append(
        pool,
        event_id,
        &[
            hold(first, ticket_type_id),
            hold(second, ticket_type_id),
            InventoryEvent::HoldReleased {
                reservation_id: second,
                released_at: Utc::now(),
            },
            hold(third, ticket_type_id),
        ],
    )
    .await;

    project(pool, &InventoryProjector::new(None)).await;

    assert_eq!(status_of(pool, first).await, "held");
    assert_eq!(status_of(pool, second).await, "released");
    assert_eq!(status_of(pool, third).await, "held");
}

fn sold(reservation_id: ReservationId, ticket_type_id: TicketTypeId) -> InventoryEvent {
    InventoryEvent::HoldSold {
        reservation_id,
        order_id: OrderId::from_uuid(Uuid::new_v4()),
        lines: vec![HoldLine {
            ticket_type_id,
            quantity: Quantity::try_from(2).unwrap(),
        }],
        late: false,
        sold_at: Utc::now(),
        code_use: None,
    }
}

async fn sold_count(pool: &PgPool, event_id: EventId) -> i32 {
    sqlx::query_scalar("SELECT sold FROM inventory_sold WHERE event_id = $1")
        .bind(event_id.as_uuid())
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn holds_placed_extended_and_sold_across_batches_end_as_their_facts_say() {
    let database = TestDatabase::create().await.unwrap();
    let pool = database.pool();
    let event_id = EventId::from_uuid(Uuid::new_v4());
    let ticket_type_id = TicketTypeId::from_uuid(Uuid::new_v4());
    let (paid_later, paid_at_once) = (ReservationId::new(), ReservationId::new());
    let extended_to = (Utc::now() + Duration::minutes(40))
        .duration_trunc(Duration::seconds(1))
        .unwrap();

    // One batch places both, extends one and sells it: its row is inserted sold, and the
    // ticket type's first sold count starts;
    append(
        pool,
        event_id,
        &[
            hold(paid_later, ticket_type_id),
            hold(paid_at_once, ticket_type_id),
            InventoryEvent::HoldExtended {
                reservation_id: paid_at_once,
                expires_at: extended_to,
            },
            sold(paid_at_once, ticket_type_id),
        ],
    )
    .await;
    project(pool, &InventoryProjector::new(None)).await;
    assert_eq!(status_of(pool, paid_later).await, "held");
    assert_eq!(status_of(pool, paid_at_once).await, "sold");
    assert_eq!(sold_count(pool, event_id).await, 2);
    let (expires_at, ended): (chrono::DateTime<Utc>, bool) = sqlx::query_as(
        "SELECT expires_at, ended_at IS NOT NULL FROM inventory_holds WHERE reservation_id = $1",
    )
    .bind(paid_at_once.as_uuid())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((expires_at, ended), (extended_to, true));

    // a later batch sells the other: an earlier row changes, the count moves.
    append_from(pool, event_id, 5, &[sold(paid_later, ticket_type_id)]).await;
    project(pool, &InventoryProjector::new(None)).await;
    assert_eq!(status_of(pool, paid_later).await, "sold");
    assert_eq!(sold_count(pool, event_id).await, 4);
}

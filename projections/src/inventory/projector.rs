//! The `inventory` projector: `Inventory` aggregate events into `inventory_holds`, then
//! the event's cached detail invalidated (its availability changed).

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::inventory::{HoldLine, Inventory, InventoryEvent, PlacedHold};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::cache::{CacheScope, ResponseCache};
use crate::log::{changed_aggregates, Interest, RecordedEvent};
use crate::runner::{Batch, Projector};

/// Builds `inventory_holds`; invalidates cached event details after each commit.
pub struct InventoryProjector {
    cache: Option<ResponseCache>,
}

impl InventoryProjector {
    /// A projector that invalidates `cache` (if any) after each batch it commits.
    pub fn new(cache: Option<ResponseCache>) -> Self {
        Self { cache }
    }
}

#[async_trait]
impl Projector for InventoryProjector {
    fn name(&self) -> &'static str {
        "inventory"
    }

    /// Only the inventory: a flash sale's holds are all it reads.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Inventory::TYPE],
            event_types: &[],
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        // The desk records one `HoldsPlaced` per hold; consecutive ones of an event are
        // inserted together, so a flash sale costs one statement per batch, not per hold.
        let mut placing: Option<(Uuid, Vec<PlacedHold>)> = None;
        for recorded in events {
            let Some((event_id, event)) = recorded.decode_of::<Inventory>()? else {
                continue;
            };
            if let InventoryEvent::HoldsPlaced { holds } = event {
                match &mut placing {
                    Some((placing_event, pending)) if *placing_event == event_id => {
                        pending.extend(holds);
                    }
                    _ => {
                        if let Some((placing_event, pending)) = placing.take() {
                            insert_holds(tx, placing_event, &pending).await?;
                        }
                        placing = Some((event_id, holds));
                    }
                }
                continue;
            }
            // Every other fact may end or change a hold placed before it: insert those first.
            if let Some((placing_event, pending)) = placing.take() {
                insert_holds(tx, placing_event, &pending).await?;
            }
            match event {
                InventoryEvent::HoldsPlaced { .. } => {}
                InventoryEvent::HoldReleased {
                    reservation_id,
                    released_at,
                } => {
                    end_holds(
                        tx,
                        event_id,
                        &[reservation_id.as_uuid()],
                        "released",
                        released_at,
                    )
                    .await?;
                }
                InventoryEvent::HoldsExpired {
                    reservation_ids,
                    expired_at,
                } => {
                    let ids: Vec<Uuid> = reservation_ids.iter().map(|id| id.as_uuid()).collect();
                    end_holds(tx, event_id, &ids, "expired", expired_at).await?;
                }
                InventoryEvent::HoldExtended {
                    reservation_id,
                    expires_at,
                } => {
                    sqlx::query(
                        "UPDATE inventory_holds SET expires_at = $3 \
                         WHERE event_id = $1 AND reservation_id = $2 AND status = 'held'",
                    )
                    .bind(event_id)
                    .bind(reservation_id.as_uuid())
                    .bind(expires_at)
                    .execute(&mut **tx)
                    .await?;
                }
                InventoryEvent::HoldSold {
                    reservation_id,
                    lines,
                    sold_at,
                    ..
                } => {
                    // A late sale's hold may have ended already: only a held row turns sold.
                    end_holds(tx, event_id, &[reservation_id.as_uuid()], "sold", sold_at).await?;
                    add_sold(tx, event_id, &lines, true).await?;
                }
                InventoryEvent::TicketsReturned { lines, .. } => {
                    add_sold(tx, event_id, &lines, false).await?;
                }
            }
        }
        if let Some((placing_event, pending)) = placing {
            insert_holds(tx, placing_event, &pending).await?;
        }
        Ok(())
    }

    async fn after_commit(&self, events: &[RecordedEvent]) {
        let Some(cache) = &self.cache else { return };
        let changed = changed_aggregates(events, Inventory::TYPE);
        cache
            .invalidate_all(changed.into_iter().map(CacheScope::Event))
            .await;
    }
}

/// One row per hold line, written in one statement per batch (a flash sale appends
/// hundreds of holds per event). Re-applying a batch changes nothing.
async fn insert_holds(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    holds: &[PlacedHold],
) -> anyhow::Result<()> {
    let mut reservations = Vec::new();
    let mut ticket_types = Vec::new();
    let mut quantities = Vec::new();
    let mut placed = Vec::new();
    let mut expires = Vec::new();
    for hold in holds {
        for line in &hold.lines {
            reservations.push(hold.reservation_id.as_uuid());
            ticket_types.push(line.ticket_type_id.as_uuid());
            quantities.push(i32::try_from(line.quantity.get()).context("quantity out of range")?);
            placed.push(hold.placed_at);
            expires.push(hold.expires_at);
        }
    }
    sqlx::query(
        r#"
        INSERT INTO inventory_holds
            (event_id, reservation_id, ticket_type_id, quantity, status, placed_at, expires_at)
        SELECT $1, r, t, q, 'held', p, x
          FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::timestamptz[])
               AS lines(r, t, q, p, x)
        ON CONFLICT DO NOTHING
        "#,
    )
    .bind(event_id)
    .bind(&reservations)
    .bind(&ticket_types)
    .bind(&quantities)
    .bind(&placed)
    .bind(&expires)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn end_holds(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    reservation_ids: &[Uuid],
    status: &str,
    ended_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE inventory_holds SET status = $3, ended_at = $4 \
         WHERE event_id = $1 AND reservation_id = ANY($2) AND status = 'held'",
    )
    .bind(event_id)
    .bind(reservation_ids)
    .bind(status)
    .bind(ended_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds (or, for returned tickets, takes away) the sold tickets of `lines`, one
/// statement per ticket type.
async fn add_sold(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    lines: &[HoldLine],
    sold: bool,
) -> anyhow::Result<()> {
    for line in lines {
        let quantity = i32::try_from(line.quantity.get()).context("quantity out of range")?;
        let delta = if sold { quantity } else { -quantity };
        sqlx::query(
            "INSERT INTO inventory_sold (event_id, ticket_type_id, sold) \
             VALUES ($1, $2, greatest($3, 0)) \
             ON CONFLICT (event_id, ticket_type_id) \
             DO UPDATE SET sold = greatest(inventory_sold.sold + $3, 0)",
        )
        .bind(event_id)
        .bind(line.ticket_type_id.as_uuid())
        .bind(delta)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

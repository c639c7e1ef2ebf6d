//! The `inventory` projector: `Inventory` aggregate events into `inventory_holds`, then
//! the event's cached detail invalidated (its availability changed). A batch is folded in
//! memory first ([`InventoryFold`]) and written in a few statements.

use std::collections::BTreeMap;

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::inventory::Inventory;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::fold::{HoldChange, HoldRow, InventoryFold, SoldChange};
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
            metadata: false,
        })
    }

    /// A reconciliation reads its checkpoint as how far the sales page applied the log.
    fn stores_every_stretch(&self) -> bool {
        true
    }

    /// Folds the batch in memory and writes it in a few statements (see [`InventoryFold`]).
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let mut fold = InventoryFold::default();
        for recorded in batch.events {
            if let Some((event_id, event)) = recorded.decode_of::<Inventory>()? {
                fold.push(event_id, recorded.sequence, event)?;
            }
        }
        insert_holds(tx, &fold.placed).await?;
        change_holds(tx, &fold.holds).await?;
        change_sold(tx, &fold.sold).await?;
        fold.waiting.write(tx).await?;
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

/// One row per hold line, `held`, in one statement per batch (a flash sale appends
/// hundreds of holds per event). Re-applying a batch changes nothing.
async fn insert_holds(tx: &mut Transaction<'_, Postgres>, rows: &[HoldRow]) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let events: Vec<Uuid> = rows.iter().map(|row| row.event_id).collect();
    let reservations: Vec<Uuid> = rows.iter().map(|row| row.reservation_id).collect();
    let ticket_types: Vec<Uuid> = rows.iter().map(|row| row.ticket_type_id).collect();
    let quantities: Vec<i32> = rows.iter().map(|row| row.quantity).collect();
    let placed: Vec<DateTime<Utc>> = rows.iter().map(|row| row.placed_at).collect();
    let expires: Vec<DateTime<Utc>> = rows.iter().map(|row| row.expires_at).collect();
    // `WITH ORDINALITY`: a line placed twice keeps its first row, as event by event.
    sqlx::query(
        r#"
        INSERT INTO inventory_holds
            (event_id, reservation_id, ticket_type_id, quantity, status, placed_at, expires_at)
        SELECT e, r, t, q, 'held', p, x
          FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[],
                      $6::timestamptz[]) WITH ORDINALITY AS lines(e, r, t, q, p, x, k)
         ORDER BY k
        ON CONFLICT DO NOTHING
        "#,
    )
    .bind(&events)
    .bind(&reservations)
    .bind(&ticket_types)
    .bind(&quantities)
    .bind(&placed)
    .bind(&expires)
    .execute(&mut **tx)
    .await
    .context("inserting holds")?;
    Ok(())
}

/// Extends or ends the holds still `held`: a hold that had ended keeps its row.
async fn change_holds(
    tx: &mut Transaction<'_, Postgres>,
    changes: &BTreeMap<(Uuid, Uuid), HoldChange>,
) -> anyhow::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let events: Vec<Uuid> = changes.keys().map(|key| key.0).collect();
    let reservations: Vec<Uuid> = changes.keys().map(|key| key.1).collect();
    let expires: Vec<Option<DateTime<Utc>>> = changes.values().map(|c| c.expires_at).collect();
    let statuses: Vec<Option<&str>> = changes.values().map(|c| c.ended.map(|e| e.0)).collect();
    let ended: Vec<Option<DateTime<Utc>>> =
        changes.values().map(|c| c.ended.map(|e| e.1)).collect();
    sqlx::query(
        r#"
        UPDATE inventory_holds h
           SET expires_at = coalesce(c.expires_at, h.expires_at),
               status = coalesce(c.status, h.status),
               ended_at = CASE WHEN c.status IS NULL THEN h.ended_at ELSE c.ended_at END
          FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::timestamptz[])
               AS c(event_id, reservation_id, expires_at, status, ended_at)
         WHERE h.event_id = c.event_id AND h.reservation_id = c.reservation_id
           AND h.status = 'held'
        "#,
    )
    .bind(&events)
    .bind(&reservations)
    .bind(&expires)
    .bind(&statuses)
    .bind(&ended)
    .execute(&mut **tx)
    .await
    .context("extending or ending holds")?;
    Ok(())
}

/// Moves each ticket type's sold count by its folded change (never below zero).
async fn change_sold(
    tx: &mut Transaction<'_, Postgres>,
    changes: &BTreeMap<(Uuid, Uuid), SoldChange>,
) -> anyhow::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let events: Vec<Uuid> = changes.keys().map(|key| key.0).collect();
    let ticket_types: Vec<Uuid> = changes.keys().map(|key| key.1).collect();
    let deltas: Vec<i32> = changes.values().map(|c| c.delta).collect();
    let floors: Vec<i32> = changes.values().map(|c| c.floor).collect();
    // One round trip: rows there move; the ticket types with no row yet start from zero
    // (the insert skips the rows the update just moved).
    sqlx::query(
        r#"
        WITH c(e, t, d, f) AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[])
        ), moved AS (
            UPDATE inventory_sold s SET sold = greatest(s.sold + c.d, c.f)
              FROM c
             WHERE s.event_id = c.e AND s.ticket_type_id = c.t
            RETURNING s.event_id, s.ticket_type_id
        )
        INSERT INTO inventory_sold (event_id, ticket_type_id, sold)
        SELECT e, t, greatest(d, f) FROM c
         WHERE NOT EXISTS (
            SELECT 1 FROM moved WHERE moved.event_id = c.e AND moved.ticket_type_id = c.t
         )
        "#,
    )
    .bind(&events)
    .bind(&ticket_types)
    .bind(&deltas)
    .bind(&floors)
    .execute(&mut **tx)
    .await
    .context("changing sold counts")?;
    Ok(())
}

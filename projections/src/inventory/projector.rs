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
use crate::runner::{Batch, BatchStatement, Projector};

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

    /// Folds the batch in memory and writes it: the holds and sold counts in one
    /// statement, then the waiting lists' places (see [`InventoryFold`]).
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let fold = fold_batch(&batch)?;
        write_holds_and_sold(&fold)
            .execute(tx)
            .await
            .context("writing holds and sold counts")?;
        fold.waiting.write(tx).await?;
        Ok(())
    }

    /// A flash sale's batches touch no waiting list: their holds and sold counts go in
    /// one statement with the runner's lock and checkpoint, so the sales page does not
    /// wait for a core once per statement during the rush.
    fn batch_statement(&self, batch: &Batch<'_>) -> anyhow::Result<Option<BatchStatement>> {
        let fold = fold_batch(batch)?;
        if !fold.waiting.is_empty() {
            return Ok(None);
        }
        Ok(Some(write_holds_and_sold(&fold)))
    }

    async fn after_commit(&self, events: &[RecordedEvent]) {
        let Some(cache) = &self.cache else { return };
        let changed = changed_aggregates(events, Inventory::TYPE);
        cache
            .invalidate_all(changed.into_iter().map(CacheScope::Event))
            .await;
    }
}

/// The batch's events in log order, folded, with the holds it placed settled.
fn fold_batch(batch: &Batch<'_>) -> anyhow::Result<InventoryFold> {
    let mut fold = InventoryFold::default();
    for recorded in batch.events {
        if let Some((event_id, event)) = recorded.decode_of::<Inventory>()? {
            fold.push(event_id, recorded.sequence, event)?;
        }
    }
    fold.settle_placed();
    Ok(fold)
}

/// The holds placed, the earlier holds changed and the sold counts moved, as parts of
/// one statement: they touch different rows, which the parts of one statement need.
fn write_holds_and_sold(fold: &InventoryFold) -> BatchStatement {
    let mut statement = BatchStatement::default();
    insert_holds(&mut statement, &fold.placed);
    change_holds(&mut statement, &fold.holds);
    change_sold(&mut statement, &fold.sold);
    statement
}

/// One row per hold line, as the batch left it. Re-applying a batch changes nothing.
fn insert_holds(statement: &mut BatchStatement, rows: &[HoldRow]) {
    if rows.is_empty() {
        return;
    }
    let events: Vec<Uuid> = rows.iter().map(|row| row.event_id).collect();
    let reservations: Vec<Uuid> = rows.iter().map(|row| row.reservation_id).collect();
    let ticket_types: Vec<Uuid> = rows.iter().map(|row| row.ticket_type_id).collect();
    let quantities: Vec<i32> = rows.iter().map(|row| row.quantity).collect();
    let placed: Vec<DateTime<Utc>> = rows.iter().map(|row| row.placed_at).collect();
    let expires: Vec<DateTime<Utc>> = rows.iter().map(|row| row.expires_at).collect();
    let statuses: Vec<&'static str> = rows.iter().map(|row| row.status).collect();
    let ended: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.ended_at).collect();
    // `WITH ORDINALITY`: a line placed twice keeps its first row, as event by event.
    statement.part("placed_holds", |query| {
        query
            .push(
                "INSERT INTO inventory_holds (event_id, reservation_id, ticket_type_id, \
                 quantity, status, placed_at, expires_at, ended_at) \
                 SELECT e, r, t, q, s, p, x, n FROM unnest(",
            )
            .push_bind(events)
            .push("::uuid[], ")
            .push_bind(reservations)
            .push("::uuid[], ")
            .push_bind(ticket_types)
            .push("::uuid[], ")
            .push_bind(quantities)
            .push("::int[], ")
            .push_bind(statuses)
            .push("::text[], ")
            .push_bind(placed)
            .push("::timestamptz[], ")
            .push_bind(expires)
            .push("::timestamptz[], ")
            .push_bind(ended)
            .push(
                "::timestamptz[]) WITH ORDINALITY AS lines(e, r, t, q, s, p, x, n, k) \
                 ORDER BY k ON CONFLICT DO NOTHING",
            );
    });
}

/// Extends or ends the holds placed before the batch that are still `held`: a hold that
/// had ended keeps its row.
fn change_holds(statement: &mut BatchStatement, changes: &BTreeMap<(Uuid, Uuid), HoldChange>) {
    if changes.is_empty() {
        return;
    }
    let events: Vec<Uuid> = changes.keys().map(|key| key.0).collect();
    let reservations: Vec<Uuid> = changes.keys().map(|key| key.1).collect();
    let expires: Vec<Option<DateTime<Utc>>> = changes.values().map(|c| c.expires_at).collect();
    let statuses: Vec<Option<&str>> = changes.values().map(|c| c.ended.map(|e| e.0)).collect();
    let ended: Vec<Option<DateTime<Utc>>> =
        changes.values().map(|c| c.ended.map(|e| e.1)).collect();
    statement.part("changed_holds", |query| {
        query
            .push(
                "UPDATE inventory_holds h \
                 SET expires_at = coalesce(c.expires_at, h.expires_at), \
                     status = coalesce(c.status, h.status), \
                     ended_at = CASE WHEN c.status IS NULL THEN h.ended_at ELSE c.ended_at END \
                 FROM unnest(",
            )
            .push_bind(events)
            .push("::uuid[], ")
            .push_bind(reservations)
            .push("::uuid[], ")
            .push_bind(expires)
            .push("::timestamptz[], ")
            .push_bind(statuses)
            .push("::text[], ")
            .push_bind(ended)
            .push(
                "::timestamptz[]) AS c(event_id, reservation_id, expires_at, status, ended_at) \
                 WHERE h.event_id = c.event_id AND h.reservation_id = c.reservation_id \
                   AND h.status = 'held'",
            );
    });
}

/// Moves each ticket type's sold count by its folded change (never below zero): the rows
/// there move; the ticket types with no row yet start from zero (the insert skips the
/// rows the update moved).
fn change_sold(statement: &mut BatchStatement, changes: &BTreeMap<(Uuid, Uuid), SoldChange>) {
    if changes.is_empty() {
        return;
    }
    let events: Vec<Uuid> = changes.keys().map(|key| key.0).collect();
    let ticket_types: Vec<Uuid> = changes.keys().map(|key| key.1).collect();
    let deltas: Vec<i32> = changes.values().map(|c| c.delta).collect();
    let floors: Vec<i32> = changes.values().map(|c| c.floor).collect();
    statement.part("sold_changes(e, t, d, f)", |query| {
        query
            .push("SELECT * FROM unnest(")
            .push_bind(events)
            .push("::uuid[], ")
            .push_bind(ticket_types)
            .push("::uuid[], ")
            .push_bind(deltas)
            .push("::int[], ")
            .push_bind(floors)
            .push("::int[])");
    });
    statement.part("sold_moved", |query| {
        query.push(
            "UPDATE inventory_sold s SET sold = greatest(s.sold + c.d, c.f) \
             FROM sold_changes c WHERE s.event_id = c.e AND s.ticket_type_id = c.t \
             RETURNING s.event_id, s.ticket_type_id",
        );
    });
    statement.part("sold_started", |query| {
        query.push(
            "INSERT INTO inventory_sold (event_id, ticket_type_id, sold) \
             SELECT e, t, greatest(d, f) FROM sold_changes c \
             WHERE NOT EXISTS (SELECT 1 FROM sold_moved \
                               WHERE sold_moved.event_id = c.e \
                                 AND sold_moved.ticket_type_id = c.t)",
        );
    });
}

//! Reads one event's streams from `events`, in the log's gap-safe order, and folds them
//! as they arrive; and tells whether the sales page's projectors had applied them.

use futures::TryStreamExt;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::ledger::EventLedger;
use crate::log::{parse_transaction_id, recorded_event, LogPosition};
use crate::orders::OrdersProjector;
use crate::runner::Projector;

/// Folds the facts of event `event_id` into a ledger: its `Event` and `Inventory`
/// streams, the streams of every order placed for it and the admission streams of every
/// ticket those orders issued, from table `events`.
///
/// One statement, so one snapshot, ordered as [`crate::log::read_after`] orders the log
/// (`transaction_id`, then `global_position`) and cut at the same horizon (only
/// transactions older than every running one), so what it reads is final: a fact still
/// being committed is left out, never half-seen. Rows are folded as they stream in.
/// The orders are found by their `OrderPlaced` payload, which no index covers: an audit
/// reads every `OrderPlaced` row once.
pub async fn fold_event_log(pool: &PgPool, event_id: Uuid) -> anyhow::Result<EventLedger> {
    let mut rows = sqlx::query(
        r#"
        WITH event_orders AS (
            SELECT aggregate_id
              FROM events
             WHERE aggregate_type = 'Order' AND event_type = 'OrderPlaced'
               AND payload -> 'OrderPlaced' ->> 'event_id' = $1
        ), issued_tickets AS (
            SELECT ticket ->> 'ticket_id' AS ticket_id
              FROM events,
                   json_array_elements(payload -> 'TicketsIssued' -> 'tickets') AS ticket
             WHERE aggregate_type = 'Order' AND event_type = 'TicketsIssued'
               AND aggregate_id IN (SELECT aggregate_id FROM event_orders)
        )
        SELECT transaction_id::text AS transaction_id_text,
               global_position, event_id, aggregate_type, aggregate_id, sequence,
               event_type, event_version, payload, metadata, recorded_at
          FROM events
         WHERE ((aggregate_type IN ('Event', 'Inventory') AND aggregate_id = $1)
                OR (aggregate_type = 'Order'
                    AND aggregate_id IN (SELECT aggregate_id FROM event_orders))
                OR (aggregate_type = 'Admission'
                    AND aggregate_id IN (SELECT ticket_id FROM issued_tickets)))
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY events.transaction_id, events.global_position
        "#,
    )
    .bind(event_id.hyphenated().to_string())
    .fetch(pool);
    let mut ledger = EventLedger::default();
    while let Some(row) = rows.try_next().await? {
        let recorded = recorded_event(&row)?;
        ledger.record(&recorded)?;
    }
    Ok(ledger)
}

/// A projector behind the sales page that had not applied the log up to a position.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectorBehind {
    /// The projector's name.
    pub projector: String,
    /// Where it was (`None`: it never ran).
    pub at: Option<LogPosition>,
}

/// The sales page's projectors (orders, inventory, catalogue) whose checkpoint in
/// `projector_checkpoints` is before `position`: the page did not show those facts yet.
pub async fn projectors_behind(
    pool: &PgPool,
    position: LogPosition,
) -> anyhow::Result<Vec<ProjectorBehind>> {
    let names = [
        OrdersProjector.name(),
        crate::inventory::InventoryProjector::new(None).name(),
        crate::catalogue::CatalogueProjector::new(None).name(),
    ];
    let rows = sqlx::query(
        "SELECT projector, transaction_id::text AS transaction_id_text, global_position \
           FROM projector_checkpoints WHERE projector = ANY($1)",
    )
    .bind(names.as_slice())
    .fetch_all(pool)
    .await?;
    let mut behind = Vec::new();
    for name in names {
        let Some(row) = rows
            .iter()
            .find(|row| row.try_get::<String, _>("projector").ok().as_deref() == Some(name))
        else {
            behind.push(ProjectorBehind {
                projector: name.to_owned(),
                at: None,
            });
            continue;
        };
        let at = LogPosition {
            transaction_id: parse_transaction_id(row.try_get("transaction_id_text")?)?,
            global_position: row.try_get("global_position")?,
        };
        if at < position {
            behind.push(ProjectorBehind {
                projector: name.to_owned(),
                at: Some(at),
            });
        }
    }
    Ok(behind)
}

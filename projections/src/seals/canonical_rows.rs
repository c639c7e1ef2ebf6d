//! Table `events` read in the form the chain covers: each row whole, its JSON as
//! PostgreSQL's `jsonb` text, in the auditors' `(transaction_id, global_position)` order.

use sqlx::postgres::PgRow;
use sqlx::{Executor, Postgres, Row};

use super::chain::CanonicalEvent;
use crate::log::{position_of_row, LogError, LogPosition};

/// The columns of a canonical row. `payload` and `metadata` are stored as `json` (the
/// text the writer sent); `::jsonb::text` prints them with a fixed key order and spacing.
const CANONICAL_COLUMNS: &str = r#"
    SELECT transaction_id::text AS transaction_id_text,
           global_position,
           event_id,
           aggregate_type,
           aggregate_id,
           sequence,
           event_type,
           event_version,
           payload::jsonb::text AS payload_text,
           metadata::jsonb::text AS metadata_text,
           recorded_at
      FROM events
"#;

/// Reads at most `limit` rows of `events` after `after`, with the same horizon as
/// [`crate::log::read_after`]: only rows of transactions older than every running one,
/// so nothing can later appear before a row returned.
pub async fn read_canonical_after<'e, E>(
    executor: E,
    after: LogPosition,
    limit: u32,
) -> Result<Vec<CanonicalEvent>, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    let rows = sqlx::query(&format!(
        "{CANONICAL_COLUMNS}
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY events.transaction_id, events.global_position
         LIMIT $3"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(i64::from(limit))
    .fetch_all(executor)
    .await?;
    rows.iter().map(canonical_event).collect()
}

/// Reads the rows of `events` after `after` up to and including `through`, in log order:
/// a stretch the gap-safe reader has already walked, hence complete and final.
pub async fn read_canonical_stretch<'e, E>(
    executor: E,
    after: LogPosition,
    through: LogPosition,
) -> Result<Vec<CanonicalEvent>, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    let rows = sqlx::query(&format!(
        "{CANONICAL_COLUMNS}
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
           AND (transaction_id, global_position) <= ($3::text::xid8, $4)
         ORDER BY events.transaction_id, events.global_position"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(through.transaction_id.to_string())
    .bind(through.global_position)
    .fetch_all(executor)
    .await?;
    rows.iter().map(canonical_event).collect()
}

fn canonical_event(row: &PgRow) -> Result<CanonicalEvent, LogError> {
    Ok(CanonicalEvent {
        position: position_of_row(row)?,
        event_id: row.try_get("event_id")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: row.try_get("payload_text")?,
        metadata: row.try_get("metadata_text")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

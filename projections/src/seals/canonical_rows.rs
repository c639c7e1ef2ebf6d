//! Table `events` read in the form the chain covers: each row whole, its JSON as
//! PostgreSQL's `jsonb` text, in the auditors' `(transaction_id, global_position)` order.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::chain::CanonicalEvent;
use super::jsonb_text::jsonb_text;
use crate::log::{position_of_row, LogError, LogPosition};

/// The columns of a canonical row. `payload` and `metadata` are stored as `json` (the
/// text the writer sent), read as stored: [`jsonb_text`] prints them with `jsonb`'s
/// fixed key order and spacing here, not on the database's cores.
const CANONICAL_COLUMNS: &str = r#"
    SELECT transaction_id::text AS transaction_id_text,
           global_position,
           event_id,
           aggregate_type,
           aggregate_id,
           sequence,
           event_type,
           event_version,
           payload::text AS payload_json,
           metadata::text AS metadata_json,
           recorded_at
      FROM events
"#;

/// Reads at most `limit` rows of `events` after `after`, with the same horizon as
/// [`crate::log::read_after`]: only rows of transactions older than every running one,
/// so nothing can later appear before a row returned.
pub async fn read_canonical_after(
    conn: &mut PgConnection,
    after: LogPosition,
    limit: u32,
) -> Result<Vec<CanonicalEvent>, LogError> {
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
    .fetch_all(&mut *conn)
    .await?;
    canonical_events(conn, &rows).await
}

/// Reads the rows of `events` after `after` up to and including `through`, in log order:
/// a stretch the gap-safe reader has already walked, hence complete and final.
pub async fn read_canonical_stretch(
    conn: &mut PgConnection,
    after: LogPosition,
    through: LogPosition,
) -> Result<Vec<CanonicalEvent>, LogError> {
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
    .fetch_all(&mut *conn)
    .await?;
    canonical_events(conn, &rows).await
}

/// The rows as the chain covers them; the JSON [`jsonb_text`] leaves to PostgreSQL is
/// printed by it, in one more statement for all such rows (none from our writer).
async fn canonical_events(
    conn: &mut PgConnection,
    rows: &[PgRow],
) -> Result<Vec<CanonicalEvent>, LogError> {
    let mut events: Vec<CanonicalEvent> =
        rows.iter().map(canonical_event).collect::<Result<_, _>>()?;
    let mut left: Vec<(usize, bool)> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for (index, event) in events.iter_mut().enumerate() {
        for (is_payload, json) in [(true, &mut event.payload), (false, &mut event.metadata)] {
            match jsonb_text(json) {
                Some(printed) => *json = printed,
                None => {
                    left.push((index, is_payload));
                    texts.push(std::mem::take(json));
                }
            }
        }
    }
    if texts.is_empty() {
        return Ok(events);
    }
    let printed: Vec<String> = sqlx::query_scalar(
        "SELECT json::jsonb::text FROM UNNEST($1::text[]) WITH ORDINALITY AS stored(json, n) \
          ORDER BY n",
    )
    .bind(texts)
    .fetch_all(&mut *conn)
    .await?;
    if printed.len() != left.len() {
        return Err(LogError::Database(sqlx::Error::RowNotFound));
    }
    for ((index, is_payload), printed) in left.into_iter().zip(printed) {
        if let Some(event) = events.get_mut(index) {
            *(if is_payload {
                &mut event.payload
            } else {
                &mut event.metadata
            }) = printed;
        }
    }
    Ok(events)
}

/// A row with its JSON as stored; [`canonical_events`] prints it as `jsonb`.
fn canonical_event(row: &PgRow) -> Result<CanonicalEvent, LogError> {
    Ok(CanonicalEvent {
        position: position_of_row(row)?,
        event_id: row.try_get("event_id")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: row.try_get("payload_json")?,
        metadata: row.try_get("metadata_json")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

//! The readable head of the log: the last event a gap-safe reader can return right now.

use sqlx::{Executor, Postgres, Row};

use crate::log::{parse_transaction_id, LogError, LogPosition};

/// The last event of table `events`, in log order, whose transaction is older than
/// every transaction still running ([`LogPosition::START`] when there is none).
///
/// Everything up to it is final: a replay that stops there and a projector whose
/// checkpoint has passed it have both seen the same events.
pub async fn readable_head<'e, E>(executor: E) -> Result<LogPosition, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    let row = sqlx::query(
        r#"
        SELECT transaction_id::text AS transaction_id_text, global_position
          FROM events
         WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY events.transaction_id DESC, events.global_position DESC
         LIMIT 1
        "#,
    )
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else {
        return Ok(LogPosition::START);
    };
    Ok(LogPosition {
        transaction_id: parse_transaction_id(row.try_get("transaction_id_text")?)?,
        global_position: row.try_get("global_position")?,
    })
}

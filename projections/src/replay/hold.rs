//! Holding a live projector still: its row of `projector_checkpoints` locked in the
//! caller's transaction.
//!
//! A live batch takes its projector's batch lock before it writes anything
//! (`runner::checkpoint::lock_for_batch`), and so does this: while it is held the live
//! read model cannot change, and a batch that was waiting finds the checkpoint moved
//! (after a rebuild) and reloads it.

use anyhow::Context;
use sqlx::{PgConnection, Row};

use super::quoted;
use crate::log::{parse_transaction_id, LogPosition};

/// Locks the checkpoint of `projector` (creating it at the start of the log if the
/// projector never ran) and answers where it is.
pub(super) async fn hold_checkpoint(
    conn: &mut PgConnection,
    live_schema: &str,
    projector: &str,
) -> anyhow::Result<LogPosition> {
    let table = format!("{}.projector_checkpoints", quoted(live_schema));
    crate::runner::lock_for_batch(conn, projector)
        .await
        .context("taking the projector's batch lock")?;
    sqlx::query(&format!(
        "INSERT INTO {table} (projector) VALUES ($1) ON CONFLICT (projector) DO NOTHING"
    ))
    .bind(projector)
    .execute(&mut *conn)
    .await
    .context("creating the checkpoint")?;
    let row = sqlx::query(&format!(
        "SELECT transaction_id::text AS transaction_id_text, global_position \
           FROM {table} WHERE projector = $1 FOR UPDATE"
    ))
    .bind(projector)
    .fetch_one(&mut *conn)
    .await
    .context("locking the checkpoint")?;
    Ok(LogPosition {
        transaction_id: parse_transaction_id(row.try_get("transaction_id_text")?)?,
        global_position: row.try_get("global_position")?,
    })
}

/// Moves the held checkpoint of `projector` to `to`.
pub(super) async fn move_checkpoint(
    conn: &mut PgConnection,
    live_schema: &str,
    projector: &str,
    to: LogPosition,
) -> anyhow::Result<()> {
    sqlx::query(&format!(
        "UPDATE {}.projector_checkpoints \
            SET transaction_id = $2::text::xid8, global_position = $3, updated_at = now() \
          WHERE projector = $1",
        quoted(live_schema)
    ))
    .bind(projector)
    .bind(to.transaction_id.to_string())
    .bind(to.global_position)
    .execute(conn)
    .await
    .context("moving the checkpoint")?;
    Ok(())
}

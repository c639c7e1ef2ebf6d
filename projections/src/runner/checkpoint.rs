//! Table `projector_checkpoints`: how far each projector has applied the log.
//!
//! The checkpoint moves in the same transaction as the read-model changes, and only by
//! compare-and-set on the pair it was read at, so two instances that both believe they
//! are active cannot both apply the same batch.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::statement::BatchStatement;
use super::ProjectionError;
use crate::log::{parse_transaction_id, LogPosition};

/// Reads the projector's checkpoint from `projector_checkpoints`, creating it at the
/// start of the log the first time the projector runs.
pub(super) async fn load(
    pool: &PgPool,
    projector: &'static str,
) -> Result<LogPosition, ProjectionError> {
    sqlx::query(
        r#"
        INSERT INTO projector_checkpoints (projector)
        VALUES ($1)
        ON CONFLICT (projector) DO NOTHING
        "#,
    )
    .bind(projector)
    .execute(pool)
    .await
    .map_err(ProjectionError::database(projector))?;
    let row = sqlx::query(SELECT_CHECKPOINT)
        .bind(projector)
        .fetch_one(pool)
        .await
        .map_err(ProjectionError::database(projector))?;
    position_of(&row).map_err(ProjectionError::database(projector))
}

/// Whether `projector` has applied the log through `position`: what a process manager
/// reading its read model checks before trusting it to include a fact.
pub async fn checkpoint_reached(
    conn: &mut PgConnection,
    projector: &str,
    position: LogPosition,
) -> sqlx::Result<bool> {
    let row = sqlx::query(SELECT_CHECKPOINT)
        .bind(projector)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(position_of(&row)? >= position),
        None => Ok(false),
    }
}

/// Reads one projector's row of `projector_checkpoints`, for [`position_of`].
const SELECT_CHECKPOINT: &str = r#"
    SELECT transaction_id::text AS transaction_id_text, global_position
      FROM projector_checkpoints
     WHERE projector = $1
    "#;

/// The log position a `projector_checkpoints` row read by [`SELECT_CHECKPOINT`] holds
/// (the `xid8` comes as text: sqlx has no type for it).
fn position_of(row: &PgRow) -> sqlx::Result<LogPosition> {
    let transaction_id: String = row.try_get("transaction_id_text")?;
    Ok(LogPosition {
        transaction_id: parse_transaction_id(transaction_id)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        global_position: row.try_get("global_position")?,
    })
}

/// First key of the transaction-level advisory lock that one batch or rebuild of a
/// projector holds at a time ("CARB"); the leader's session lock uses another
/// namespace, so a batch never waits on its own instance's leadership.
const BATCH_LOCK_NAMESPACE: i32 = 0x4341_5242;

/// Takes the projector's batch lock until the transaction ends. Taken first by every
/// batch and every rebuild: a rebuild waits out a batch in progress (whose rows it then
/// empties), and a batch waits out a rebuild (whose moved checkpoint it then finds).
/// Unlike a row lock, it gives the transaction no id, so readers of the log are not
/// held back by it.
pub(crate) async fn lock_for_batch(conn: &mut PgConnection, projector: &str) -> sqlx::Result<()> {
    lock_batch(conn, projector, true).await
}

/// [`lock_for_batch`]; unless `flushed`, the batch's commit will not wait for the disk,
/// set in the same round trip (for this transaction only). For read models, whose lost
/// batch is applied again with its checkpoint; a statement fewer in every batch of a sale.
pub(super) async fn lock_batch(
    conn: &mut PgConnection,
    projector: &str,
    flushed: bool,
) -> sqlx::Result<()> {
    let mut query = QueryBuilder::new("");
    push_batch_lock(&mut query, projector, flushed);
    query.build().execute(conn).await?;
    Ok(())
}

/// `SELECT` the batch lock, with the unflushed commit first unless `flushed`: the one
/// text of the lock, for a statement of its own or the FROM clause of a batch's.
fn push_batch_lock(query: &mut QueryBuilder<'static, Postgres>, projector: &str, flushed: bool) {
    query.push("SELECT ");
    if !flushed {
        query.push("set_config('synchronous_commit', 'off', true), ");
    }
    query
        .push("pg_advisory_xact_lock(")
        .push_bind(BATCH_LOCK_NAMESPACE)
        .push(", hashtext(")
        .push_bind(projector.to_owned())
        .push("))");
}

/// The checkpoint's compare-and-set from `from` to `to`: the one text of it, for
/// [`advance`] and [`apply_and_advance`].
fn push_move(
    query: &mut QueryBuilder<'static, Postgres>,
    projector: &'static str,
    from: LogPosition,
    to: LogPosition,
) {
    query
        .push("UPDATE projector_checkpoints SET transaction_id = ")
        .push_bind(to.transaction_id.to_string())
        .push("::text::xid8, global_position = ")
        .push_bind(to.global_position)
        .push(", updated_at = now() WHERE projector = ")
        .push_bind(projector)
        .push(" AND transaction_id = ")
        .push_bind(from.transaction_id.to_string())
        .push("::text::xid8 AND global_position = ")
        .push_bind(from.global_position);
}

/// Moves the checkpoint in `projector_checkpoints` from `from` to `to`; false when it
/// was no longer at `from` (another instance or a rebuild moved it).
///
/// Run it last in the batch's transaction, just before the commit, under
/// [`lock_for_batch`]: run first, its write held every reader of the log back for the
/// whole batch (see `batch.rs`).
pub(super) async fn advance(
    conn: &mut PgConnection,
    projector: &'static str,
    from: LogPosition,
    to: LogPosition,
) -> Result<bool, ProjectionError> {
    let mut query = QueryBuilder::new("");
    push_move(&mut query, projector, from, to);
    let moved = query
        .build()
        .execute(conn)
        .await
        .map_err(ProjectionError::database(projector))?;
    Ok(moved.rows_affected() == 1)
}

/// The SQLSTATE `projector_checkpoint_moved()` raises (migration
/// `20261208100000_projector_checkpoint_moved.sql`).
const CHECKPOINT_MOVED: &str = "CK001";

/// Applies `statement`'s writes and moves the checkpoint from `from` to `to` under the
/// batch lock, in one statement that commits by itself; false, with nothing written, when
/// the checkpoint was no longer at `from`.
///
/// Inside the statement the FROM clause is evaluated first (the commit left unflushed
/// unless `flushed`, then the lock: a subquery kept apart by `OFFSET 0`), then the select
/// list, which moves the checkpoint and, if it had moved, raises; the writes it does not
/// read run last, after the statement's result, so a moved checkpoint rolls them back
/// before they start.
pub(super) async fn apply_and_advance(
    pool: &PgPool,
    mut statement: BatchStatement,
    projector: &'static str,
    from: LogPosition,
    to: LogPosition,
    flushed: bool,
) -> Result<bool, ProjectionError> {
    statement.part("checkpoint_moved", |query| {
        push_move(query, projector, from, to);
        query.push(" RETURNING 1");
    });
    let mut query = statement.into_query();
    query
        .push(
            " SELECT CASE WHEN (SELECT count(*) FROM checkpoint_moved) = 1 THEN true \
                          ELSE projector_checkpoint_moved(",
        )
        .push_bind(projector)
        .push(") END FROM (");
    push_batch_lock(&mut query, projector, flushed);
    query.push(" OFFSET 0) AS batch_lock");
    match query.build().execute(pool).await {
        Ok(_) => Ok(true),
        Err(error)
            if error
                .as_database_error()
                .and_then(|database| database.code())
                .is_some_and(|code| code == CHECKPOINT_MOVED) =>
        {
            Ok(false)
        }
        Err(error) => Err(ProjectionError::Database {
            projector,
            source: error,
        }),
    }
}

/// Puts the checkpoint in `projector_checkpoints` back at the start of the log.
///
/// Run under [`lock_for_batch`], taken before the caller empties the read model, so a
/// batch in progress finishes first and its rows are emptied too.
pub(super) async fn reset(
    conn: &mut PgConnection,
    projector: &'static str,
) -> Result<(), ProjectionError> {
    sqlx::query(
        r#"
        INSERT INTO projector_checkpoints (projector)
        VALUES ($1)
        ON CONFLICT (projector) DO UPDATE
            SET transaction_id = '0',
                global_position = 0,
                updated_at = now()
        "#,
    )
    .bind(projector)
    .execute(conn)
    .await
    .map_err(ProjectionError::database(projector))?;
    Ok(())
}

//! One step of a projector: the next batch of the log applied with its checkpoint, or a
//! stretch with none of its events walked without a transaction.

use std::time::Instant;

use sqlx::PgPool;
use tracing::warn;

use super::{checkpoint, Batch, ProjectionError, Projector, RunnerConfig};
use crate::log::{read_page, LogPosition};

/// What one step did.
pub(super) enum BatchOutcome {
    /// `events` were applied and committed (or walked, none being the projector's);
    /// `full` says more may be waiting right now.
    Applied { events: usize, full: bool },
    /// The checkpoint had moved under us; nothing was applied and it must be reloaded.
    Conflict,
}

/// Whether a step may leave a stretch without the projector's events unstored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Walk {
    /// An active instance: the checkpoint is stored with the next batch, when the log
    /// goes quiet, or after [`RunnerConfig::store_walked_within`], whichever comes first.
    MayDefer,
    /// A catch-up or a rebuild: every step stores the checkpoint it reached.
    Store,
}

/// Where a projector stands: its checkpoint as stored, and the rows walked past it that
/// held none of its events.
#[derive(Debug, Default)]
pub(super) struct Cursor {
    /// The stored checkpoint; `None` until loaded (again, after a conflict or an error).
    stored: Option<LogPosition>,
    /// Walked and not stored: through this row, the first of them walked at that instant.
    walked: Option<(LogPosition, Instant)>,
}

impl Cursor {
    /// Loads the checkpoint again before the next step.
    pub(super) fn forget(&mut self) {
        *self = Self::default();
    }

    /// Whether rows were walked past the stored checkpoint.
    pub(super) fn walked_unstored(&self) -> bool {
        self.walked.is_some()
    }
}

/// Applies the batch after the cursor in one transaction that also moves the checkpoint,
/// then runs the projector's `after_commit`; or, when the batch holds none of the
/// projector's events and `walk` allows it, only moves the cursor past it.
///
/// On success the cursor is past the batch. On a conflict it is cleared so the next step
/// reloads it. On an error the transaction is rolled back and nothing moved.
pub(super) async fn apply_next_batch(
    pool: &PgPool,
    projector: &dyn Projector,
    cursor: &mut Cursor,
    config: &RunnerConfig,
    walk: Walk,
) -> Result<BatchOutcome, ProjectionError> {
    let batch_size = config.batch_size;
    let name = projector.name();
    let stored = match cursor.stored {
        Some(position) => position,
        None => *cursor.stored.insert(checkpoint::load(pool, name).await?),
    };
    let from = cursor.walked.map_or(stored, |(through, _)| through);
    let page = read_page(pool, from, batch_size.get(), projector.interest()).await?;
    let events = page.events;
    let Some(to) = page.last else {
        return Ok(BatchOutcome::Applied {
            events: 0,
            full: false,
        });
    };
    let full = u32::try_from(page.rows).is_ok_and(|len| len >= batch_size.get());
    if events.is_empty() && walk == Walk::MayDefer && !projector.stores_every_stretch() {
        let since = cursor.walked.map_or_else(Instant::now, |(_, since)| since);
        if since.elapsed() < config.store_walked_within {
            cursor.walked = Some((to, since));
            return Ok(BatchOutcome::Applied {
                events: page.rows,
                full,
            });
        }
    }

    let batch = Batch {
        events: &events,
        after: from,
        through: to,
    };
    if !store(pool, projector, cursor, config, stored, to, Some(batch)).await? {
        warn!(%stored, "the checkpoint was moved by another instance; reloading it");
        return Ok(BatchOutcome::Conflict);
    }
    projector.after_commit(&events).await;
    Ok(BatchOutcome::Applied {
        events: page.rows,
        full,
    })
}

/// Stores the checkpoint at the last row the cursor walked, if it walked past it; false
/// when the stored checkpoint had moved under us (the cursor is then cleared).
pub(super) async fn store_walked(
    pool: &PgPool,
    projector: &dyn Projector,
    cursor: &mut Cursor,
    config: &RunnerConfig,
) -> Result<bool, ProjectionError> {
    let (Some(stored), Some((to, _))) = (cursor.stored, cursor.walked) else {
        return Ok(true);
    };
    store(pool, projector, cursor, config, stored, to, None).await
}

/// In one transaction, applies `batch` (when there is one) and moves the checkpoint from
/// `stored` to `to`, then moves the cursor there; false, with the cursor cleared, when the
/// checkpoint was no longer at `stored` (a rebuild or another instance went first), in
/// which case nothing is kept. A projector that writes its batch as one statement's parts
/// ([`Projector::batch_statement`]) has it sent with the lock and the checkpoint in one
/// statement instead.
async fn store(
    pool: &PgPool,
    projector: &dyn Projector,
    cursor: &mut Cursor,
    config: &RunnerConfig,
    stored: LogPosition,
    to: LogPosition,
    batch: Option<Batch<'_>>,
) -> Result<bool, ProjectionError> {
    let name = projector.name();
    let statement = match &batch {
        Some(batch) => {
            projector
                .batch_statement(batch)
                .map_err(|source| ProjectionError::Apply {
                    projector: name,
                    source,
                })?
        }
        None => None,
    };
    let flushed = config.synchronous_commit;
    let moved = match statement {
        Some(statement) => {
            checkpoint::apply_and_advance(pool, statement, name, stored, to, flushed).await?
        }
        None => store_in_transaction(pool, projector, flushed, stored, to, batch).await?,
    };
    if !moved {
        cursor.forget();
        return Ok(false);
    }
    *cursor = Cursor {
        stored: Some(to),
        walked: None,
    };
    Ok(true)
}

/// [`store`] in a transaction of its own: the lock, the projector's `apply`, the
/// checkpoint; false, rolled back, when the checkpoint was no longer at `stored`.
async fn store_in_transaction(
    pool: &PgPool,
    projector: &dyn Projector,
    flushed: bool,
    stored: LogPosition,
    to: LogPosition,
    batch: Option<Batch<'_>>,
) -> Result<bool, ProjectionError> {
    let name = projector.name();
    let mut tx = pool
        .begin()
        .await
        .map_err(ProjectionError::database(name))?;
    checkpoint::lock_batch(&mut tx, name, flushed)
        .await
        .map_err(ProjectionError::database(name))?;
    // Dropping `tx` on an error rolls back the read model and the checkpoint together.
    if let Some(batch) = batch {
        projector
            .apply(&mut tx, batch)
            .await
            .map_err(|source| ProjectionError::Apply {
                projector: name,
                source,
            })?;
    }
    // Moved last: the batch's first write gives its transaction an id, and until it
    // ends every reader of the log waits for it, so a batch holds them back only for
    // its own writes, not for the work before them (a mailer composing its emails).
    if !checkpoint::advance(&mut tx, name, stored, to).await? {
        return Ok(false);
    }
    tx.commit().await.map_err(ProjectionError::database(name))?;
    Ok(true)
}

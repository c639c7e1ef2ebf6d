//! One step of a projector: the next batch of the log applied with its checkpoint.

use sqlx::PgPool;
use tracing::warn;

use super::{checkpoint, Batch, ProjectionError, Projector, RunnerConfig};
use crate::log::{read_page, LogPosition};

/// What one step did.
pub(super) enum BatchOutcome {
    /// `events` were applied and committed; `full` says more may be waiting right now.
    Applied { events: usize, full: bool },
    /// The checkpoint had moved under us; nothing was applied and it must be reloaded.
    Conflict,
}

/// Applies the batch after `checkpoint` (loaded when `None`) in one transaction that also
/// moves the checkpoint, then runs the projector's `after_commit`.
///
/// On success `checkpoint` holds the new position. On a conflict it is cleared so the
/// next step reloads it. On an error the transaction is rolled back and nothing moved.
pub(super) async fn apply_next_batch(
    pool: &PgPool,
    projector: &dyn Projector,
    checkpoint: &mut Option<LogPosition>,
    config: &RunnerConfig,
) -> Result<BatchOutcome, ProjectionError> {
    let batch_size = config.batch_size;
    let name = projector.name();
    let from = match *checkpoint {
        Some(position) => position,
        None => *checkpoint.insert(checkpoint::load(pool, name).await?),
    };
    let page = read_page(pool, from, batch_size.get(), projector.interest()).await?;
    let events = page.events;
    let Some(to) = page.last else {
        return Ok(BatchOutcome::Applied {
            events: 0,
            full: false,
        });
    };

    let mut tx = pool
        .begin()
        .await
        .map_err(ProjectionError::database(name))?;
    let locked = match config.synchronous_commit {
        true => checkpoint::lock_for_batch(&mut tx, name).await,
        false => checkpoint::lock_for_unflushed_batch(&mut tx, name).await,
    };
    locked.map_err(ProjectionError::database(name))?;
    // Dropping `tx` on an error rolls back the read model and the checkpoint together.
    projector
        .apply(
            &mut tx,
            Batch {
                events: &events,
                after: from,
                through: to,
            },
        )
        .await
        .map_err(|source| ProjectionError::Apply {
            projector: name,
            source,
        })?;
    // Moved last: the batch's first write gives its transaction an id, and until it
    // ends every reader of the log waits for it, so a batch holds them back only for
    // its own writes, not for the work before them (a mailer composing its emails).
    // A rebuild or another instance that went first left the pair changed: roll back.
    if !checkpoint::advance(&mut tx, name, from, to).await? {
        *checkpoint = None;
        warn!(%from, "the checkpoint was moved by another instance; reloading it");
        return Ok(BatchOutcome::Conflict);
    }
    tx.commit().await.map_err(ProjectionError::database(name))?;
    *checkpoint = Some(to);

    projector.after_commit(&events).await;
    Ok(BatchOutcome::Applied {
        events: page.rows,
        full: u32::try_from(page.rows).is_ok_and(|len| len >= batch_size.get()),
    })
}

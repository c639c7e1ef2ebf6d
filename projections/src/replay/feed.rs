//! Feeding a stretch of the log to a projector: one task reads the next batch while the
//! projector applies the one before, so a replay costs about the slower of the two.

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::mpsc;

use super::{ReplayProgress, REPLAY_BATCH_SIZE};
use crate::log::{read_after, LogError, LogPosition, RecordedEvent};
use crate::runner::Projector;

/// Batches read ahead of the one being applied.
const READ_AHEAD_BATCHES: usize = 2;

/// How far a feed got.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fed {
    /// The last event applied (`from` when there was none).
    pub(super) position: LogPosition,
    /// Events read and applied.
    pub(super) events: u64,
}

/// Reads the log after `from` up to and including `until` through the gap-safe reader
/// and has `projector` apply it on `target`, one transaction (or savepoint, inside the
/// caller's transaction) per batch. `until` must be readable: a head or a checkpoint.
pub(super) async fn feed(
    log: &PgPool,
    target: &mut PgConnection,
    projector: &dyn Projector,
    from: LogPosition,
    until: LogPosition,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<Fed> {
    let mut fed = Fed {
        position: from,
        events: 0,
    };
    if from >= until {
        return Ok(fed);
    }
    let (batches, mut next) = mpsc::channel(READ_AHEAD_BATCHES);
    let reader = tokio::spawn(read_stretch(log.clone(), from, until, batches));
    while let Some(batch) = next.recv().await {
        let batch = batch.context("reading the log")?;
        let Some(last) = batch.last().map(|event| event.position) else {
            break;
        };
        let mut tx = target.begin().await.context("starting a replay batch")?;
        projector.apply(&mut tx, &batch).await.with_context(|| {
            format!(
                "projector {} refused the batch ending at {last}",
                projector.name()
            )
        })?;
        tx.commit().await.context("committing a replay batch")?;
        fed.position = last;
        fed.events += batch.len() as u64;
        progress(ReplayProgress {
            projector: projector.name(),
            events_read: fed.events,
            position: last,
            until,
        });
    }
    reader.await.context("the log reader stopped")?;
    Ok(fed)
}

/// Sends the batches after `from` up to `until` until it gets there, the readable log
/// ends, or the receiver is gone.
pub(super) async fn read_stretch(
    log: PgPool,
    mut after: LogPosition,
    until: LogPosition,
    batches: mpsc::Sender<Result<Vec<RecordedEvent>, LogError>>,
) {
    loop {
        let mut batch = match read_after(&log, after, REPLAY_BATCH_SIZE).await {
            Ok(batch) => batch,
            Err(error) => {
                let _ = batches.send(Err(error)).await;
                return;
            }
        };
        let full = batch.len() >= REPLAY_BATCH_SIZE as usize;
        batch.retain(|event| event.position <= until);
        let Some(last) = batch.last().map(|event| event.position) else {
            return;
        };
        let done = !full || last >= until;
        if batches.send(Ok(batch)).await.is_err() || done {
            return;
        }
        after = last;
    }
}

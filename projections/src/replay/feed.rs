//! Feeding a stretch of the log to a projector: one task reads the next batch while the
//! projector applies the one before, so a replay costs about the slower of the two.
//!
//! A replay's tables start empty and are never analysed by the time the projector's
//! set-based writes join a batch against them: the planner, believing them tiny, sorts
//! or scans the whole table for every batch, and a replay slows down as its tables grow
//! (a million-event replay spent most of its time there). The feed analyses them each
//! time what it applied has doubled, a handful of times in a whole replay.

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::mpsc;

use super::{quoted, ReplayProgress, REPLAY_BATCH_SIZE};
use crate::log::{read_page, Interest, LogError, LogPosition, RecordedEvent};
use crate::read_models::ReadModel;
use crate::runner::Batch;

/// Batches read ahead of the one being applied.
const READ_AHEAD_BATCHES: usize = 2;

/// Events applied before the tables are first analysed; then again each time the events
/// applied have doubled.
const FIRST_ANALYZE_AFTER: u64 = 5_000;

/// How far a feed got.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fed {
    /// The last row of the log taken into account (`from` when there was none): an event
    /// applied, or one of no interest to the projector, passed over.
    pub(super) position: LogPosition,
    /// Events read and applied.
    pub(super) events: u64,
}

/// One read-ahead batch: the events of interest, and how far the log was walked.
#[derive(Debug)]
pub(super) struct Stretch {
    /// The events of interest, in log order.
    pub(super) events: Vec<RecordedEvent>,
    /// The last row walked (of any type), never past the stretch's end.
    pub(super) reached: LogPosition,
}

/// Reads the log after `from` up to and including `until` through the gap-safe reader
/// and has `model`'s projector apply it on `target`, one transaction (or savepoint,
/// inside the caller's transaction) per batch, analysing `model`'s tables as they grow.
/// `until` must be readable: a head or a checkpoint.
pub(super) async fn feed(
    log: &PgPool,
    target: &mut PgConnection,
    model: &ReadModel,
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
    let projector = &*model.projector;
    let mut analyze_at = FIRST_ANALYZE_AFTER;
    let (batches, mut next) = mpsc::channel(READ_AHEAD_BATCHES);
    let reader = tokio::spawn(read_stretch(
        log.clone(),
        from,
        until,
        projector.interest(),
        batches,
    ));
    while let Some(batch) = next.recv().await {
        let Stretch { events, reached } = batch.context("reading the log")?;
        if !events.is_empty() {
            let mut tx = target.begin().await.context("starting a replay batch")?;
            let batch = Batch {
                events: &events,
                after: fed.position,
                through: reached,
            };
            projector.apply(&mut tx, batch).await.with_context(|| {
                format!(
                    "projector {} refused the batch ending at {reached}",
                    projector.name()
                )
            })?;
            tx.commit().await.context("committing a replay batch")?;
        }
        fed.position = reached;
        fed.events += events.len() as u64;
        if fed.events >= analyze_at {
            analyze(target, model.tables).await?;
            analyze_at = fed.events.saturating_mul(2);
        }
        progress(ReplayProgress {
            projector: projector.name(),
            events_read: fed.events,
            position: reached,
            until,
        });
    }
    reader.await.context("the log reader stopped")?;
    Ok(fed)
}

/// Refreshes the planner's statistics of `tables` (unqualified: the scratch schema's).
async fn analyze(target: &mut PgConnection, tables: &[&'static str]) -> anyhow::Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = tables.iter().map(|table| quoted(table)).collect();
    sqlx::query(&format!("ANALYZE {}", names.join(", ")))
        .execute(&mut *target)
        .await
        .with_context(|| format!("analysing {}", names.join(", ")))?;
    Ok(())
}

/// Sends the batches after `from` up to `until` until it gets there, the readable log
/// ends, or the receiver is gone. Only the events of `interest` (all with `None`) are
/// fetched whole, as the live runner does.
pub(super) async fn read_stretch(
    log: PgPool,
    mut after: LogPosition,
    until: LogPosition,
    interest: Option<Interest>,
    batches: mpsc::Sender<Result<Stretch, LogError>>,
) {
    loop {
        let page = match read_page(&log, after, REPLAY_BATCH_SIZE, interest).await {
            Ok(page) => page,
            Err(error) => {
                let _ = batches.send(Err(error)).await;
                return;
            }
        };
        let full = page.rows >= REPLAY_BATCH_SIZE as usize;
        let Some(last_row) = page.last.filter(|last| *last > after) else {
            return;
        };
        let mut events = page.events;
        events.retain(|event| event.position <= until);
        let stretch = Stretch {
            events,
            reached: last_row.min(until),
        };
        let done = !full || last_row >= until;
        if batches.send(Ok(stretch)).await.is_err() || done {
            return;
        }
        after = last_row;
    }
}

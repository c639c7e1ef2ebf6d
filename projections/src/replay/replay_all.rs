//! `replay [--verify]`: every read model rebuilt from the start of the log in a scratch
//! schema and compared row by row with the live one at the same position.

use std::time::Instant;

use anyhow::Context;
use sqlx::{Connection, PgPool};
use tracing::instrument;

use super::compare::{compare_table, Difference};
use super::feed::feed;
use super::head::readable_head;
use super::hold::hold_checkpoint;
use super::scratch::{live_schema, ScratchSchema};
use super::{quoted, ProjectorReplay, ReplayProgress};
use crate::log::LogPosition;
use crate::read_models::ReadModel;
use crate::runner::ProjectorRunner;

/// Whether a replay compares what it rebuilt with the live read models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Only replay and measure (a dry run, or a benchmark).
    ReplayOnly,
    /// Compare every rebuilt read model with the live one, row by row.
    AgainstLive,
}

/// What a replay measured and, when checked, found.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    /// The readable head of the log when the replay started: every projector was
    /// replayed to it (and a little further where the live one had gone further).
    pub head: LogPosition,
    /// Each projector's replay from the start of the log to `head`.
    pub replays: Vec<ProjectorReplay>,
    /// Every way the live read models differ from the rebuilt ones; empty when they agree
    /// (and always empty for [`Check::ReplayOnly`]).
    pub differences: Vec<Difference>,
}

/// Rebuilds every read model of `models` from the start of the log in a scratch schema
/// and, with [`Check::AgainstLive`], compares it row by row with the live one; the
/// scratch schema is dropped afterwards, whatever happened.
///
/// The replay runs to the head the log had when it started. The live projectors are then
/// caught up to at least that head (the same catch-up a running API does; safe beside
/// it), and each is held still while the replay follows it to its exact checkpoint and
/// the two are compared, so appends and projectors running meanwhile cause no false
/// difference.
#[instrument(skip_all)]
pub async fn replay(
    pool: &PgPool,
    models: &[ReadModel],
    check: Check,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<ReplayReport> {
    let live = live_schema(pool).await?;
    let tables: Vec<&'static str> = models
        .iter()
        .flat_map(|m| m.tables.iter().copied())
        .collect();
    let scratch = ScratchSchema::create(pool, &live, &tables).await?;
    let outcome = replay_in(pool, models, check, &live, &scratch, progress).await;
    let dropped = scratch.drop(pool).await;
    let report = outcome?;
    dropped?;
    Ok(report)
}

async fn replay_in(
    pool: &PgPool,
    models: &[ReadModel],
    check: Check,
    live: &str,
    scratch: &ScratchSchema,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<ReplayReport> {
    let head = readable_head(pool)
        .await
        .context("reading the log's head")?;
    let mut target = scratch.connect(pool).await?;
    let mut replays = Vec::new();
    let mut reached = Vec::new();
    for model in models {
        let started = Instant::now();
        let fed = feed(pool, &mut target, model, LogPosition::START, head, progress).await?;
        let elapsed = started.elapsed();
        replays.push(ProjectorReplay {
            projector: model.name(),
            events_read: fed.events,
            rows_written: scratch.rows(&mut target, model.tables).await?,
            elapsed,
        });
        reached.push(fed.position);
    }
    target.close().await.ok();

    let mut differences = Vec::new();
    let compared = if check == Check::AgainstLive {
        reached
    } else {
        Vec::new()
    };
    for (model, replayed_to) in models.iter().zip(compared) {
        ProjectorRunner::default()
            .catch_up(pool, &*model.projector)
            .await
            .with_context(|| format!("catching the live {} projector up", model.name()))?;
        differences.extend(compare_held(pool, model, live, scratch, replayed_to, progress).await?);
    }
    Ok(ReplayReport {
        head,
        replays,
        differences,
    })
}

/// Holds the live projector still, follows it to its checkpoint in the scratch schema
/// and compares; the transaction is rolled back, so the live side is left as it was.
async fn compare_held(
    pool: &PgPool,
    model: &ReadModel,
    live: &str,
    scratch: &ScratchSchema,
    replayed_to: LogPosition,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<Vec<Difference>> {
    let name = model.name();
    let mut tx = pool.begin().await.context("starting the comparison")?;
    let checkpoint = hold_checkpoint(&mut tx, live, name).await?;
    anyhow::ensure!(
        checkpoint >= replayed_to,
        "the live {name} projector is at {checkpoint}, behind the replay at {replayed_to} \
         (was it reset meanwhile?); run the verification again"
    );
    sqlx::query(&format!(
        "SET LOCAL search_path TO {}",
        quoted(&scratch.name)
    ))
    .execute(&mut *tx)
    .await
    .context("aiming the comparison at the scratch schema")?;
    feed(pool, &mut tx, model, replayed_to, checkpoint, progress).await?;
    let mut differences = Vec::new();
    for table in model.tables {
        let volatile = model.volatile_columns_of(table);
        differences.extend(compare_table(&mut tx, live, &scratch.name, table, &volatile).await?);
    }
    tx.rollback().await.context("ending the comparison")?;
    Ok(differences)
}

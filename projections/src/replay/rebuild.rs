//! `projections rebuild NAME`: one live read model rebuilt beside itself and swapped in.
//!
//! The model is built in a scratch schema up to the log's head while the live one keeps
//! serving and the live projector keeps running. Then one short transaction holds the
//! live projector still (its checkpoint row), applies the few events appended since,
//! replaces the live rows with the rebuilt ones and moves the checkpoint to where the
//! rebuild got. Readers see the old rows until that commit (MVCC: a `DELETE` and an
//! `INSERT … SELECT` block no reader) and the new ones after; the live projector, which
//! was waiting on the checkpoint row, finds it moved and carries on from there. The
//! tables themselves stay (their indexes, foreign keys and names as the migrations made
//! them); only their rows are swapped.

use std::time::Instant;

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use tracing::{info, instrument};

use super::compare::{compare_table, Difference};
use super::feed::feed;
use super::head::readable_head;
use super::hold::{hold_checkpoint, move_checkpoint};
use super::scratch::{live_schema, ScratchSchema};
use super::{quoted, ProjectorReplay, ReplayProgress};
use crate::cache::{CacheScope, ResponseCache};
use crate::log::LogPosition;
use crate::read_models::ReadModel;
use crate::runner::ProjectorRunner;

/// A read model rebuilt beside the live one, not swapped in yet.
#[derive(Debug)]
pub struct RebuildInProgress {
    pool: PgPool,
    model: ReadModel,
    live: String,
    scratch: ScratchSchema,
    position: LogPosition,
    replay: ProjectorReplay,
}

/// What a rebuild did.
#[derive(Debug, Clone)]
pub struct RebuildReport {
    /// The replay beside the live model, from the start of the log.
    pub replay: ProjectorReplay,
    /// Events applied in the swapping transaction (appended during the replay).
    pub caught_up: u64,
    /// Where the live checkpoint now is.
    pub position: LogPosition,
    /// What was wrong in the live read model, compared at the same position (nothing,
    /// if it was right); events appended meanwhile are not counted as changes.
    pub changed: Vec<Difference>,
}

/// Builds `model` from the start of the log in a scratch schema, up to the log's
/// readable head; the live read model is untouched. Finish with
/// [`RebuildInProgress::swap_in`].
#[instrument(skip_all, fields(projector = model.name()))]
pub async fn start_rebuild(
    pool: &PgPool,
    model: &ReadModel,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<RebuildInProgress> {
    let live = live_schema(pool).await?;
    let scratch = ScratchSchema::create(pool, &live, model.tables).await?;
    match build_beside(pool, model, &scratch, progress).await {
        Ok((position, replay)) => Ok(RebuildInProgress {
            pool: pool.clone(),
            model: model.clone(),
            live,
            scratch,
            position,
            replay,
        }),
        Err(error) => {
            scratch.drop(pool).await.ok();
            Err(error)
        }
    }
}

async fn build_beside(
    pool: &PgPool,
    model: &ReadModel,
    scratch: &ScratchSchema,
    progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
) -> anyhow::Result<(LogPosition, ProjectorReplay)> {
    let started = Instant::now();
    let mut target = scratch.connect(pool).await?;
    let head = readable_head(pool)
        .await
        .context("reading the log's head")?;
    let mut fed = feed(pool, &mut target, model, LogPosition::START, head, progress).await?;
    // The first pass may have taken a while: a second one leaves the swap less to do.
    let head = readable_head(pool)
        .await
        .context("reading the log's head")?;
    let more = feed(pool, &mut target, model, fed.position, head, progress).await?;
    fed.events += more.events;
    fed.position = more.position;
    let replay = ProjectorReplay {
        projector: model.name(),
        events_read: fed.events,
        rows_written: scratch.rows(&mut target, model.tables).await?,
        elapsed: started.elapsed(),
    };
    target.close().await.ok();
    Ok((fed.position, replay))
}

impl RebuildInProgress {
    /// Where the rebuilt model has got to.
    pub fn position(&self) -> LogPosition {
        self.position
    }

    /// Catches the live projector up, then in one transaction: holds it still, brings
    /// the rebuilt model to the live one's position and compares them (what the swap
    /// changes is what was wrong), applies the rest of what was appended since the
    /// replay, replaces the live rows with the rebuilt ones and moves the live checkpoint
    /// there. Then invalidates the cached responses of what changed and drops the
    /// scratch schema.
    #[instrument(skip_all, fields(projector = self.model.name()))]
    pub async fn swap_in(
        self,
        cache: Option<&ResponseCache>,
        progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
    ) -> anyhow::Result<RebuildReport> {
        let outcome = self.swap(progress).await;
        self.scratch.drop(&self.pool).await.ok();
        let (caught_up, position, changed) = outcome?;
        info!(
            caught_up,
            changed = changed.len(),
            %position,
            "swapped the rebuilt read model in"
        );
        if let Some(cache) = cache {
            invalidate_changed(cache, &changed).await;
        }
        Ok(RebuildReport {
            replay: self.replay,
            caught_up,
            position,
            changed,
        })
    }

    async fn swap(
        &self,
        progress: &(dyn Fn(ReplayProgress<'_>) + Send + Sync),
    ) -> anyhow::Result<(u64, LogPosition, Vec<Difference>)> {
        let name = self.model.name();
        let projector = &*self.model.projector;
        // The live projector at (or past) the rebuild's position, so the comparison
        // below shows what was wrong with it, not how far it lagged.
        ProjectorRunner::default()
            .catch_up(&self.pool, projector)
            .await
            .with_context(|| format!("catching the live {name} projector up"))?;
        let mut tx = self.pool.begin().await.context("starting the swap")?;
        // First, as a live batch does: from here the live read model cannot change.
        let live_at = hold_checkpoint(&mut tx, &self.live, name).await?;
        let head = readable_head(&mut *tx)
            .await
            .context("reading the log's head")?;
        sqlx::query(&format!(
            "SET LOCAL search_path TO {}",
            quoted(&self.scratch.name)
        ))
        .execute(&mut *tx)
        .await
        .context("aiming the catch-up at the scratch schema")?;
        let compared_at = live_at.max(self.position);
        let to_live = feed(
            &self.pool,
            &mut tx,
            &self.model,
            self.position,
            compared_at,
            progress,
        )
        .await?;
        let mut changed = Vec::new();
        for table in self.model.tables {
            let volatile = self.model.volatile_columns_of(table);
            changed.extend(
                compare_table(&mut tx, &self.live, &self.scratch.name, table, &volatile).await?,
            );
        }
        let to_head = feed(
            &self.pool,
            &mut tx,
            &self.model,
            compared_at,
            head,
            progress,
        )
        .await?;
        self.copy_rows(&mut tx).await?;
        move_checkpoint(&mut tx, &self.live, name, to_head.position).await?;
        tx.commit().await.context("committing the swap")?;
        Ok((to_live.events + to_head.events, to_head.position, changed))
    }

    /// Replaces every live row with the rebuilt ones: children emptied first, parents
    /// filled first, so foreign keys hold throughout.
    async fn copy_rows(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        for table in self.model.tables.iter().rev() {
            sqlx::query(&format!(
                "DELETE FROM {}.{}",
                quoted(&self.live),
                quoted(table)
            ))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("emptying the live {table}"))?;
        }
        for table in self.model.tables {
            let live_table = format!("{}.{}", quoted(&self.live), quoted(table));
            let columns = stored_columns(conn, &live_table).await?;
            sqlx::query(&format!(
                "INSERT INTO {live_table} ({columns}) SELECT {columns} FROM {}.{}",
                quoted(&self.scratch.name),
                quoted(table)
            ))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("filling the live {table}"))?;
        }
        Ok(())
    }
}

/// The columns of `table` a row can be written with: all but generated ones, quoted.
async fn stored_columns(conn: &mut PgConnection, table: &str) -> anyhow::Result<String> {
    let columns: Vec<String> = sqlx::query_scalar(
        r#"
        SELECT attname::text
          FROM pg_attribute
         WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped
           AND attgenerated = ''
         ORDER BY attnum
        "#,
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the columns of {table}"))?;
    Ok(columns
        .iter()
        .map(|column| quoted(column))
        .collect::<Vec<_>>()
        .join(", "))
}

/// Makes the cached responses built from changed rows stale: the detail of each event a
/// changed row belongs to, and the listing.
async fn invalidate_changed(cache: &ResponseCache, changed: &[Difference]) {
    if changed.is_empty() {
        return;
    }
    let mut events: Vec<_> = changed.iter().filter_map(|d| d.event_id).collect();
    events.sort();
    events.dedup();
    cache
        .invalidate_all(
            events
                .into_iter()
                .map(CacheScope::Event)
                .chain([CacheScope::Listing]),
        )
        .await;
}

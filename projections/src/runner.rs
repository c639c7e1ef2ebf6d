//! Projector tasks: each keeps one read model up to date from the event log.
//!
//! Every API process runs a [`ProjectorRunner`] per projector; a PostgreSQL advisory lock
//! picks one active instance, the others stand by. The active one applies the log in
//! batches, each in one transaction (or one statement, [`BatchStatement`]) together with
//! its checkpoint, so a crash never loses or doubles an event in a read model that lives
//! in PostgreSQL.

mod active;
mod batch;
mod checkpoint;
pub use checkpoint::checkpoint_reached;
pub(crate) mod lock;
mod progress;
mod statement;
mod wakeup;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument};

use crate::log::{Interest, LogError, LogPosition, RecordedEvent};
use batch::{apply_next_batch, BatchOutcome, Cursor, Walk};
pub(crate) use checkpoint::lock_for_batch;
pub use progress::{log_progress, LogProgress, ProjectorProgress};
pub use statement::BatchStatement;

/// Turns events of the log into changes of one read model.
#[async_trait]
pub trait Projector: Send + Sync + 'static {
    /// The projector's stable name: its checkpoint row and its lock are keyed on it, so
    /// renaming a projector makes it start over from the beginning of the log.
    fn name(&self) -> &'static str;

    /// The events this projector reads; `None` (the default) for every event. The runner
    /// still walks every row of the log in order and moves the checkpoint past them all,
    /// but fetches whole and hands over only these.
    fn interest(&self) -> Option<Interest> {
        None
    }

    /// Writes the read-model changes caused by `batch` in the caller's transaction,
    /// which also moves the checkpoint past it.
    ///
    /// Events come in log order. The log holds every aggregate's events: ignore the
    /// event types this read model does not need. An error rolls the whole batch back;
    /// the runner retries it later, so a change kept outside PostgreSQL must be
    /// idempotent.
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()>;

    /// The changes of `batch` as one statement's parts, which the runner completes with
    /// its lock and the checkpoint's move and sends in one round trip instead of
    /// [`apply`](Self::apply)'s transaction; `None` (the default) to be given the
    /// transaction. For a read model followed closely, whose batches must not wait for
    /// a core once per statement during a rush.
    fn batch_statement(&self, _batch: &Batch<'_>) -> anyhow::Result<Option<BatchStatement>> {
        Ok(None)
    }

    /// Whether each stretch of the log the runner walks is applied and stored as the
    /// checkpoint, even one that holds none of the projector's events: the sealer reads
    /// each stretch itself, and the checkpoints of the sales page's read models are read
    /// as how far they applied the log (the buyer notices wait for the orders read model
    /// to reach an event's change; a reconciliation notes a sales page behind its facts).
    /// Otherwise (the default) an active runner walks such a stretch without a
    /// transaction and stores the checkpoint later (see
    /// [`RunnerConfig::store_walked_within`]).
    fn stores_every_stretch(&self) -> bool {
        false
    }

    /// Runs after the batch's transaction committed, e.g. to invalidate caches.
    ///
    /// Best effort: a crash right after the commit skips it, so caches still need a TTL.
    async fn after_commit(&self, _events: &[RecordedEvent]) {}
}

/// One batch handed to [`Projector::apply`]: the events of the projector's interest, and
/// the stretch of the log they were read from.
///
/// The stretch is final (the gap-safe reader returned it): a projector that reads the
/// log in another form, as the sealer does, reads exactly `(after, through]` and finds
/// every row the runner walked, no more.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// The events of interest, in log order.
    pub events: &'a [RecordedEvent],
    /// The last row before the batch: the checkpoint the batch starts from.
    pub after: LogPosition,
    /// The batch's last row, of any type: where the checkpoint moves to.
    pub through: LogPosition,
}

/// Why a catch-up or a rebuild stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The event log could not be read.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A transaction or the projector's checkpoint failed.
    #[error("the database failed while running projector {projector}")]
    Database {
        /// The projector being run.
        projector: &'static str,
        /// What the database said.
        #[source]
        source: sqlx::Error,
    },
    /// The projector refused a batch; nothing of it was applied.
    #[error("projector {projector} failed to apply a batch")]
    Apply {
        /// The projector being run.
        projector: &'static str,
        /// What the projector said.
        #[source]
        source: anyhow::Error,
    },
    /// Emptying the read model for a rebuild failed; nothing was reset.
    #[error("emptying the read model of projector {projector} failed")]
    Reset {
        /// The projector being rebuilt.
        projector: &'static str,
        /// What the reset said.
        #[source]
        source: anyhow::Error,
    },
}

impl ProjectionError {
    fn database(projector: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { projector, source }
    }
}

/// Default number of events applied per transaction.
pub const DEFAULT_BATCH_SIZE: NonZeroU32 = match NonZeroU32::new(500) {
    Some(size) => size,
    None => NonZeroU32::MIN,
};
/// Default time between reads when no notification arrives.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Default delay of the first re-poll after a notification.
pub const DEFAULT_NOTIFY_REPOLL_DELAY: Duration = Duration::from_millis(50);
/// Default number of re-polls after a notification.
pub const DEFAULT_NOTIFY_REPOLLS: u32 = 5;
/// Default longest time an active instance walks the log without storing its checkpoint:
/// far below what the projector lag alert waits for (30 s), and dozens of a sale's pages.
pub const DEFAULT_STORE_WALKED_WITHIN: Duration = Duration::from_secs(1);
/// Default time a standby waits between attempts to take the lock.
pub const DEFAULT_LOCK_RETRY_INTERVAL: Duration = Duration::from_secs(5);
/// Default first wait after a failed batch.
pub const DEFAULT_ERROR_BACKOFF_MIN: Duration = Duration::from_millis(250);
/// Default longest wait between retries of a failing batch.
pub const DEFAULT_ERROR_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// How a [`ProjectorRunner`] paces itself.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Events applied per transaction; a full batch is followed by the next at once.
    pub batch_size: NonZeroU32,
    /// Time between reads when no notification arrives (the fallback).
    pub poll_interval: Duration,
    /// Delay of the first re-poll after a notification, because the notified rows are
    /// not readable while an older transaction is still open.
    pub notify_repoll_delay: Duration,
    /// Re-polls after a notification, each delay twice the one before (capped at the
    /// poll interval); then reads fall back to the poll interval.
    pub notify_repolls: u32,
    /// Time a standby waits between attempts to take the lock.
    pub lock_retry_interval: Duration,
    /// First wait after a failed batch; it doubles on each further failure.
    pub error_backoff_min: Duration,
    /// Longest wait between retries of a failing batch.
    pub error_backoff_max: Duration,
    /// How long a notified projector lets appends accumulate before it reads: zero for
    /// read models that people see at once; longer for a projector whose lag may be
    /// larger, so that it applies one big batch instead of one per commit.
    pub settle_after_notify: Duration,
    /// Whether a batch's commit waits for its WAL to reach the disk. Turning it off is
    /// safe for a read model kept only in PostgreSQL: a batch lost in a crash is lost
    /// together with its checkpoint and applied again. It frees the flash sale's appends
    /// from sharing every projector's disk flushes. Keep it on for a projector whose
    /// batches cause effects outside the database (an email queued by a lost batch would
    /// be queued, and sent, again).
    pub synchronous_commit: bool,
    /// How long an active instance may walk stretches of the log that hold none of the
    /// projector's events before it stores its checkpoint; it stores it sooner when the
    /// log goes quiet (a read finds nothing new in time). During a sale, every commit
    /// woke each of nine projectors, and the ones with nothing to apply still took a
    /// transaction to move their checkpoints: a commit each (flushed, for the mailers),
    /// and a transaction id that held every reader of the log back while it was open.
    /// Zero stores it with every stretch. Rows walked and not stored are walked again by
    /// the next instance, which finds nothing in them either.
    pub store_walked_within: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            poll_interval: DEFAULT_POLL_INTERVAL,
            notify_repoll_delay: DEFAULT_NOTIFY_REPOLL_DELAY,
            notify_repolls: DEFAULT_NOTIFY_REPOLLS,
            lock_retry_interval: DEFAULT_LOCK_RETRY_INTERVAL,
            error_backoff_min: DEFAULT_ERROR_BACKOFF_MIN,
            error_backoff_max: DEFAULT_ERROR_BACKOFF_MAX,
            settle_after_notify: Duration::ZERO,
            synchronous_commit: true,
            store_walked_within: DEFAULT_STORE_WALKED_WITHIN,
        }
    }
}

/// Runs projectors: as a long-lived task ([`ProjectorRunner::spawn`]) or once up to the
/// end of the readable log ([`ProjectorRunner::catch_up`], [`ProjectorRunner::rebuild`]).
#[derive(Debug, Clone, Default)]
pub struct ProjectorRunner {
    config: RunnerConfig,
    sessions: Option<PgConnectOptions>,
}

impl ProjectorRunner {
    /// A runner paced by `config`.
    pub fn new(config: RunnerConfig) -> Self {
        Self {
            config,
            sessions: None,
        }
    }

    /// Takes the lock and listens for appends on connections made with `sessions`
    /// instead of the pool's options: both need a session of their own, which a pool
    /// going through a transaction pooler (PgBouncer) does not give. Batches still go
    /// through the pool.
    pub fn with_sessions(mut self, sessions: PgConnectOptions) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Starts [`ProjectorRunner::run`] on the runtime.
    pub fn spawn(
        self,
        pool: PgPool,
        projector: Arc<dyn Projector>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        tokio::spawn(self.run(pool, projector, shutdown))
    }

    /// Keeps `projector` up to date until `shutdown` is cancelled.
    ///
    /// Stands by until it holds the projector's advisory lock (on a connection of its
    /// own), then applies the log as it grows. Errors are logged and retried with
    /// backoff; losing the lock connection sends it back to standing by. On shutdown it
    /// finishes the batch in hand, releases the lock and returns.
    #[instrument(skip_all, fields(projector = projector.name()))]
    pub async fn run(
        self,
        pool: PgPool,
        projector: Arc<dyn Projector>,
        shutdown: CancellationToken,
    ) {
        let sessions = self
            .sessions
            .unwrap_or_else(|| (*pool.connect_options()).clone());
        active::run(&self.config, &pool, sessions, &*projector, &shutdown).await;
    }

    /// Applies everything readable after the projector's checkpoint and returns how many
    /// events that was.
    ///
    /// It takes no lock: the checkpoint's compare-and-set keeps it correct next to a
    /// running instance, each batch being applied by exactly one of them. Events held
    /// back behind a transaction that is still open are left for a later call.
    #[instrument(skip_all, fields(projector = projector.name()))]
    pub async fn catch_up(
        &self,
        pool: &PgPool,
        projector: &dyn Projector,
    ) -> Result<u64, ProjectionError> {
        let mut cursor = Cursor::default();
        let mut applied = 0;
        loop {
            match apply_next_batch(pool, projector, &mut cursor, &self.config, Walk::Store).await? {
                BatchOutcome::Applied { events, full } => {
                    applied += events as u64;
                    if !full {
                        return Ok(applied);
                    }
                }
                BatchOutcome::Conflict => {}
            }
        }
    }

    /// Rebuilds the read model: in one transaction `reset` empties it and the checkpoint
    /// goes back to the start of the log, then the whole log is applied again.
    ///
    /// `reset` receives the transaction's connection, e.g.
    /// `|conn| Box::pin(async move { sqlx::query("DELETE FROM seat_map").execute(conn).await?; Ok(()) })`.
    /// A running instance notices the moved checkpoint and carries on from the start
    /// alongside; each batch is still applied once.
    #[instrument(skip_all, fields(projector = projector.name()))]
    pub async fn rebuild<F>(
        &self,
        pool: &PgPool,
        projector: &dyn Projector,
        reset: F,
    ) -> Result<u64, ProjectionError>
    where
        F: for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, anyhow::Result<()>>,
    {
        let name = projector.name();
        info!("rebuilding the read model from the start of the log");
        let mut tx = pool
            .begin()
            .await
            .map_err(ProjectionError::database(name))?;
        // The batch lock first: it waits out a batch in progress, whose rows are then
        // emptied with the rest.
        checkpoint::lock_for_batch(&mut tx, name)
            .await
            .map_err(ProjectionError::database(name))?;
        checkpoint::reset(&mut tx, name).await?;
        reset(&mut tx)
            .await
            .map_err(|source| ProjectionError::Reset {
                projector: name,
                source,
            })?;
        tx.commit().await.map_err(ProjectionError::database(name))?;
        let applied = self.catch_up(pool, projector).await?;
        info!(applied, "rebuilt the read model");
        Ok(applied)
    }
}

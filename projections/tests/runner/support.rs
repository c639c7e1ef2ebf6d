//! The test projector and the queries the runner tests share.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use carneau_projections::{Batch, LogPosition, Projector, RecordedEvent, RunnerConfig};
use carneau_testkit::TestDatabase;
use serde::Deserialize;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgExecutor, PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

pub const PROJECTOR: &str = "recorder";
pub const KNOWN_EVENT_TYPE: &str = "TestAppended";
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The payload of the events this test projector knows.
#[derive(Deserialize)]
struct TestAppended {
    n: i64,
}

/// Records in table `seen` which runner applied each known event and how many times.
pub struct Recorder {
    /// The projector's name (its checkpoint and lock): [`PROJECTOR`] unless renamed.
    projector: &'static str,
    runner: &'static str,
    failures_left: AtomicUsize,
    /// Calls of `apply`, failed or not.
    pub attempts: AtomicUsize,
    /// Events passed to `after_commit`.
    pub after_commit_events: AtomicUsize,
}

impl Recorder {
    pub fn new(runner: &'static str) -> Self {
        Self::failing(runner, 0)
    }

    pub fn failing(runner: &'static str, failures: usize) -> Self {
        Self {
            projector: PROJECTOR,
            runner,
            failures_left: AtomicUsize::new(failures),
            attempts: AtomicUsize::new(0),
            after_commit_events: AtomicUsize::new(0),
        }
    }

    /// The same recorder as another projector, with its own checkpoint and lock.
    pub fn renamed(mut self, projector: &'static str) -> Self {
        self.projector = projector;
        self
    }
}

#[async_trait]
impl Projector for Recorder {
    fn name(&self) -> &'static str {
        self.projector
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        self.attempts.fetch_add(1, Ordering::SeqCst);
        for event in events.iter().filter(|e| e.event_type == KNOWN_EVENT_TYPE) {
            let payload: TestAppended = event.decode()?;
            sqlx::query(
                "INSERT INTO seen (event_id, runner, n, applied) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (event_id) DO UPDATE SET applied = seen.applied + 1",
            )
            .bind(event.event_id)
            .bind(self.runner)
            .bind(payload.n)
            .execute(&mut **tx)
            .await?;
        }
        // Fails after writing, as a crash between apply and commit would.
        let fail = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        anyhow::ensure!(!fail, "simulated crash before commit");
        Ok(())
    }

    async fn after_commit(&self, events: &[RecordedEvent]) {
        self.after_commit_events
            .fetch_add(events.len(), Ordering::SeqCst);
    }
}

pub fn quick_config() -> RunnerConfig {
    RunnerConfig {
        // Small batches, so a few dozen events take several transactions.
        batch_size: NonZeroU32::new(4).unwrap(),
        poll_interval: Duration::from_millis(200),
        notify_repoll_delay: Duration::from_millis(20),
        notify_repolls: 5,
        lock_retry_interval: Duration::from_millis(100),
        error_backoff_min: Duration::from_millis(50),
        error_backoff_max: Duration::from_millis(500),
        settle_after_notify: Duration::ZERO,
        // As the API runs its read models: commits that do not wait for the disk, and
        // rows of no interest walked for a moment before the checkpoint is stored.
        synchronous_commit: false,
        store_walked_within: carneau_projections::runner::DEFAULT_STORE_WALKED_WITHIN,
    }
}

pub async fn database() -> TestDatabase {
    // The runner's decisions show up in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("carneau_projections=debug")
        .with_test_writer()
        .try_init();
    let db = TestDatabase::create().await.unwrap();
    sqlx::query(
        "CREATE TABLE seen (
             event_id uuid PRIMARY KEY,
             runner text NOT NULL,
             n bigint NOT NULL,
             applied int NOT NULL
         )",
    )
    .execute(db.pool())
    .await
    .unwrap();
    db
}

pub async fn append_typed(db: impl PgExecutor<'_>, event_type: &str, stream: &str, n: i64) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO events
             (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('TestStream', $1, $2, $3, '1.0', $4, '{}')
         RETURNING event_id",
    )
    .bind(stream)
    .bind(n)
    .bind(event_type)
    .bind(serde_json::json!({ "n": n }))
    .fetch_one(db)
    .await
    .unwrap()
}

/// Appends a known event stamped with a made-up (long finished) transaction id.
pub async fn append_as_transaction(pool: &PgPool, transaction_id: u64, stream: &str) {
    sqlx::query(
        "INSERT INTO events
             (aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
              metadata, transaction_id)
         VALUES ('TestStream', $1, 0, $2, '1.0', '{\"n\": 0}', '{}', $3::text::xid8)",
    )
    .bind(stream)
    .bind(KNOWN_EVENT_TYPE)
    .bind(transaction_id.to_string())
    .execute(pool)
    .await
    .unwrap();
}

pub async fn append(db: impl PgExecutor<'_>, stream: &str, n: i64) -> Uuid {
    append_typed(db, KNOWN_EVENT_TYPE, stream, n).await
}

pub async fn position_of(pool: &PgPool, sql: &str) -> Option<LogPosition> {
    sqlx::query(sql)
        .fetch_optional(pool)
        .await
        .unwrap()
        .map(|row| LogPosition {
            transaction_id: row.get::<String, _>(0).parse().unwrap(),
            global_position: row.get(1),
        })
}

pub async fn checkpoint(pool: &PgPool) -> Option<LogPosition> {
    position_of(
        pool,
        "SELECT transaction_id::text, global_position FROM projector_checkpoints
          WHERE projector = 'recorder'",
    )
    .await
}

pub async fn last_in_log(pool: &PgPool) -> Option<LogPosition> {
    position_of(
        pool,
        "SELECT transaction_id::text, global_position FROM events
          ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
    )
    .await
}

/// (rows in `seen`, sum of their applications, largest application count)
pub async fn seen_totals(pool: &PgPool) -> (i64, i64, i32) {
    let row = sqlx::query(
        "SELECT count(*), coalesce(sum(applied), 0)::bigint, coalesce(max(applied), 0) FROM seen",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

pub async fn applied_count(pool: &PgPool, event_id: Uuid) -> Option<i32> {
    sqlx::query_scalar("SELECT applied FROM seen WHERE event_id = $1")
        .bind(event_id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

pub async fn runners_seen(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT DISTINCT runner FROM seen ORDER BY runner")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Polls `check` until it holds; panics after a generous timeout.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A pool of its own, as another API process would have.
pub async fn process_pool(db: &TestDatabase) -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .connect_with(db.connect_options())
        .await
        .unwrap()
}

pub async fn wait_for_rows(pool: &PgPool, rows: i64) {
    eventually(&format!("{rows} events applied"), || async {
        seen_totals(pool).await.0 >= rows
    })
    .await;
}

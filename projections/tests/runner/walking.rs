//! Stretches of the log that hold none of a projector's events: walked without a
//! transaction each, the checkpoint stored once the log goes quiet.

use std::sync::Arc;
use std::time::Duration;

use carneau_projections::{Batch, Interest, Projector, ProjectorRunner, RunnerConfig};
use sqlx::{Postgres, Transaction};
use tokio_util::sync::CancellationToken;

use super::support::*;

const PICKY: &str = "picky";

/// Wants one event type the test never appends.
struct Picky;

#[async_trait::async_trait]
impl Projector for Picky {
    fn name(&self) -> &'static str {
        PICKY
    }

    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[],
            event_types: &["NeverAppended"],
            metadata: false,
        })
    }

    async fn apply(
        &self,
        _tx: &mut Transaction<'_, Postgres>,
        _batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Counts the writes of `PICKY`'s checkpoint row in `checkpoint_writes`.
async fn count_checkpoint_writes(pool: &sqlx::PgPool) {
    for statement in [
        "CREATE TABLE checkpoint_writes (written_at timestamptz NOT NULL DEFAULT now())",
        "CREATE FUNCTION count_checkpoint_write() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN INSERT INTO checkpoint_writes DEFAULT VALUES; RETURN NEW; END $$",
        "CREATE TRIGGER checkpoint_written AFTER UPDATE ON projector_checkpoints \
         FOR EACH ROW WHEN (NEW.projector = 'picky') EXECUTE FUNCTION count_checkpoint_write()",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
}

async fn stored_checkpoint(pool: &sqlx::PgPool) -> Option<carneau_projections::LogPosition> {
    position_of(
        pool,
        "SELECT transaction_id::text, global_position FROM projector_checkpoints
          WHERE projector = 'picky'",
    )
    .await
}

/// Ten commits of a sale, each waking the projector: none holds its events, and its
/// checkpoint is written once, when the log goes quiet, not once per commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_of_no_interest_are_walked_and_the_checkpoint_stored_once_quiet() {
    let db = database().await;
    let pool = db.pool();
    count_checkpoint_writes(pool).await;
    let config = RunnerConfig {
        // Quiet means 400 ms without a commit: far longer than the 30 ms between them,
        // however slow the machine.
        notify_repoll_delay: Duration::from_millis(400),
        store_walked_within: Duration::from_secs(60),
        ..quick_config()
    };
    let stop = CancellationToken::new();
    let task = ProjectorRunner::new(config).spawn(pool.clone(), Arc::new(Picky), stop.clone());
    eventually("the projector started", || async {
        stored_checkpoint(pool).await.is_some()
    })
    .await;

    for n in 0..10 {
        append(pool, "sale", n).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let head = last_in_log(pool).await;
    eventually("the checkpoint stored at the head", || async {
        stored_checkpoint(pool).await == head
    })
    .await;
    let writes: i64 = sqlx::query_scalar("SELECT count(*) FROM checkpoint_writes")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        writes <= 2,
        "{writes} checkpoint writes for 10 commits walked"
    );

    stop.cancel();
    task.await.unwrap();
}

//! Batches written as one statement (`Projector::batch_statement`): applied with their
//! checkpoint all or nothing, like a batch in a transaction.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use carneau_projections::{
    Batch, BatchStatement, LogPosition, Projector, ProjectorRunner, RecordedEvent,
};
use carneau_testkit::TestDatabase;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::support::*;

const ONE_STATEMENT: &str = "one-statement";

/// Records each event it is given in `seen`, as parts of one statement; when told to,
/// moves its own checkpoint to the end of the log first, as a rebuild or another instance
/// would between the batch's read and its write.
struct OneStatement {
    move_checkpoint_first: AtomicBool,
    sessions: PgConnectOptions,
}

impl OneStatement {
    /// Moves this projector's checkpoint past every event, on a connection of its own
    /// (`batch_statement` is not async: a thread with a runtime of its own).
    fn move_checkpoint_to_the_end(&self) {
        let sessions = self.sessions.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let mut conn = PgConnection::connect_with(&sessions).await.unwrap();
                    sqlx::query(
                        "UPDATE projector_checkpoints
                            SET (transaction_id, global_position) =
                                (SELECT transaction_id, global_position FROM events
                                  ORDER BY transaction_id DESC, global_position DESC LIMIT 1)
                          WHERE projector = $1",
                    )
                    .bind(ONE_STATEMENT)
                    .execute(&mut conn)
                    .await
                    .unwrap();
                });
        })
        .join()
        .unwrap();
    }
}

#[async_trait]
impl Projector for OneStatement {
    fn name(&self) -> &'static str {
        ONE_STATEMENT
    }

    async fn apply(
        &self,
        _tx: &mut Transaction<'_, Postgres>,
        _batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        anyhow::bail!("a projector with a batch statement is not given a transaction")
    }

    fn batch_statement(&self, batch: &Batch<'_>) -> anyhow::Result<Option<BatchStatement>> {
        if self.move_checkpoint_first.swap(false, Ordering::SeqCst) {
            self.move_checkpoint_to_the_end();
        }
        let ids: Vec<Uuid> = batch.events.iter().map(|event| event.event_id).collect();
        let mut statement = BatchStatement::default();
        statement.part("recorded", |query| {
            query
                .push("INSERT INTO seen (event_id, runner, n, applied) SELECT id, ")
                .push_bind(ONE_STATEMENT)
                .push(", 0, 1 FROM unnest(")
                .push_bind(ids)
                .push("::uuid[]) AS id");
        });
        Ok(Some(statement))
    }

    async fn after_commit(&self, _events: &[RecordedEvent]) {}
}

async fn recorded(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM seen WHERE runner = $1")
        .bind(ONE_STATEMENT)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn checkpoint_of(db: &TestDatabase) -> Option<LogPosition> {
    position_of(
        db.pool(),
        &format!(
            "SELECT transaction_id::text AS transaction_id_text, global_position
               FROM projector_checkpoints WHERE projector = '{ONE_STATEMENT}'"
        ),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_in_one_statement_is_applied_with_its_checkpoint() {
    let db = database().await;
    for n in 0..10 {
        append(db.pool(), "one-statement", n).await;
    }
    let projector = OneStatement {
        move_checkpoint_first: AtomicBool::new(false),
        sessions: db.connect_options(),
    };
    let runner = ProjectorRunner::new(quick_config());
    eventually("every event recorded once", || async {
        runner.catch_up(db.pool(), &projector).await.unwrap();
        recorded(&db).await == 10
    })
    .await;
    assert_eq!(checkpoint_of(&db).await, last_in_log(db.pool()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_in_one_statement_whose_checkpoint_moved_writes_nothing() {
    let db = database().await;
    for n in 0..3 {
        append(db.pool(), "moved-under", n).await;
    }
    let projector = OneStatement {
        move_checkpoint_first: AtomicBool::new(true),
        sessions: db.connect_options(),
    };
    eventually("the checkpoint at the end of the log", || async {
        ProjectorRunner::new(quick_config())
            .catch_up(db.pool(), &projector)
            .await
            .unwrap();
        checkpoint_of(&db).await == last_in_log(db.pool()).await
    })
    .await;

    // The first batch found its checkpoint moved (at the end: nothing left to apply), so
    // its writes went with it; a commit of them would have recorded its events.
    assert!(!projector.move_checkpoint_first.load(Ordering::SeqCst));
    assert_eq!(recorded(&db).await, 0);
}

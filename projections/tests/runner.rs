//! The projector runner against a real PostgreSQL: gap safety, a single active writer,
//! notification wake-ups, crash recovery and rebuilds.

#[path = "runner/one_statement.rs"]
mod one_statement;
#[path = "runner/support.rs"]
mod support;
#[path = "runner/walking.rs"]
mod walking;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use carneau_projections::{
    checkpoint_reached, read_after, read_page, Interest, LogPosition, ProjectionError, Projector,
    ProjectorRunner, RunnerConfig,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_committing_late_is_not_skipped() {
    let db = database().await;
    let pool = db.pool();
    let runner = ProjectorRunner::new(quick_config());
    let projector = Recorder::new("gap");

    // A takes the lower position, B commits first.
    let mut a = pool.begin().await.unwrap();
    let first = append(&mut *a, "a", 0).await;
    let mut b = pool.begin().await.unwrap();
    let second = append(&mut *b, "b", 0).await;
    b.commit().await.unwrap();

    // A reader keyed on the position alone would take B now and never go back for A.
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(visible, 1);
    assert_eq!(runner.catch_up(pool, &projector).await.unwrap(), 0);
    assert_eq!(seen_totals(pool).await, (0, 0, 0));
    assert_eq!(checkpoint(pool).await, Some(LogPosition::START));

    a.commit().await.unwrap();
    // Unrelated transactions elsewhere on the server may hold the horizon a moment.
    eventually("both events applied", || async {
        runner.catch_up(pool, &projector).await.unwrap();
        seen_totals(pool).await.0 == 2
    })
    .await;
    assert_eq!(applied_count(pool, first).await, Some(1));
    assert_eq!(applied_count(pool, second).await, Some(1));
    assert_eq!(checkpoint(pool).await, last_in_log(pool).await);

    // The log puts A first: its transaction took its id first, whatever the commit order.
    let log = read_after(pool, LogPosition::START, 10).await.unwrap();
    let order: Vec<Uuid> = log.iter().map(|event| event.event_id).collect();
    assert_eq!(order, vec![first, second]);
    assert!(log[0].position < log[1].position);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_ordered_by_transaction_number_not_text_or_position() {
    let db = database().await;
    let pool = db.pool();
    // Positions rise in this order, and as text "10" < "100" < "9".
    for (transaction_id, stream) in [(100, "c"), (10, "b"), (9, "a")] {
        append_as_transaction(pool, transaction_id, stream).await;
    }

    let log = read_after(pool, LogPosition::START, 10).await.unwrap();
    let order: Vec<u64> = log.iter().map(|e| e.position.transaction_id).collect();
    assert_eq!(order, vec![9, 10, 100]);

    // Paging with the pair as the cursor walks the same order.
    let mut paged = Vec::new();
    let mut after = LogPosition::START;
    while let Some(event) = read_after(pool, after, 1).await.unwrap().pop() {
        after = event.position;
        paged.push(event.position.transaction_id);
    }
    assert_eq!(paged, vec![9, 10, 100]);

    let runner = ProjectorRunner::new(quick_config());
    assert_eq!(
        runner
            .catch_up(pool, &Recorder::new("order"))
            .await
            .unwrap(),
        3
    );
    assert_eq!(checkpoint(pool).await, Some(log[2].position));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_instance_applies_and_a_standby_takes_over() {
    let db = database().await;
    let (north_pool, south_pool) = (process_pool(&db).await, process_pool(&db).await);
    let (north_stop, south_stop) = (CancellationToken::new(), CancellationToken::new());
    let north = ProjectorRunner::new(quick_config()).spawn(
        north_pool.clone(),
        Arc::new(Recorder::new("north")),
        north_stop.clone(),
    );
    let south = ProjectorRunner::new(quick_config()).spawn(
        south_pool.clone(),
        Arc::new(Recorder::new("south")),
        south_stop.clone(),
    );

    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let pool = db.pool().clone();
            tokio::spawn(async move {
                for n in 0..10 {
                    append(&pool, &format!("stream-{writer}"), n).await;
                    // Spread over many wake-ups, so two active instances would both get
                    // batches to apply.
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let pool = db.pool();
    wait_for_rows(pool, 40).await;
    assert_eq!(seen_totals(pool).await, (40, 40, 1));
    let active = runners_seen(pool).await;
    assert_eq!(active.len(), 1, "applied by {active:?}");
    // The leader holds its lock session; the standby keeps none open between attempts
    // (it connects for a moment every 100 ms here, so some samples may catch it).
    let mut fewest_lock_sessions = i64::MAX;
    for _ in 0..10 {
        let sessions: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'carneau projector lock ' || $1",
        )
        .bind(PROJECTOR)
        .fetch_one(pool)
        .await
        .unwrap();
        fewest_lock_sessions = fewest_lock_sessions.min(sessions);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(fewest_lock_sessions, 1, "lock sessions open at every look");

    let (active_stop, active_task, standby_stop, standby_task, standby) = if active[0] == "north" {
        (north_stop, north, south_stop, south, "south")
    } else {
        (south_stop, south, north_stop, north, "north")
    };
    active_stop.cancel();
    tokio::time::timeout(PATIENCE, active_task)
        .await
        .unwrap()
        .unwrap();

    let mut later = Vec::new();
    for n in 0..10 {
        later.push(append(pool, "after-failover", n).await);
    }
    wait_for_rows(pool, 50).await;
    assert_eq!(seen_totals(pool).await, (50, 50, 1));
    for event_id in later {
        let runner: String = sqlx::query_scalar("SELECT runner FROM seen WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(runner, standby);
    }
    assert_eq!(checkpoint(pool).await, last_in_log(pool).await);

    standby_stop.cancel();
    tokio::time::timeout(PATIENCE, standby_task)
        .await
        .unwrap()
        .unwrap();
    north_pool.close().await;
    south_pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_wakes_every_projector_through_one_listening_connection() {
    let db = database().await;
    let pool = db.pool();
    // Re-polls after a notification end about 6 s later; then only the 10-minute poll
    // (or another notification) would read the log again.
    let config = RunnerConfig {
        poll_interval: Duration::from_secs(600),
        notify_repoll_delay: Duration::from_millis(50),
        notify_repolls: 7,
        ..quick_config()
    };
    let stop = CancellationToken::new();
    let tasks: Vec<_> = ["recorder-a", "recorder-b", "recorder-c"]
        .into_iter()
        .map(|projector| {
            ProjectorRunner::new(config.clone()).spawn(
                pool.clone(),
                Arc::new(Recorder::new("listener").renamed(projector)),
                stop.clone(),
            )
        })
        .collect();
    let warm_up = append(pool, "warm-up", 0).await;
    eventually("the warm-up applied by all three", || async {
        applied_count(pool, warm_up).await == Some(3)
    })
    .await;
    // One connection listens for the three of them (one each used to hold three of
    // PostgreSQL's connections for the same message).
    let listening: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
          WHERE datname = current_database()
            AND application_name = 'carneau projector listener'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(listening, 1);
    // Let the warm-up's re-polls run out, so only a notification can explain a read.
    tokio::time::sleep(Duration::from_secs(8)).await;

    let woken = append(pool, "wake", 0).await;
    eventually("the appended event applied by all three", || async {
        applied_count(pool, woken).await == Some(3)
    })
    .await;

    stop.cancel();
    for task in tasks {
        tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_commit_applies_nothing_and_is_retried() {
    let db = database().await;
    let pool = db.pool();
    let runner = ProjectorRunner::new(quick_config());
    let projector = Recorder::failing("crashing", 1);
    append(pool, "s", 0).await;
    append(pool, "s", 1).await;
    // Transactions of other tests on the server may hold the log back a moment.
    eventually("both events readable", || async {
        read_after(pool, LogPosition::START, 10)
            .await
            .unwrap()
            .len()
            == 2
    })
    .await;

    let failure = runner.catch_up(pool, &projector).await.unwrap_err();
    assert!(
        matches!(failure, ProjectionError::Apply { .. }),
        "{failure:?}"
    );
    assert_eq!(seen_totals(pool).await, (0, 0, 0));
    assert_eq!(checkpoint(pool).await, Some(LogPosition::START));
    assert_eq!(projector.after_commit_events.load(Ordering::SeqCst), 0);

    eventually("both events applied", || async {
        runner.catch_up(pool, &projector).await.unwrap();
        seen_totals(pool).await.0 == 2
    })
    .await;
    assert_eq!(seen_totals(pool).await, (2, 2, 1));
    assert_eq!(checkpoint(pool).await, last_in_log(pool).await);
    assert_eq!(projector.after_commit_events.load(Ordering::SeqCst), 2);

    // The long-running task survives a failing batch the same way.
    let projector = Arc::new(Recorder::failing("crashing", 2));
    let stop = CancellationToken::new();
    let task = ProjectorRunner::new(quick_config()).spawn(
        pool.clone(),
        Arc::clone(&projector) as Arc<dyn Projector>,
        stop.clone(),
    );
    append(pool, "s", 2).await;
    wait_for_rows(pool, 3).await;
    assert_eq!(seen_totals(pool).await, (3, 3, 1));
    assert_eq!(projector.attempts.load(Ordering::SeqCst), 3);
    stop.cancel();
    tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_applies_the_whole_log_once_into_an_emptied_model() {
    let db = database().await;
    let pool = db.pool();
    let runner = ProjectorRunner::new(quick_config());
    let mut known = Vec::new();
    for n in 0..9 {
        known.push(append(pool, "s", n).await);
    }
    // An event type the projector does not know is passed over, not an error.
    append_typed(pool, "SomethingElse", "other", 0).await;
    eventually("the log applied", || async {
        runner
            .catch_up(pool, &Recorder::new("first"))
            .await
            .unwrap();
        checkpoint(pool).await == last_in_log(pool).await
    })
    .await;
    assert_eq!(seen_totals(pool).await, (9, 9, 1));
    // Damage the read model, as a bug in an earlier version of the projector would.
    sqlx::query("UPDATE seen SET applied = 7, runner = 'buggy'")
        .execute(pool)
        .await
        .unwrap();

    let rebuilt = runner
        .rebuild(pool, &Recorder::new("rebuild"), |conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM seen").execute(conn).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert_eq!(
        rebuilt, 10,
        "every event of the log, known or not, went through"
    );
    assert_eq!(seen_totals(pool).await, (9, 9, 1));
    assert_eq!(runners_seen(pool).await, vec!["rebuild".to_owned()]);
    assert_eq!(checkpoint(pool).await, last_in_log(pool).await);
    for event_id in known {
        assert_eq!(applied_count(pool, event_id).await, Some(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_lock_connection_sends_the_instance_back_to_standby() {
    let db = database().await;
    let pool = db.pool();
    let stop = CancellationToken::new();
    let task = ProjectorRunner::new(quick_config()).spawn(
        pool.clone(),
        Arc::new(Recorder::new("solo")),
        stop.clone(),
    );
    append(pool, "s", 0).await;
    wait_for_rows(pool, 1).await;

    let terminated: bool = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory'
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(terminated);

    for n in 1..6 {
        append(pool, "s", n).await;
    }
    wait_for_rows(pool, 6).await;
    assert_eq!(seen_totals(pool).await, (6, 6, 1));
    // The instance checks its lock about once a second, not before every batch: it may
    // apply a few batches before it notices and takes the lock again.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let holders: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks
              WHERE locktype = 'advisory' AND granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if holders == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the instance did not take the lock again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    stop.cancel();
    tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_with_an_interest_walks_every_row_but_gets_only_its_events() {
    let db = database().await;
    let pool = db.pool();
    let other = |event_type: &'static str| async move {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO events
                 (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ('OtherStream', $1, 0, $2, '1.0', '{}', '{}')
             RETURNING event_id",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(event_type)
        .fetch_one(pool)
        .await
        .unwrap();
        id
    };
    let of_its_type = append(pool, "a", 0).await;
    other("Plain").await;
    let named = other("Special").await;
    other("Plain").await;
    let interest = Interest {
        aggregate_types: &["TestStream"],
        event_types: &["Special"],
        metadata: true,
    };
    // The horizon is the whole server's: a transaction open in another test's database
    // holds our rows back for a moment.
    eventually("the four rows readable", || async {
        read_after(pool, LogPosition::START, 10)
            .await
            .unwrap()
            .len()
            == 4
    })
    .await;

    let page = read_page(pool, LogPosition::START, 10, Some(interest))
        .await
        .unwrap();
    let ids: Vec<Uuid> = page.events.iter().map(|event| event.event_id).collect();
    assert_eq!(ids, vec![of_its_type, named]);
    assert_eq!(page.rows, 4);
    assert_eq!(
        page.last,
        last_in_log(pool).await,
        "the cursor passes every row"
    );

    // Paged two rows at a time, the same events come, each once, and the pages end where
    // the log does.
    let mut paged = Vec::new();
    let mut after = LogPosition::START;
    loop {
        let page = read_page(pool, after, 2, Some(interest)).await.unwrap();
        paged.extend(page.events.iter().map(|event| event.event_id));
        match page.last {
            Some(last) => after = last,
            None => break,
        }
    }
    assert_eq!(paged, vec![of_its_type, named]);
    assert_eq!(Some(after), last_in_log(pool).await);

    // Without an interest, everything.
    let all = read_page(pool, LogPosition::START, 10, None).await.unwrap();
    assert_eq!(all.events.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_gets_the_events_metadata_only_if_its_interest_asks_for_it() {
    let db = database().await;
    let pool = db.pool();
    sqlx::query(
        "INSERT INTO events
             (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('TestStream', 'who', 1, 'Plain', '1.0', '{}', '{\"actor\": \"a buyer\"}')",
    )
    .execute(pool)
    .await
    .unwrap();
    eventually("the row readable", || async {
        read_after(pool, LogPosition::START, 10)
            .await
            .unwrap()
            .len()
            == 1
    })
    .await;
    let metadata_read = |metadata: bool| async move {
        let interest = Interest {
            aggregate_types: &["TestStream"],
            event_types: &[],
            metadata,
        };
        let page = read_page(pool, LogPosition::START, 10, Some(interest))
            .await
            .unwrap();
        assert_eq!(page.events.len(), 1);
        page.events[0].metadata.clone()
    };

    assert_eq!(
        metadata_read(true).await,
        serde_json::json!({"actor": "a buyer"})
    );
    assert_eq!(metadata_read(false).await, serde_json::Value::Null);
    let all = read_page(pool, LogPosition::START, 10, None).await.unwrap();
    assert_eq!(
        all.events[0].metadata,
        serde_json::json!({"actor": "a buyer"})
    );
}

/// Records, for each batch, whether its transaction's commit waits for the disk.
struct CommitWatcher(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl Projector for CommitWatcher {
    fn name(&self) -> &'static str {
        "commit-watcher"
    }

    async fn apply(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        _batch: carneau_projections::Batch<'_>,
    ) -> anyhow::Result<()> {
        let setting: String = sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
            .fetch_one(&mut **tx)
            .await?;
        self.0.lock().unwrap().push(setting);
        Ok(())
    }
}

#[tokio::test]
async fn a_read_model_runner_commits_without_waiting_for_the_disk_and_others_wait() {
    let db = database().await;
    let pool = db.pool();
    append(pool, "commit", 0).await;
    // Another test's open transaction may hold the event back for a moment.
    for (synchronous_commit, expected) in [(false, "off"), (true, "on")] {
        let watcher = CommitWatcher(Default::default());
        let runner = ProjectorRunner::new(RunnerConfig {
            synchronous_commit,
            ..quick_config()
        });
        eventually("a batch applied", || async {
            runner.catch_up(pool, &watcher).await.unwrap() > 0
        })
        .await;
        assert!(
            watcher
                .0
                .lock()
                .unwrap()
                .iter()
                .all(|setting| setting == expected),
            "synchronous_commit {synchronous_commit}: {:?}",
            watcher.0.lock().unwrap()
        );
        sqlx::query("DELETE FROM projector_checkpoints WHERE projector = 'commit-watcher'")
            .execute(pool)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoint_reached_reads_the_position_the_runner_stored() {
    let db = database().await;
    let pool = db.pool();
    let runner = ProjectorRunner::new(quick_config());
    let projector = Recorder::new("reached");
    append(pool, "a", 0).await;
    let last = append(pool, "a", 1).await;
    let mut conn = pool.acquire().await.unwrap();

    // A projector that never ran has reached nothing.
    assert!(
        !checkpoint_reached(&mut conn, PROJECTOR, LogPosition::START)
            .await
            .unwrap()
    );
    eventually("both events applied", || async {
        runner.catch_up(pool, &projector).await.unwrap();
        applied_count(pool, last).await == Some(1)
    })
    .await;
    let stored = checkpoint(pool).await.unwrap();
    assert_eq!(Some(stored), last_in_log(pool).await);
    for (position, reached) in [
        (LogPosition::START, true),
        (stored, true),
        (
            LogPosition {
                global_position: stored.global_position + 1,
                ..stored
            },
            false,
        ),
        (
            LogPosition {
                transaction_id: stored.transaction_id + 1,
                global_position: 0,
            },
            false,
        ),
    ] {
        assert_eq!(
            checkpoint_reached(&mut conn, PROJECTOR, position)
                .await
                .unwrap(),
            reached,
            "{position:?}"
        );
    }
}

/// Works on its first batch until told to go on, writing nothing meanwhile: as the
/// tickets mailer composes its emails before it queues them.
struct SlowComposer {
    working: tokio::sync::Notify,
    go_on: tokio::sync::Notify,
    first: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Projector for SlowComposer {
    fn name(&self) -> &'static str {
        "slow-composer"
    }

    async fn apply(
        &self,
        _tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        _batch: carneau_projections::Batch<'_>,
    ) -> anyhow::Result<()> {
        if self.first.swap(false, Ordering::SeqCst) {
            self.working.notify_one();
            self.go_on.notified().await;
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_holds_the_log_back_only_while_it_writes() {
    let db = database().await;
    let pool = db.pool();
    append(pool, "composing", 0).await;
    let composer = Arc::new(SlowComposer {
        working: tokio::sync::Notify::new(),
        go_on: tokio::sync::Notify::new(),
        first: std::sync::atomic::AtomicBool::new(true),
    });
    let batch = {
        let (pool, composer) = (pool.clone(), composer.clone());
        tokio::spawn(async move {
            let runner = ProjectorRunner::new(quick_config());
            // Another test's open transaction may hold the first event back a moment.
            loop {
                if runner.catch_up(&pool, composer.as_ref()).await.unwrap() > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    composer.working.notified().await;

    // Appended while the batch works: readers of the log see it at once. Had the batch
    // moved its checkpoint first, its transaction would hold it back until it ended.
    let appended = append(pool, "composing", 1).await;
    eventually("the event appended during the batch readable", || async {
        read_after(pool, LogPosition::START, 10)
            .await
            .unwrap()
            .iter()
            .any(|event| event.event_id == appended)
    })
    .await;

    composer.go_on.notify_one();
    batch.await.unwrap();
}

//! Replays into a scratch schema against a real PostgreSQL: the projector writes only
//! there and its `after_commit` never runs; a difference from the live read model is
//! named by table, key and column; a table the read model does not declare fails the
//! replay instead of being written live; the scratch schema never outlives the replay.

// The runner tests' projector and queries; this file uses only some of them.
#[path = "runner/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use carneau_projections::read_models::{Following, ReadModel};
use carneau_projections::replay::{readable_head, replay, Check};
use carneau_projections::ProjectorRunner;
use sqlx::PgPool;

use support::*;

/// Ten events in the log, all readable and applied by the live `recorder`.
async fn live_recorder(pool: &PgPool) -> Arc<Recorder> {
    for n in 1..=10 {
        append(pool, "stream-a", n).await;
    }
    let last = last_in_log(pool).await;
    eventually("the log readable to its end", || async {
        Some(readable_head(pool).await.unwrap()) == last
    })
    .await;
    let recorder = Arc::new(Recorder::new("live"));
    ProjectorRunner::default()
        .catch_up(pool, &*recorder)
        .await
        .unwrap();
    assert_eq!(seen_totals(pool).await, (10, 10, 1));
    recorder
}

async fn scratch_schemas(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'replay\\_%'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_writes_only_its_scratch_schema_and_names_each_live_difference() {
    let db = database().await;
    let pool = db.pool();
    let recorder = live_recorder(pool).await;
    let after_commits = recorder.after_commit_events.load(Ordering::SeqCst);
    sqlx::query("UPDATE seen SET n = 99 WHERE n = 3")
        .execute(pool)
        .await
        .unwrap();
    let model = ReadModel {
        projector: recorder.clone(),
        tables: &["seen"],
        volatile_columns: &[("seen", "runner")],
        following: Following::InBatches,
    };

    let report = replay(pool, &[model], Check::AgainstLive, &|_| {})
        .await
        .unwrap();

    assert_eq!(report.replays.len(), 1);
    assert_eq!(report.replays[0].events_read, 10);
    assert_eq!(report.replays[0].rows_written, 10);
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    let difference = &report.differences[0];
    assert_eq!(difference.table, "seen");
    assert!(difference.key.starts_with("event_id="), "{difference}");
    assert_eq!(
        (
            difference.column.as_str(),
            difference.live.as_str(),
            difference.rebuilt.as_str()
        ),
        ("n", "99", "3")
    );
    // The live table is as it was, no cache step ran, and the scratch schema is gone.
    assert_eq!(seen_totals(pool).await, (10, 10, 1));
    let corrupted: i64 = sqlx::query_scalar("SELECT count(*) FROM seen WHERE n = 99")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(corrupted, 1);
    assert_eq!(
        recorder.after_commit_events.load(Ordering::SeqCst),
        after_commits
    );
    assert_eq!(scratch_schemas(pool).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_the_read_model_does_not_declare_fails_the_replay_untouched() {
    let db = database().await;
    let pool = db.pool();
    let recorder = live_recorder(pool).await;
    let undeclared = ReadModel {
        projector: recorder,
        tables: &[],
        volatile_columns: &[],
        following: Following::InBatches,
    };

    let error = replay(pool, &[undeclared], Check::ReplayOnly, &|_| {})
        .await
        .unwrap_err();

    assert!(
        format!("{error:#}").contains("\"seen\" does not exist"),
        "{error:#}"
    );
    assert_eq!(seen_totals(pool).await, (10, 10, 1));
    assert_eq!(scratch_schemas(pool).await, 0);
}

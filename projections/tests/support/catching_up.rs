//! Running a projector until it has applied the whole log, shared by the projector tests.

use std::time::Duration;

use carneau_projections::{Projector, ProjectorRunner};
use sqlx::PgPool;

/// How long a test waits for the readable horizon to pass the log's end.
const PATIENCE: Duration = Duration::from_secs(60);

/// Catches `projector` up until every event of the log is applied: a transaction open
/// elsewhere on the server (another test's) can hold the readable horizon back for a
/// moment.
pub async fn project(pool: &PgPool, projector: &dyn Projector) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        ProjectorRunner::default()
            .catch_up(pool, projector)
            .await
            .unwrap();
        let done: bool = sqlx::query_scalar(
            "SELECT coalesce((SELECT global_position FROM projector_checkpoints
                               WHERE projector = $1), 0)
                  = coalesce((SELECT max(global_position) FROM events), 0)",
        )
        .bind(projector.name())
        .fetch_one(pool)
        .await
        .unwrap();
        if done {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

//! The event log refuses edits at the source, and the sealer's chain survives a crash:
//! a batch that fails before its commit leaves neither seals nor a moved checkpoint, and
//! the next instance continues the chain with no gap.

#[path = "support/catching_up.rs"]
mod catching_up;
#[allow(dead_code)]
#[path = "runner/support.rs"]
mod runner_support;

use std::time::Duration;

use async_trait::async_trait;
use carneau_projections::seals::{verify_log, Sealer, Verdict, VerifyOptions, SEALER_NAME};
use carneau_projections::{Batch, Interest, Projector, ProjectorRunner};
use sqlx::{Postgres, Transaction};

use catching_up::project;
use runner_support::{append, database};

/// SQLSTATE `restrict_violation`, which the append-only triggers raise.
const REFUSED: &str = "23001";

#[tokio::test]
async fn the_log_refuses_update_delete_and_truncate() {
    let db = database().await;
    let event_id = append(db.pool(), "stream-a", 0).await;

    for statement in [
        "UPDATE events SET payload = '{\"n\": 99}' WHERE event_id = $1",
        "DELETE FROM events WHERE event_id = $1",
    ] {
        let error = sqlx::query(statement)
            .bind(event_id)
            .execute(db.pool())
            .await
            .unwrap_err();
        let error = error.as_database_error().unwrap();
        assert_eq!(error.code().as_deref(), Some(REFUSED), "{statement}");
        assert!(
            error.message().contains("append-only"),
            "{}",
            error.message()
        );
    }
    let error = sqlx::query("TRUNCATE events")
        .execute(db.pool())
        .await
        .unwrap_err();
    let error = error.as_database_error().unwrap();
    assert_eq!(error.code().as_deref(), Some(REFUSED));
    assert!(error.message().contains("TRUNCATE"), "{}", error.message());

    let n: i64 =
        sqlx::query_scalar("SELECT (payload ->> 'n')::bigint FROM events WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(n, 0, "the event is unchanged");
}

/// The sealer, except that every batch fails after writing its seals, as a crash between
/// the writes and the commit would.
struct CrashingSealer;

#[async_trait]
impl Projector for CrashingSealer {
    fn name(&self) -> &'static str {
        SEALER_NAME
    }

    fn interest(&self) -> Option<Interest> {
        Sealer.interest()
    }

    fn stores_every_stretch(&self) -> bool {
        Sealer.stores_every_stretch()
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        Sealer.apply(tx, batch).await?;
        anyhow::bail!("simulated crash before commit")
    }
}

async fn ordinals(pool: &sqlx::PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT ordinal FROM event_seals ORDER BY transaction_id, global_position")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_crashed_sealer_continues_the_chain_without_a_gap() {
    let db = database().await;
    let pool = db.pool();
    for n in 0..5 {
        append(pool, "before-crash", n).await;
    }
    project(pool, &Sealer).await;
    assert_eq!(ordinals(pool).await, (1..=5).collect::<Vec<_>>());

    for n in 0..4 {
        append(pool, "after-crash", n).await;
    }
    // Another test's open transaction may hold the new events back for a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match ProjectorRunner::default()
            .catch_up(pool, &CrashingSealer)
            .await
        {
            Err(_) => break,
            Ok(0) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Ok(applied) => panic!("the crashing sealer committed {applied} events"),
        }
    }
    assert_eq!(
        ordinals(pool).await,
        (1..=5).collect::<Vec<_>>(),
        "nothing kept"
    );

    // Restarted: a new instance picks the chain up at the committed checkpoint.
    project(pool, &Sealer).await;
    assert_eq!(ordinals(pool).await, (1..=9).collect::<Vec<_>>());
    let verdict = verify_log(pool, VerifyOptions::default(), &mut |_| {})
        .await
        .unwrap();
    let Verdict::Intact(intact) = verdict else {
        panic!("{verdict:?}")
    };
    assert_eq!((intact.sealed, intact.unsealed), (9, 0));
}

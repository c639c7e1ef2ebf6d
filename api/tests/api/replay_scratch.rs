//! A killed `carneau replay` leaves its `replay_<random>` scratch schema behind. Each
//! replay holds its scratch schema's lock while it runs, so the next replay drops the
//! schemas whose lock it can take (their replay is gone) and keeps those of replays
//! still running.

use carneau_projections::replay::lock_scratch_schema;
use carneau_testkit::{TestDatabase, TestRedis};
use sqlx::{Connection, PgConnection, PgPool};

use crate::support::cli::carneau;

/// The `replay_*` schemas of `pool`'s database, by name.
async fn scratch_schemas(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        r"SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'replay\_%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_replay_drops_the_scratch_schemas_of_replays_that_are_gone_and_keeps_running_ones() {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let pool = database.pool();
    // Left by a killed replay: a schema with a table in it, and nobody holding its lock.
    let stale = "replay_0123456789ab";
    // A replay still running elsewhere: its session holds the lock.
    let running = "replay_ba9876543210";
    for name in [stale, running] {
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(&format!(
            "CREATE UNLOGGED TABLE {name}.orders (LIKE public.orders)"
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    let mut replaying = PgConnection::connect_with(&database.connect_options())
        .await
        .unwrap();
    assert!(lock_scratch_schema(&mut replaying, running).await.unwrap());

    let replayed = carneau(&database, &redis, &[], &["replay"]).await;
    let stderr = String::from_utf8_lossy(&replayed.stderr);
    assert!(replayed.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "dropped scratch schema {stale}, left by a replay that is gone"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(running), "{stderr}");
    // The replay's own scratch schema is gone too; the running one's stays.
    assert_eq!(scratch_schemas(pool).await, vec![running.to_owned()]);

    // Once that replay ends (its session closes), the next replay drops it.
    replaying.close().await.unwrap();
    let replayed = carneau(&database, &redis, &[], &["replay"]).await;
    assert!(replayed.status.success());
    assert!(scratch_schemas(pool).await.is_empty());
}

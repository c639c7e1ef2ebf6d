//! Test databases: each test's own, and those of killed runs cleared by the next run.

use carneau_testkit::{server_url, TestDatabase};
use sqlx::{ConnectOptions, PgConnection};

async fn admin() -> PgConnection {
    let options: sqlx::postgres::PgConnectOptions = server_url().parse().unwrap();
    options.connect().await.unwrap()
}

async fn exists(admin: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(admin)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_killed_runs_databases_are_dropped_by_the_next_run_and_a_live_runs_are_kept() {
    let mut admin = admin().await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    // As a run killed a day ago, and one started a minute ago, would have left them.
    let day_ago = unix_now() - 24 * 60 * 60;
    let abandoned = format!("carneau_test_{day_ago}_{suffix}");
    let running = format!("carneau_test_{}_{suffix}", unix_now() - 60);
    for name in [&abandoned, &running] {
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .unwrap();
    }

    let database = TestDatabase::create().await.unwrap();
    assert!(database.name().starts_with("carneau_test_"));
    assert!(
        !exists(&mut admin, &abandoned).await,
        "the abandoned database is still there"
    );
    assert!(
        exists(&mut admin, &running).await,
        "a running test's database was dropped"
    );

    let name = database.name().to_owned();
    drop(database);
    assert!(
        !exists(&mut admin, &name).await,
        "the test's own database outlived it"
    );
    sqlx::query(&format!(r#"DROP DATABASE "{running}""#))
        .execute(&mut admin)
        .await
        .unwrap();
}

fn unix_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

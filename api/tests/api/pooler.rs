//! Behind PgBouncer in transaction mode: request traffic goes through the pooler, while
//! what needs a session of its own (the leaders' advisory locks, `LISTEN`) connects
//! directly (`CARNEAU_DATABASE_SESSION_URL`).
//!
//! Run by `scripts/test` in its PgBouncer step (`scripts/lib/pgbouncer.sh`), with
//! `CARNEAU_TEST_POOLER_URL` set; that step also runs the reservation and payment tests
//! through the pooler. Ignored otherwise: without a pooler there is nothing to show.

use std::time::Duration;

use reqwest::StatusCode;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};

use crate::support::reservations::http::spawn_reservation_app;
use crate::support::reservations::rush::poll_until;

/// PgBouncer's admin console (the `pgbouncer` database), which speaks only the simple
/// query protocol.
async fn admin_console() -> PgConnection {
    let pooler = carneau_testkit::pooler_url()
        .expect("run by scripts/test behind PgBouncer, with CARNEAU_TEST_POOLER_URL set");
    let options: PgConnectOptions = pooler.parse().unwrap();
    PgConnection::connect_with(&options.database("pgbouncer").extra_float_digits(None))
        .await
        .unwrap()
}

/// Transactions PgBouncer has carried to `database` so far (`SHOW STATS`).
async fn pooled_transactions(database: &str) -> i64 {
    let mut console = admin_console().await;
    let rows = sqlx::raw_sql("SHOW STATS")
        .fetch_all(&mut console)
        .await
        .unwrap();
    console.close().await.ok();
    rows.iter()
        .find(|row| row.try_get::<String, _>("database").ok().as_deref() == Some(database))
        // A NUMERIC sent as text (the console answers in the simple protocol).
        .and_then(|row| row.try_get_unchecked::<String, _>("total_xact_count").ok())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

/// The application names of PgBouncer's clients on `database` (`SHOW CLIENTS`).
async fn pooled_clients(database: &str) -> Vec<String> {
    let mut console = admin_console().await;
    let rows = sqlx::raw_sql("SHOW CLIENTS")
        .fetch_all(&mut console)
        .await
        .unwrap();
    console.close().await.ok();
    rows.iter()
        .filter(|row| row.try_get::<String, _>("database").ok().as_deref() == Some(database))
        .map(|row| {
            row.try_get::<String, _>("application_name")
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PgBouncer: run by scripts/test with CARNEAU_TEST_POOLER_URL"]
async fn requests_go_through_pgbouncer_while_locks_and_listening_stay_direct() {
    let app = spawn_reservation_app(&[]).await;
    let database = app.database.name().to_owned();
    let before = pooled_transactions(&database).await;

    let event = app.create_published_event(5, 5).await;
    let held = app
        .http()
        .reserve(event.event_id, &[(event.ticket_type_id, 2)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);

    // The projectors lead (their locks taken) and hear the appends (LISTEN): the public
    // page shows the hold without waiting for a poll.
    poll_until(
        "the hold on the public page",
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async {
            let detail = app.http().public_event(event.event_id).await?;
            let held = detail.ticket_types.first()?.availability.held;
            (held == 2).then_some(())
        },
    )
    .await;

    // PgBouncer adds up its statistics every `stats_period` (1 s in the test's set-up).
    poll_until(
        "PgBouncer's count of the event's and the hold's transactions",
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async { (pooled_transactions(&database).await - before >= 3).then_some(()) },
    )
    .await;

    // Every leader's lock is held on a direct session, none through the pooler.
    let direct_locks: Vec<String> = sqlx::query_scalar(
        "SELECT application_name FROM pg_stat_activity \
         WHERE datname = $1 AND application_name LIKE 'carneau projector lock %'",
    )
    .bind(&database)
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    for projector in ["catalogue", "inventory"] {
        assert!(
            direct_locks
                .iter()
                .any(|name| name.ends_with(&format!(" {projector}"))),
            "no direct lock session for {projector}: {direct_locks:?}"
        );
    }
    let through_pooler = pooled_clients(&database).await;
    assert!(
        !through_pooler.iter().any(|name| name.contains("lock")),
        "lock sessions went through PgBouncer: {through_pooler:?}"
    );
    assert!(!through_pooler.is_empty(), "no request client on PgBouncer");
}

//! Managed PostgreSQL and Redis (Neon, Supabase, Upstash) speak TLS only. Against a
//! PostgreSQL and a Redis of the test's own that accept nothing but TLS, with a CA made in
//! the test: the app sells through both with their certificates checked, and a server it
//! cannot verify is refused unless verification is switched off by name.

use carneau_testkit::own_servers::{OwnPostgres, OwnRedis};
use carneau_testkit::test_ca::TestCa;
use fred::prelude::ClientLike;
use reqwest::StatusCode;

use crate::support::own_servers_app::{config_of, spawn_app_on};

const PREFIX: &str = "carneau-tls-test:";

fn config(settings: &[(&'static str, String)]) -> carneau_api::config::Config {
    let mut all = vec![("CARNEAU_REDIS_PREFIX", PREFIX.to_owned())];
    all.extend(settings.iter().cloned());
    config_of(&all)
}

struct TlsServers {
    ca: TestCa,
    postgres: OwnPostgres,
    redis: OwnRedis,
}

async fn start_tls_servers() -> TlsServers {
    tokio::task::spawn_blocking(|| {
        let ca = TestCa::create().unwrap();
        let postgres = OwnPostgres::start_with_tls(&ca).unwrap();
        let redis = OwnRedis::start_with_tls(&ca).unwrap();
        TlsServers {
            ca,
            postgres,
            redis,
        }
    })
    .await
    .unwrap()
}

impl TlsServers {
    fn ca_file(&self) -> String {
        self.ca.ca_file().display().to_string()
    }

    /// `sslmode=require` with the test's CA: what a deployment on a private CA writes.
    fn verified_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "DATABASE_URL",
                self.postgres.url(
                    "carneau",
                    &format!("sslmode=require&sslrootcert={}", self.ca_file()),
                ),
            ),
            ("REDIS_URL", self.redis.url()),
            ("CARNEAU_REDIS_TLS_CA_FILE", self.ca_file()),
        ]
    }
}

#[tokio::test]
async fn the_app_sells_through_postgres_and_redis_over_verified_tls() {
    let servers = start_tls_servers().await;
    let app = spawn_app_on(config(&servers.verified_settings())).await;
    let (http, redis, pool, base_url) = (app.http(), &app.redis, &app.pool, &app.base_url);

    let on_sale = http.create_published_event(10, 5).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 2)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);

    // Redis served the hold (the guard's keys are there) and readiness finds it healthy,
    // over the only port it has: TLS.
    let keys = carneau_testkit::keys_matching(redis, &format!("{PREFIX}*"))
        .await
        .unwrap();
    assert!(!keys.is_empty(), "no key under {PREFIX}");
    let ready: serde_json::Value = reqwest::get(format!("{base_url}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");

    // Every connection the app holds to PostgreSQL is encrypted (the server accepts no
    // other, so this says the pool's connections are the app's).
    let (connections, encrypted): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
           FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
          WHERE a.datname = 'carneau' AND a.backend_type = 'client backend'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(connections > 0);
    assert_eq!(encrypted, connections);
}

#[tokio::test]
async fn a_server_whose_certificate_cannot_be_verified_is_refused() {
    let servers = start_tls_servers().await;

    // `sslmode=require` alone would encrypt without checking who answers; here it checks,
    // and the test CA is not among the bundled roots.
    let unverifiable = vec![(
        "DATABASE_URL",
        servers.postgres.url("carneau", "sslmode=require"),
    )];
    let refused = carneau_api::database::connect(&config(&unverifiable))
        .await
        .unwrap_err();
    assert!(
        format!("{refused:#}").contains("UnknownIssuer"),
        "{refused:#}"
    );

    // Switching verification off by name gives libpq's unverified `require`.
    let mut insecure = unverifiable.clone();
    insecure.push(("CARNEAU_DATABASE_TLS_VERIFY", "false".to_owned()));
    let pool = carneau_api::database::connect(&config(&insecure))
        .await
        .unwrap();
    pool.close().await;

    // A `rediss://` server signed by an authority nobody named is refused.
    let no_ca = vec![("REDIS_URL", servers.redis.url())];
    let refused = carneau_api::state::connect_redis(&config(&no_ca))
        .await
        .unwrap_err();
    assert!(
        format!("{refused:#}").contains("cannot connect to Redis"),
        "{refused:#}"
    );
    let trusted = carneau_api::state::connect_redis(&config(&servers.verified_settings()))
        .await
        .unwrap();
    trusted.quit().await.ok();
}

//! Managed PostgreSQL and Redis (Neon, Supabase, Upstash) speak TLS only. Against a
//! PostgreSQL and a Redis of the test's own that accept nothing but TLS, with a CA made in
//! the test: the app sells through both with their certificates checked, and a server it
//! cannot verify is refused unless verification is switched off by name.

use std::collections::HashMap;
use std::sync::Arc;

use carneau_api::config::Config;
use carneau_api::state::AppState;
use carneau_domain::account::Role;
use carneau_testkit::own_servers::{OwnPostgres, OwnRedis};
use carneau_testkit::test_ca::TestCa;
use fred::prelude::ClientLike;
use fred::types::CustomCommand;
use reqwest::StatusCode;

use crate::support::accounts::create_account;
use crate::support::reservations::http::Http;
use crate::support::serve;

const PREFIX: &str = "carneau-tls-test:";

fn config(settings: &[(&'static str, String)]) -> Config {
    let mut vars: HashMap<&'static str, String> =
        HashMap::from([("CARNEAU_REDIS_PREFIX", PREFIX.to_owned())]);
    vars.extend(settings.iter().cloned());
    Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap()
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
    let config = config(&servers.verified_settings());
    let pool = carneau_api::database::connect(&config).await.unwrap();
    carneau_api::database::migrate(&pool).await.unwrap();
    let redis = carneau_api::state::connect_redis(&config).await.unwrap();
    let state = AppState::new(pool.clone(), redis.clone(), Arc::new(config)).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    carneau_api::background::spawn_background(&state, stop.clone());
    let _stop = stop.drop_guard();
    let base_url = serve(carneau_api::router(state.clone())).await;
    let organiser = create_account(&state, "organiser", &[Role::Organiser]).await;
    let http = Http::new(base_url.clone(), organiser.token.clone());

    let on_sale = http.create_published_event(10, 5).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 2)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);

    // Redis served the hold (the guard's keys are there) and readiness finds it healthy,
    // over the only port it has: TLS.
    let keys: Vec<String> = redis
        .custom(
            CustomCommand::new_static("KEYS", None, false),
            vec![format!("{PREFIX}*")],
        )
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
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(connections > 0);
    assert_eq!(encrypted, connections);
    redis.quit().await.ok();
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

//! Test support: each test gets its own PostgreSQL database (migrated, dropped when the
//! test ends) and its own Redis key prefix, so tests run in parallel and leave nothing behind.

pub mod images;
pub mod own_servers;
pub mod qr;
pub mod smtp;
pub mod stripe;
pub mod test_ca;

use std::time::Duration;

use anyhow::Context;
use fred::prelude::{Builder, Client, ClientLike, Config, KeysInterface};
use fred::types::CustomCommand;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use uuid::Uuid;

/// Where the test PostgreSQL server is; `CARNEAU_TEST_DATABASE_URL` overrides it.
pub fn server_url() -> String {
    std::env::var("CARNEAU_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Where the test PgBouncer is, if the run goes through one (`CARNEAU_TEST_POOLER_URL`,
/// a transaction-mode pooler in front of the test server, any database name passed
/// through): apps then send requests through it and keep sessions direct.
pub fn pooler_url() -> Option<String> {
    std::env::var("CARNEAU_TEST_POOLER_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// Where the test Redis server is; `CARNEAU_TEST_REDIS_URL` overrides it.
pub fn redis_url() -> String {
    std::env::var("CARNEAU_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Every key matching `pattern` (a `KEYS` glob): on the one server, or on every primary
/// of a Redis Cluster (`KEYS` answers for one node only). For tests, never for serving.
pub async fn keys_matching(client: &Client, pattern: &str) -> anyhow::Result<Vec<String>> {
    if !client.is_clustered() {
        return keys_on_node(client, pattern).await;
    }
    let mut keys = Vec::new();
    for node in client.split_cluster()? {
        node.init().await.context("connecting to a cluster node")?;
        let found = keys_on_node(&node, pattern).await;
        node.quit().await.ok();
        keys.extend(found?);
    }
    Ok(keys)
}

async fn keys_on_node(client: &Client, pattern: &str) -> anyhow::Result<Vec<String>> {
    Ok(client
        .custom(
            CustomCommand::new_static("KEYS", None, false),
            vec![pattern.to_owned()],
        )
        .await?)
}

/// Deletes `keys`, one `DEL` per hash tag (`{...}`), so keys a script uses together
/// (one event's guard) go at once, and a cluster never sees a cross-slot `DEL`.
pub async fn delete_keys(client: &Client, keys: &[String]) -> anyhow::Result<()> {
    let mut by_tag: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for key in keys {
        let tag = key
            .split_once('{')
            .and_then(|(_, rest)| rest.split_once('}'))
            .map_or(key.as_str(), |(tag, _)| tag);
        by_tag.entry(tag).or_default().push(key.clone());
    }
    for group in by_tag.into_values() {
        let _: i64 = client.del(group).await?;
    }
    Ok(())
}

/// Every test database's name starts with this, then its creation time in Unix seconds.
const TEST_DATABASE_PREFIX: &str = "carneau_test_";

/// How old a test database must be to count as abandoned: far longer than any test
/// binary runs, so a database of a run still going is never taken.
const ABANDONED_AFTER_SECS: i64 = 6 * 60 * 60;

/// Drops the test databases created more than [`ABANDONED_AFTER_SECS`] before `now`. A
/// run killed before its drops ran (a timeout, ^C, SIGKILL) leaves its databases behind;
/// the next run clears them. Best effort: a failure here must not fail a test.
async fn drop_abandoned_databases(admin: &mut PgConnection, now: i64) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname ~ '^carneau_test_[0-9]+_[0-9a-f]+$'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names {
        let created_at = name
            .strip_prefix(TEST_DATABASE_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse::<i64>().ok());
        if created_at.is_some_and(|created_at| now - created_at > ABANDONED_AFTER_SECS) {
            let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// A freshly created and migrated database, dropped (with its connections) on drop.
pub struct TestDatabase {
    name: String,
    options: PgConnectOptions,
    pool: PgPool,
}

impl TestDatabase {
    /// Creates `carneau_test_<unix seconds>_<uuid>` and applies every migration to it.
    /// First drops the test databases left by runs that were killed before their drop ran
    /// (see [`drop_abandoned_databases`]).
    pub async fn create() -> anyhow::Result<Self> {
        let server: PgConnectOptions = server_url().parse().context("CARNEAU_TEST_DATABASE_URL")?;
        let created_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
            });
        let name = format!(
            "{TEST_DATABASE_PREFIX}{created_at}_{}",
            Uuid::new_v4().simple()
        );
        let mut admin = PgConnection::connect_with(&server)
            .await
            .context("connecting to the test PostgreSQL server")?;
        drop_abandoned_databases(&mut admin, created_at).await;
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .context("creating the test database")?;
        admin.close().await.ok();
        let options = server.database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .context("connecting to the test database")?;
        carneau_migrations::MIGRATOR
            .run(&pool)
            .await
            .context("migrating the test database")?;
        Ok(Self {
            name,
            options,
            pool,
        })
    }

    /// A pool on this database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Connection options for this database (to open more pools, as a second process would).
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// A `postgres://` URL of this database, for code that is configured by URL.
    pub fn url(&self) -> String {
        let base = server_url();
        match base.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{}", self.name),
            None => format!("{base}/{}", self.name),
        }
    }

    /// The settings an app on this database runs with: `DATABASE_URL`, and when the run
    /// goes through a pooler ([`pooler_url`]), `DATABASE_URL` through it and
    /// `CARNEAU_DATABASE_SESSION_URL` direct, as a deployment behind PgBouncer would.
    pub fn app_settings(&self) -> Vec<(&'static str, String)> {
        match pooler_url() {
            None => vec![("DATABASE_URL", self.url())],
            Some(pooler) => {
                let server = pooler.rsplit_once('/').map_or(pooler.as_str(), |(s, _)| s);
                vec![
                    ("DATABASE_URL", format!("{server}/{}", self.name)),
                    ("CARNEAU_DATABASE_SESSION_URL", self.url()),
                ]
            }
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run on a test's current-thread runtime, which is blocked while we wait:
        // the pool's connections live on that runtime, so they are not closed here; the
        // DROP runs on a thread of its own with a fresh connection, and FORCE ends them.
        let name = self.name.clone();
        let server = server_url();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let options: PgConnectOptions = server.parse().ok()?;
                let mut admin = options.connect().await.ok()?;
                sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}

/// A client connected to the Redis server at `url`.
pub async fn connect_redis(url: &str) -> anyhow::Result<Client> {
    let config = Config::from_url(url).context("parsing a Redis URL")?;
    let client = Builder::from_config(config)
        .build()
        .context("building a Redis client")?;
    client.init().await.context("connecting to Redis")?;
    Ok(client)
}

/// A Redis client plus a key prefix unique to one test; its keys are deleted on drop.
pub struct TestRedis {
    client: Client,
    prefix: String,
}

impl TestRedis {
    /// Connects to the test Redis and picks a fresh prefix.
    pub async fn create() -> anyhow::Result<Self> {
        let client = connect_redis(&redis_url())
            .await
            .context("the test Redis (CARNEAU_TEST_REDIS_URL)")?;
        Ok(Self {
            client,
            prefix: format!("carneau-test:{}:", Uuid::new_v4().simple()),
        })
    }

    /// The connected client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The key prefix every key of this test must start with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let url = redis_url();
        let pattern = format!("{}*", self.prefix);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let client = connect_redis(&url).await.ok()?;
                let keys = keys_matching(&client, &pattern).await.ok()?;
                for key in keys {
                    let _: Result<i64, _> = client.del(key).await;
                }
                client.quit().await.ok()
            })
        })
        .join();
    }
}

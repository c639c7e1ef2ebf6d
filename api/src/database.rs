//! The PostgreSQL side of start-up: create the database when it is missing, open the pool,
//! apply the embedded migrations, and tell readiness which migrations are still pending.
//!
//! Two kinds of connection: the request pool on `DATABASE_URL` (which may go through
//! PgBouncer in transaction mode: only transactions and single statements, nothing kept
//! on the session), and sessions on `CARNEAU_DATABASE_SESSION_URL` when set (direct: the
//! leaders' advisory locks, `LISTEN`, migrations, the commands people run).

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{anyhow, Context};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::{Config, SecretUrl};

/// How long a handler waits for a free connection before failing.
pub const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a command run by a person (`carneau log verify`, `accounts create`, ...)
/// waits for a connection: nobody is waiting on an answer in a few seconds, and failing
/// on a busy database only makes them run it again.
pub const COMMAND_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a transaction may sit idle before PostgreSQL ends it. An idle transaction holds
/// back every projector reading the event log, so it must not live long.
pub const IDLE_IN_TRANSACTION_TIMEOUT: &str = "15s";

/// SQLSTATE `invalid_catalog_name`: the database does not exist.
const DATABASE_MISSING: &str = "3D000";
/// SQLSTATE `duplicate_database`: another process created it first.
const DATABASE_ALREADY_EXISTS: &str = "42P04";

/// Creates the database if missing, then opens the request pool of a serving process.
/// Fails with one line naming `DATABASE_URL` when the server cannot be reached.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    create_database_if_missing(config).await?;
    let options = request_options(config)?;
    open_pool(config, requests(config), options, POOL_ACQUIRE_TIMEOUT).await
}

/// A pool of `max_connections` beside `pool`, to the same database with the same
/// options, for work that must not queue behind requests for a connection: the desks'
/// rounds and the projectors' batches. During a rush hundreds of requests wait for the
/// request pool; a desk or a read model waiting its turn among them held up everything
/// behind it (docs/benchmarks.md, "One append per round, and pools of their own").
/// Connects as needed.
pub fn pool_beside(pool: &PgPool, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(pool.options().get_acquire_timeout())
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// [`connect`] for a command run by a person: over the session URL, since migrations
/// and replays take session locks, and waiting longer for a busy database (see
/// [`COMMAND_ACQUIRE_TIMEOUT`]).
pub async fn connect_for_command(config: &Config) -> anyhow::Result<PgPool> {
    create_database_if_missing(config).await?;
    let options = session_options(config)?;
    open_pool(config, sessions(config), options, COMMAND_ACQUIRE_TIMEOUT).await
}

/// Over a session connection: a pooler cannot create databases.
#[tracing::instrument(skip_all, fields(
    setting = sessions(config).setting,
    database_url = %sessions(config).url,
))]
async fn create_database_if_missing(config: &Config) -> anyhow::Result<()> {
    let target = sessions(config);
    create_if_missing(&session_options(config)?, target.setting)
        .await
        .with_context(|| format!("cannot use PostgreSQL at {target}"))
}

/// Opens the pool of a database that must exist already: what the auditors' commands
/// use, so that a mistyped `DATABASE_URL` fails instead of creating an empty database
/// whose (empty) log would then verify as intact. Over the session URL, like every
/// command a person runs.
#[tracing::instrument(skip_all, fields(
    setting = sessions(config).setting,
    database_url = %sessions(config).url,
))]
pub async fn connect_existing(config: &Config) -> anyhow::Result<PgPool> {
    let options = session_options(config)?;
    open_pool(config, sessions(config), options, COMMAND_ACQUIRE_TIMEOUT).await
}

/// The options of the request pool. Through a transaction pooler, no startup parameter
/// beyond what PgBouncer tracks is sent (it refuses the others): the idle-transaction
/// limit then has to be set on the role (docs/architecture.md).
pub fn request_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options = parsed(requests(config), config)?;
    if config.database.through_pooler() {
        return Ok(options.extra_float_digits(None));
    }
    Ok(with_idle_transaction_limit(options))
}

/// The options of session-level work: `CARNEAU_DATABASE_SESSION_URL`, or `DATABASE_URL`
/// when no pooler stands between.
pub fn session_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options = parsed(sessions(config), config)?;
    Ok(with_idle_transaction_limit(options))
}

/// Where a kind of connection goes, named as the operator set it: the setting, and its
/// URL (shown with the password masked). Every message about a connection names these,
/// so the operator fixes the variable that is wrong.
#[derive(Clone, Copy)]
struct Target<'a> {
    setting: &'static str,
    url: &'a SecretUrl,
}

impl std::fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.setting, self.url)
    }
}

/// The request pool's: `DATABASE_URL`.
fn requests(config: &Config) -> Target<'_> {
    Target {
        setting: "DATABASE_URL",
        url: &config.database.url,
    }
}

/// Session-level work's: `CARNEAU_DATABASE_SESSION_URL` when a pooler stands before
/// `DATABASE_URL`, else `DATABASE_URL`.
fn sessions(config: &Config) -> Target<'_> {
    let setting = if config.database.through_pooler() {
        "CARNEAU_DATABASE_SESSION_URL"
    } else {
        "DATABASE_URL"
    };
    Target {
        setting,
        url: config.database.sessions_url(),
    }
}

fn parsed(target: Target<'_>, config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = target
        .url
        .expose()
        .parse()
        .with_context(|| format!("invalid {}", target.setting))?;
    Ok(verified(options, config.database.tls_verify))
}

fn with_idle_transaction_limit(options: PgConnectOptions) -> PgConnectOptions {
    options.options([(
        "idle_in_transaction_session_timeout",
        IDLE_IN_TRANSACTION_TIMEOUT,
    )])
}

/// `sslmode=require` taken as `verify-full` when `verify` is on: libpq's `require`
/// encrypts without checking who answers, which on a managed service's public address
/// is no protection at all. `prefer` (the default, for a local server without TLS) and
/// the explicit modes stay as written.
fn verified(options: PgConnectOptions, verify: bool) -> PgConnectOptions {
    if verify && matches!(options.get_ssl_mode(), PgSslMode::Require) {
        options.ssl_mode(PgSslMode::VerifyFull)
    } else {
        options
    }
}

async fn open_pool(
    config: &Config,
    target: Target<'_>,
    options: PgConnectOptions,
    acquire_timeout: Duration,
) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(config.database.pool_size)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to {target}"))
}

/// Creates the database `options` name when missing; `setting` names the URL they came
/// from.
async fn create_if_missing(options: &PgConnectOptions, setting: &str) -> anyhow::Result<()> {
    let error = match PgConnection::connect_with(options).await {
        Ok(connection) => return connection.close().await.map_err(Into::into),
        Err(error) => error,
    };
    if sqlstate(&error).as_deref() != Some(DATABASE_MISSING) {
        return Err(error.into());
    }
    let name = options
        .get_database()
        .ok_or_else(|| anyhow!("{setting} names no database"))?
        .to_owned();
    let mut maintenance = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .context("connecting to the `postgres` maintenance database to create the database")?;
    let create = format!(r#"CREATE DATABASE "{}""#, name.replace('"', "\"\""));
    match sqlx::query(&create).execute(&mut maintenance).await {
        Ok(_) => tracing::info!(database = %name, "created the database"),
        Err(error) if sqlstate(&error).as_deref() == Some(DATABASE_ALREADY_EXISTS) => {}
        Err(error) => return Err(anyhow::Error::new(error).context("creating the database")),
    }
    maintenance.close().await.ok();
    Ok(())
}

fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}

/// Applies every embedded migration not yet applied, over `pool`'s sessions (its
/// advisory lock keeps two processes from migrating at once).
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    carneau_migrations::MIGRATOR
        .run(pool)
        .await
        .context("applying the database migrations")
}

/// [`migrate`] for a serving process, on a session connection of its own: its request
/// pool may go through a transaction pooler, where the migrator's session lock would be
/// taken on one server connection and released on another.
#[tracing::instrument(skip_all)]
pub async fn migrate_over_session(config: &Config) -> anyhow::Result<()> {
    let mut connection = PgConnection::connect_with(&session_options(config)?)
        .await
        .with_context(|| format!("connecting to {} to migrate", sessions(config).setting))?;
    let outcome = carneau_migrations::MIGRATOR
        .run(&mut connection)
        .await
        .context("applying the database migrations");
    connection.close().await.ok();
    outcome
}

/// The versions of embedded migrations that the database has not applied successfully
/// (table `_sqlx_migrations`); empty when the schema is current.
pub async fn pending_migrations(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let applied: Vec<i64> =
        match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
        {
            Ok(versions) => versions,
            // SQLSTATE undefined_table: nothing was ever migrated.
            Err(error) if sqlstate(&error).as_deref() == Some("42P01") => Vec::new(),
            Err(error) => return Err(error).context("reading _sqlx_migrations"),
        };
    let applied: HashSet<i64> = applied.into_iter().collect();
    Ok(carneau_migrations::MIGRATOR
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .map(|migration| migration.version)
        .filter(|version| !applied.contains(version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(url: &str, verify: bool) -> PgSslMode {
        verified(url.parse().unwrap(), verify).get_ssl_mode()
    }

    #[test]
    fn require_checks_the_certificate_unless_told_not_to() {
        let url = "postgres://app@db.example.com/carneau?sslmode=require";
        assert!(matches!(mode_of(url, true), PgSslMode::VerifyFull));
        assert!(matches!(mode_of(url, false), PgSslMode::Require));
    }

    fn config_of(pairs: &[(&'static str, &str)]) -> Config {
        Config::from_lookup(|name| {
            Ok(pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned()))
        })
        .unwrap()
    }

    #[test]
    fn behind_a_pooler_requests_send_no_untracked_startup_parameter_and_sessions_go_direct() {
        let direct = config_of(&[]);
        let options = request_options(&direct).unwrap();
        assert!(options.get_options().is_some());
        let pooled = config_of(&[
            ("DATABASE_URL", "postgres://app@pgbouncer:6432/carneau"),
            (
                "CARNEAU_DATABASE_SESSION_URL",
                "postgres://app@db:5432/carneau",
            ),
        ]);
        let requests = request_options(&pooled).unwrap();
        assert_eq!(requests.get_host(), "pgbouncer");
        assert!(requests.get_options().is_none());
        let sessions = session_options(&pooled).unwrap();
        assert_eq!(sessions.get_host(), "db");
        assert!(sessions
            .get_options()
            .is_some_and(|options| options.contains("idle_in_transaction_session_timeout")));
    }

    /// Opens the pool of session-level work as `connect_existing` does, but gives up
    /// after a moment (a person's command waits half a minute).
    async fn failed_session_pool(config: &Config) -> String {
        let options = session_options(config).unwrap();
        open_pool(
            config,
            sessions(config),
            options,
            Duration::from_millis(200),
        )
        .await
        .unwrap_err()
        .to_string()
    }

    #[tokio::test]
    async fn a_failed_connection_names_the_setting_it_came_from() {
        // Port 1: nothing listens, the connection is refused.
        let pooled = config_of(&[
            ("DATABASE_URL", "postgres://app@127.0.0.1:1/carneau"),
            (
                "CARNEAU_DATABASE_SESSION_URL",
                "postgres://app:s3cret@127.0.0.1:1/carneau",
            ),
        ]);
        let failed = failed_session_pool(&pooled).await;
        assert!(
            failed.starts_with("cannot connect to CARNEAU_DATABASE_SESSION_URL=postgres://app:"),
            "{failed}"
        );
        assert!(!failed.contains("s3cret"), "{failed}");
        let direct = config_of(&[("DATABASE_URL", "postgres://app@127.0.0.1:1/carneau")]);
        let failed = failed_session_pool(&direct).await;
        assert!(
            failed.starts_with("cannot connect to DATABASE_URL="),
            "{failed}"
        );
    }

    #[test]
    fn other_modes_stay_as_written() {
        let base = "postgres://app@db.example.com/carneau";
        assert!(matches!(mode_of(base, true), PgSslMode::Prefer));
        let disable = format!("{base}?sslmode=disable");
        assert!(matches!(mode_of(&disable, true), PgSslMode::Disable));
        let verify_ca = format!("{base}?sslmode=verify-ca");
        assert!(matches!(mode_of(&verify_ca, true), PgSslMode::VerifyCa));
    }
}

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

use crate::config::Config;

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
    open_pool(config, request_options(config)?, POOL_ACQUIRE_TIMEOUT).await
}

/// [`connect`] for a command run by a person: over the session URL, since migrations
/// and replays take session locks, and waiting longer for a busy database (see
/// [`COMMAND_ACQUIRE_TIMEOUT`]).
pub async fn connect_for_command(config: &Config) -> anyhow::Result<PgPool> {
    create_database_if_missing(config).await?;
    open_pool(config, session_options(config)?, COMMAND_ACQUIRE_TIMEOUT).await
}

/// Over a session connection: a pooler cannot create databases.
#[tracing::instrument(skip_all, fields(database_url = %config.database.sessions_url()))]
async fn create_database_if_missing(config: &Config) -> anyhow::Result<()> {
    create_if_missing(&session_options(config)?)
        .await
        .with_context(|| {
            format!(
                "cannot use PostgreSQL at {}={}",
                session_setting(config),
                config.database.sessions_url()
            )
        })
}

/// Opens the pool of a database that must exist already: what the auditors' commands
/// use, so that a mistyped `DATABASE_URL` fails instead of creating an empty database
/// whose (empty) log would then verify as intact. Over the session URL, like every
/// command a person runs.
#[tracing::instrument(skip_all, fields(database_url = %config.database.url))]
pub async fn connect_existing(config: &Config) -> anyhow::Result<PgPool> {
    open_pool(config, session_options(config)?, COMMAND_ACQUIRE_TIMEOUT).await
}

/// The options of the request pool. Through a transaction pooler, no startup parameter
/// beyond what PgBouncer tracks is sent (it refuses the others): the idle-transaction
/// limit then has to be set on the role (docs/architecture.md).
pub fn request_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options = parsed(config.database.url.expose(), "DATABASE_URL", config)?;
    if config.database.through_pooler() {
        return Ok(options.extra_float_digits(None));
    }
    Ok(with_idle_transaction_limit(options))
}

/// The options of session-level work: `CARNEAU_DATABASE_SESSION_URL`, or `DATABASE_URL`
/// when no pooler stands between.
pub fn session_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let url = config.database.sessions_url().expose();
    let options = parsed(url, session_setting(config), config)?;
    Ok(with_idle_transaction_limit(options))
}

fn session_setting(config: &Config) -> &'static str {
    if config.database.through_pooler() {
        "CARNEAU_DATABASE_SESSION_URL"
    } else {
        "DATABASE_URL"
    }
}

fn parsed(url: &str, setting: &str, config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = url.parse().with_context(|| format!("invalid {setting}"))?;
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
    options: PgConnectOptions,
    acquire_timeout: Duration,
) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(config.database.pool_size)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to DATABASE_URL={}", config.database.url))
}

async fn create_if_missing(options: &PgConnectOptions) -> anyhow::Result<()> {
    let error = match PgConnection::connect_with(options).await {
        Ok(connection) => return connection.close().await.map_err(Into::into),
        Err(error) => error,
    };
    if sqlstate(&error).as_deref() != Some(DATABASE_MISSING) {
        return Err(error.into());
    }
    let name = options
        .get_database()
        .ok_or_else(|| anyhow!("DATABASE_URL names no database"))?
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
        .with_context(|| format!("connecting to {} to migrate", session_setting(config)))?;
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

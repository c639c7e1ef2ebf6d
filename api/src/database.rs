//! The PostgreSQL side of start-up: create the database when it is missing, open the pool,
//! apply the embedded migrations, and tell readiness which migrations are still pending.

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

/// Creates the database if missing, then opens the pool of a serving process. Fails with
/// one line naming `DATABASE_URL` when the server cannot be reached.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    connect_waiting(config, POOL_ACQUIRE_TIMEOUT).await
}

/// [`connect`] for a command run by a person, which waits longer for a busy database
/// (see [`COMMAND_ACQUIRE_TIMEOUT`]).
pub async fn connect_for_command(config: &Config) -> anyhow::Result<PgPool> {
    connect_waiting(config, COMMAND_ACQUIRE_TIMEOUT).await
}

#[tracing::instrument(skip_all, fields(database_url = %config.database_url))]
async fn connect_waiting(config: &Config, acquire_timeout: Duration) -> anyhow::Result<PgPool> {
    let options = connect_options(config)?;
    create_if_missing(&options).await.with_context(|| {
        format!(
            "cannot use PostgreSQL at DATABASE_URL={}",
            config.database_url
        )
    })?;
    open_pool(config, options, acquire_timeout).await
}

/// Opens the pool of a database that must exist already: what the auditors' commands
/// use, so that a mistyped `DATABASE_URL` fails instead of creating an empty database
/// whose (empty) log would then verify as intact.
#[tracing::instrument(skip_all, fields(database_url = %config.database_url))]
pub async fn connect_existing(config: &Config) -> anyhow::Result<PgPool> {
    open_pool(config, connect_options(config)?, COMMAND_ACQUIRE_TIMEOUT).await
}

fn connect_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = config
        .database_url
        .expose()
        .parse()
        .context("invalid DATABASE_URL")?;
    let options = verified(options, config.database_tls_verify);
    Ok(options.options([(
        "idle_in_transaction_session_timeout",
        IDLE_IN_TRANSACTION_TIMEOUT,
    )]))
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
        .max_connections(config.database_pool_size)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to DATABASE_URL={}", config.database_url))
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

/// Applies every embedded migration not yet applied.
#[tracing::instrument(skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    carneau_migrations::MIGRATOR
        .run(pool)
        .await
        .context("applying the database migrations")
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

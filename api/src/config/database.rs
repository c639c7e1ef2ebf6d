//! Settings of the PostgreSQL connections: where requests go (`DATABASE_URL`, possibly
//! through a transaction pooler), where session-level work goes
//! (`CARNEAU_DATABASE_SESSION_URL`), how big the request pool is, and whether TLS is
//! verified.

use sqlx::postgres::PgConnectOptions;

use super::{ConfigError, SecretUrl};

/// Connections of a process's request pool when `CARNEAU_DATABASE_POOL_SIZE` is not set.
pub const DEFAULT_DATABASE_POOL_SIZE: u32 = 20;
/// The PostgreSQL URL used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/carneau";

/// The database settings.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: the PostgreSQL database (created at start-up if missing), which
    /// request traffic uses. It may point at PgBouncer in transaction mode when
    /// [`DatabaseConfig::session_url`] is set.
    pub url: SecretUrl,
    /// `CARNEAU_DATABASE_SESSION_URL`: a direct connection to the same database, for
    /// what needs a session of its own: `LISTEN`, the leaders' session advisory locks,
    /// migrations and the commands people run. Set it when `DATABASE_URL` goes through a
    /// transaction pooler, which would hand each statement to another server session;
    /// unset, everything uses `DATABASE_URL`.
    pub session_url: Option<SecretUrl>,
    /// `CARNEAU_DATABASE_POOL_SIZE`: the most connections this process's request pool
    /// opens (default 20). Each process also holds one connection per background task it
    /// leads (its lock) and one listening connection: size the pools of every node
    /// together below the server's `max_connections` (docs/architecture.md).
    pub pool_size: u32,
    /// `CARNEAU_DATABASE_TLS_VERIFY`: whether `sslmode=require` checks the server's
    /// certificate and host name (default `true`): `require` is then taken as
    /// `verify-full`, against the bundled Mozilla roots plus `sslrootcert`. `false` keeps
    /// libpq's unverified `require`, for a server whose certificate cannot be checked.
    pub tls_verify: bool,
}

impl DatabaseConfig {
    /// Reads the settings through `read` (empty values already count as unset).
    pub(super) fn from_read(
        read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let url = postgres_url(
            "DATABASE_URL",
            read("DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let session_url = read("CARNEAU_DATABASE_SESSION_URL")?
            .map(|raw| postgres_url("CARNEAU_DATABASE_SESSION_URL", raw))
            .transpose()?;
        let pool_size = match read("CARNEAU_DATABASE_POOL_SIZE")? {
            None => DEFAULT_DATABASE_POOL_SIZE,
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|size| (2..=1_000).contains(size))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_DATABASE_POOL_SIZE",
                        "must be 2 to 1000 connections",
                    )
                })?,
        };
        let tls_verify = match read("CARNEAU_DATABASE_TLS_VERIFY")?.as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(_) => {
                return Err(ConfigError::new(
                    "CARNEAU_DATABASE_TLS_VERIFY",
                    "must be `true` or `false`",
                ))
            }
        };
        Ok(Self {
            url,
            session_url,
            pool_size,
            tls_verify,
        })
    }

    /// Whether request traffic goes through a transaction pooler: it does exactly when a
    /// separate URL for sessions is given.
    pub fn through_pooler(&self) -> bool {
        self.session_url.is_some()
    }

    /// The URL of session-level work: [`DatabaseConfig::session_url`] if set, else
    /// [`DatabaseConfig::url`].
    pub fn sessions_url(&self) -> &SecretUrl {
        self.session_url.as_ref().unwrap_or(&self.url)
    }
}

fn postgres_url(setting: &'static str, raw: String) -> Result<SecretUrl, ConfigError> {
    if !(raw.starts_with("postgres://") || raw.starts_with("postgresql://")) {
        return Err(ConfigError::new(
            setting,
            "must be a postgres:// or postgresql:// URL",
        ));
    }
    raw.parse::<PgConnectOptions>()
        .map_err(|error| ConfigError::new(setting, error.to_string()))?;
    Ok(SecretUrl::new(raw))
}

//! The settings of the `carneau` binary, read once from environment variables (and an
//! optional `.env`, loaded by `main` before this runs).
//!
//! Every setting is parsed here, at the edge: an invalid value stops the process with one
//! line naming the variable, and nothing downstream re-validates. Secrets (signing keys,
//! passwords inside URLs) never show in `Debug` output, so a config can be logged.

use std::net::SocketAddr;
use std::path::PathBuf;

use carneau_commands::reservations::{ReservationMode, SOLD_OUT_REMEMBERED_FOR};
use carneau_projections::seals::CheckpointSigner;
mod accounts;
mod database;
mod images;
mod limits;
mod payments;
mod secrets;
mod tickets;

pub use accounts::{AccountSettings, TrustedProxies};
pub use database::{DatabaseConfig, DEFAULT_DATABASE_POOL_SIZE, DEFAULT_DATABASE_URL};
pub use images::{ImageStoreSetting, ImagesConfig};
pub use payments::{PaymentsConfig, StripeSettings};
pub use secrets::{SecretUrl, TokenSecret};
pub use tickets::{TicketsConfig, DEFAULT_MAIL_FROM};

/// The Redis URL used when `REDIS_URL` is not set.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// The listen address used when `CARNEAU_BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The Redis key prefix used when `CARNEAU_REDIS_PREFIX` is not set.
pub const DEFAULT_REDIS_PREFIX: &str = "carneau:";
/// The log filter used when `RUST_LOG` is not set.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx::postgres::notice=warn";
/// The shortest signing secret accepted, so that it cannot be guessed.
pub const SECRET_MIN_CHARS: usize = 32;
/// How long a hold lasts unless `CARNEAU_HOLD_SECONDS` says otherwise: 15 minutes.
pub const DEFAULT_HOLD_SECONDS: u64 = 900;
/// How long a waiting list's offer holds its tickets unless `CARNEAU_WAITING_OFFER_SECONDS`
/// says otherwise: a day, so that an email read the next morning is still good.
pub const DEFAULT_WAITING_OFFER_SECONDS: u64 = 86_400;

/// Why the configuration could not be read: names the variable, never echoes a secret.
#[derive(Debug, thiserror::Error)]
#[error("invalid {setting}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub setting: &'static str,
    /// What is wrong with its value.
    pub reason: String,
}

impl ConfigError {
    fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, multi-line, for a terminal.
    Pretty,
    /// One JSON object per line, for a log collector.
    Json,
}

/// The whole configuration of the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`, `CARNEAU_DATABASE_SESSION_URL`, `CARNEAU_DATABASE_POOL_SIZE` and
    /// `CARNEAU_DATABASE_TLS_VERIFY`: the PostgreSQL connections.
    pub database: DatabaseConfig,
    /// `REDIS_URL`: the Redis server (`rediss://` for TLS, verified).
    pub redis_url: SecretUrl,
    /// `CARNEAU_REDIS_TLS_CA_FILE`: a PEM file of certificate authorities trusted for a
    /// `rediss://` server, besides the bundled Mozilla roots (a private CA).
    pub redis_tls_ca_file: Option<PathBuf>,
    /// `CARNEAU_BIND`: the address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `CARNEAU_METRICS_ADDR`: where a second listener serves `GET /metrics` without a
    /// session, for a scraper inside a private network; unset, metrics are only on the
    /// API's `/metrics`, for admins. Never bind it to a public address.
    pub metrics_bind: Option<SocketAddr>,
    /// `CARNEAU_REDIS_PREFIX`: prepended to every Redis key, so several deployments can
    /// share one Redis.
    pub redis_prefix: String,
    /// `CARNEAU_LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `RUST_LOG`: a tracing env-filter directive.
    pub log_filter: String,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: where spans are exported over OTLP/HTTP, if anywhere.
    pub otlp_endpoint: Option<String>,
    /// `CARNEAU_TOKEN_SECRET`: the key that signs guests' reservation tokens (32+
    /// characters). Unset: a random key per process, so tokens die with the process.
    pub token_secret: Option<TokenSecret>,
    /// `CARNEAU_HOLD_SECONDS`: how long a hold lasts (default 900, 15 minutes).
    pub hold_lifetime: std::time::Duration,
    /// `CARNEAU_WAITING_OFFER_SECONDS`: how long a waiting list's offer holds its tickets
    /// (default 86400, 24 hours; 1 to 7 days' worth of seconds).
    pub waiting_offer_lifetime: std::time::Duration,
    /// `CARNEAU_RESERVATION_MODE`: `batched` (default) or `direct`, the unbatched
    /// baseline kept for benchmarks.
    pub reservation_mode: ReservationMode,
    /// `CARNEAU_SOLD_OUT_MEMORY_MS`: how long the guard's "none left" for a ticket type
    /// is answered without asking it again (default 100; 0 asks it every time).
    pub sold_out_memory: std::time::Duration,
    /// Sessions, cookies, client addresses and sign-in rate limits.
    pub accounts: AccountSettings,
    /// Ticket codes and mail (`CARNEAU_TICKET_SECRET`, `CARNEAU_SMTP_URL`,
    /// `CARNEAU_MAIL_FROM`).
    pub tickets: TicketsConfig,
    /// Stripe (or the simulated checkout) and the public addresses payments use.
    pub payments: PaymentsConfig,
    /// `CARNEAU_AUDIT_SIGNING_KEY`: the Ed25519 seed (32 bytes, 64 hex digits or base64)
    /// that signs checkpoints of the event log's seal chain. Unset: the log is still
    /// sealed, but no checkpoint is signed.
    pub audit_signing_key: Option<CheckpointSigner>,
    /// Event images: where they are stored, how large an upload may be
    /// (`CARNEAU_IMAGE_STORE`, `CARNEAU_IMAGE_MAX_BYTES`).
    pub images: ImagesConfig,
}

impl Config {
    /// How long a waiting list's offer holds its tickets, in whole hours (rounded up).
    pub fn waiting_offer_hours(&self) -> u64 {
        self.waiting_offer_lifetime.as_secs().div_ceil(3600)
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(ConfigError::new(name, "the value is not valid UTF-8"))
            }
        })
    }

    /// Reads the configuration through `lookup` (variable name to value), so tests can
    /// build a configuration without touching the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        // An empty variable counts as unset: `.env` templates often leave `NAME=` blank.
        let read = |name: &'static str| -> Result<Option<String>, ConfigError> {
            Ok(lookup(name)?.filter(|value| !value.trim().is_empty()))
        };
        let database = DatabaseConfig::from_read(&read)?;
        let redis_url = read("REDIS_URL")?.unwrap_or_else(|| DEFAULT_REDIS_URL.into());
        let redis_scheme = redis_url.split_once("://").map(|(scheme, _)| scheme);
        if !redis_scheme.is_some_and(|scheme| scheme.starts_with("redis")) {
            return Err(ConfigError::new(
                "REDIS_URL",
                "must be a redis:// or rediss:// URL",
            ));
        }
        fred::types::config::Config::from_url(&redis_url)
            .map_err(|error| ConfigError::new("REDIS_URL", error.details().to_string()))?;
        let redis_tls_ca_file = read("CARNEAU_REDIS_TLS_CA_FILE")?.map(PathBuf::from);
        if let Some(path) = &redis_tls_ca_file {
            crate::redis_tls::trusted_roots(Some(path))
                .map_err(|error| ConfigError::new("CARNEAU_REDIS_TLS_CA_FILE", error))?;
        }
        let bind = read("CARNEAU_BIND")?
            .unwrap_or_else(|| DEFAULT_BIND.into())
            .parse::<SocketAddr>()
            .map_err(|error| {
                ConfigError::new("CARNEAU_BIND", format!("{error} (expected host:port)"))
            })?;
        let metrics_bind = read("CARNEAU_METRICS_ADDR")?
            .map(|addr| {
                addr.trim().parse::<SocketAddr>().map_err(|error| {
                    ConfigError::new(
                        "CARNEAU_METRICS_ADDR",
                        format!("{error} (expected host:port)"),
                    )
                })
            })
            .transpose()?;
        let redis_prefix =
            read("CARNEAU_REDIS_PREFIX")?.unwrap_or_else(|| DEFAULT_REDIS_PREFIX.into());
        if redis_prefix
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::new(
                "CARNEAU_REDIS_PREFIX",
                "must not contain whitespace or control characters",
            ));
        }
        let log_format = match read("CARNEAU_LOG_FORMAT")?.as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "CARNEAU_LOG_FORMAT",
                    format!("`{other}` is neither `pretty` nor `json`"),
                ))
            }
        };
        let log_filter = read("RUST_LOG")?.unwrap_or_else(|| DEFAULT_LOG_FILTER.into());
        tracing_subscriber::EnvFilter::try_new(&log_filter)
            .map_err(|error| ConfigError::new("RUST_LOG", error.to_string()))?;
        let otlp_endpoint = read("OTEL_EXPORTER_OTLP_ENDPOINT")?;
        if let Some(endpoint) = &otlp_endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(ConfigError::new(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "must be an http:// or https:// URL",
                ));
            }
        }
        let token_secret = read("CARNEAU_TOKEN_SECRET")?
            .map(|secret| TokenSecret::parse(&secret))
            .transpose()?;
        let hold_seconds = match read("CARNEAU_HOLD_SECONDS")? {
            None => DEFAULT_HOLD_SECONDS,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|seconds| (1..=86_400).contains(seconds))
                .ok_or_else(|| {
                    ConfigError::new("CARNEAU_HOLD_SECONDS", "must be 1 to 86400 seconds")
                })?,
        };
        let offer_seconds = match read("CARNEAU_WAITING_OFFER_SECONDS")? {
            None => DEFAULT_WAITING_OFFER_SECONDS,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|seconds| (1..=7 * 86_400).contains(seconds))
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_WAITING_OFFER_SECONDS",
                        "must be 1 to 604800 seconds",
                    )
                })?,
        };
        let sold_out_memory = match read("CARNEAU_SOLD_OUT_MEMORY_MS")? {
            None => SOLD_OUT_REMEMBERED_FOR,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= 10_000)
                .map(std::time::Duration::from_millis)
                .ok_or_else(|| {
                    ConfigError::new("CARNEAU_SOLD_OUT_MEMORY_MS", "must be 0 to 10000 ms")
                })?,
        };
        let reservation_mode = match read("CARNEAU_RESERVATION_MODE")?.as_deref() {
            None | Some("batched") => ReservationMode::Batched,
            Some("direct") => ReservationMode::Direct,
            Some(other) => {
                return Err(ConfigError::new(
                    "CARNEAU_RESERVATION_MODE",
                    format!("`{other}` is neither `batched` nor `direct`"),
                ))
            }
        };
        let audit_signing_key = read("CARNEAU_AUDIT_SIGNING_KEY")?
            .map(|seed| {
                CheckpointSigner::from_seed_text(&seed).map_err(|error| {
                    ConfigError::new("CARNEAU_AUDIT_SIGNING_KEY", error.to_string())
                })
            })
            .transpose()?;
        let tickets = TicketsConfig::from_read(&read)?;
        let accounts = AccountSettings::from_lookup(&read)?;
        let images = ImagesConfig::from_read(&read)?;
        let payments = PaymentsConfig::from_read(read)?;
        Ok(Self {
            images,
            tickets,
            payments,
            token_secret,
            audit_signing_key,
            hold_lifetime: std::time::Duration::from_secs(hold_seconds),
            waiting_offer_lifetime: std::time::Duration::from_secs(offer_seconds),
            reservation_mode,
            sold_out_memory,
            database,
            redis_url: SecretUrl::new(redis_url),
            redis_tls_ca_file,
            bind,
            metrics_bind,
            accounts,
            redis_prefix,
            log_format,
            log_filter,
            otlp_endpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Config::from_lookup(|name| Ok(vars.get(name).cloned()))
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config_from(&[]).unwrap();
        assert_eq!(config.database.url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.redis_url.expose(), DEFAULT_REDIS_URL);
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(config.redis_prefix, DEFAULT_REDIS_PREFIX);
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert!(!config.accounts.cookie_secure);
        assert!(config.otlp_endpoint.is_none());
        assert!(config.tickets.ticket_secret.is_none());
        assert!(config.tickets.smtp_url.is_none());
        assert_eq!(config.tickets.mail_from, DEFAULT_MAIL_FROM);
        assert_eq!(config.tickets.resend_per_order.max, 3);
        assert_eq!(config.tickets.resend_per_order.window.as_secs(), 3_600);
    }

    #[test]
    fn the_request_pool_size_is_a_setting_within_bounds() {
        assert_eq!(
            config_from(&[]).unwrap().database.pool_size,
            DEFAULT_DATABASE_POOL_SIZE
        );
        let sized = config_from(&[("CARNEAU_DATABASE_POOL_SIZE", "8")]).unwrap();
        assert_eq!(sized.database.pool_size, 8);
        for bad in ["0", "1", "1001", "lots"] {
            let refused = config_from(&[("CARNEAU_DATABASE_POOL_SIZE", bad)]).unwrap_err();
            assert!(
                refused.to_string().contains("CARNEAU_DATABASE_POOL_SIZE"),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_session_url_puts_requests_behind_a_pooler_and_never_prints_its_password() {
        let direct = config_from(&[]).unwrap();
        assert!(!direct.database.through_pooler());
        assert_eq!(
            direct.database.sessions_url().expose(),
            DEFAULT_DATABASE_URL
        );
        let pooled = config_from(&[
            (
                "DATABASE_URL",
                "postgres://app:p00l3d@pgbouncer:6432/carneau",
            ),
            (
                "CARNEAU_DATABASE_SESSION_URL",
                "postgres://app:s3ssion@db:5432/carneau",
            ),
        ])
        .unwrap();
        assert!(pooled.database.through_pooler());
        assert_eq!(
            pooled.database.sessions_url().expose(),
            "postgres://app:s3ssion@db:5432/carneau"
        );
        let printed = format!("{pooled:?}");
        assert!(!printed.contains("s3ssion"), "{printed}");
        assert!(!printed.contains("p00l3d"), "{printed}");
    }

    #[test]
    fn metrics_get_a_listener_of_their_own_only_when_asked() {
        assert!(config_from(&[]).unwrap().metrics_bind.is_none());
        let config = config_from(&[("CARNEAU_METRICS_ADDR", "10.0.0.5:9464")]).unwrap();
        assert_eq!(
            config.metrics_bind.map(|addr| addr.to_string()).as_deref(),
            Some("10.0.0.5:9464")
        );
    }

    #[test]
    fn ticket_and_smtp_secrets_never_print() {
        let config = config_from(&[
            (
                "CARNEAU_TICKET_SECRET",
                "ticket-secret-ticket-secret-ticket-secret",
            ),
            (
                "CARNEAU_SMTP_URL",
                "smtps://mailer:sm7p-pass@mail.example.com",
            ),
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("ticket-secret"), "{printed}");
        assert!(!printed.contains("sm7p-pass"), "{printed}");
        assert!(config.tickets.ticket_secret.is_some());
    }

    #[test]
    fn the_audit_signing_key_never_prints() {
        let seed = "5eed".repeat(16);
        let config = config_from(&[("CARNEAU_AUDIT_SIGNING_KEY", &seed)]).unwrap();
        assert!(config.audit_signing_key.is_some());
        assert!(!format!("{config:?}").contains("5eed5eed"));
        let refused = config_from(&[("CARNEAU_AUDIT_SIGNING_KEY", &seed[2..])]).unwrap_err();
        assert!(!refused.to_string().contains("5eed5eed"), "{refused}");
    }

    #[test]
    fn passwords_in_urls_are_masked_in_debug_output() {
        let config = config_from(&[
            ("DATABASE_URL", "postgres://app:pa55word@db:5432/carneau"),
            ("REDIS_URL", "redis://:r3dis@cache:6379/0"),
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("pa55word"), "{printed}");
        assert!(!printed.contains("r3dis"), "{printed}");
        assert!(
            printed.contains("postgres://app:***@db:5432/carneau"),
            "{printed}"
        );
    }

    #[test]
    fn each_invalid_value_names_its_setting() {
        let cases = [
            ("DATABASE_URL", "mysql://nope"),
            ("CARNEAU_DATABASE_SESSION_URL", "pgbouncer:6432"),
            ("CARNEAU_DATABASE_TLS_VERIFY", "maybe"),
            ("REDIS_URL", "http://not-redis"),
            ("CARNEAU_BIND", "localhost"),
            ("CARNEAU_METRICS_ADDR", "metrics.internal"),
            ("CARNEAU_LOG_FORMAT", "xml"),
            ("RUST_LOG", "info,[[["),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("CARNEAU_REDIS_PREFIX", "has space"),
            ("CARNEAU_SESSION_SECONDS", "0"),
            ("CARNEAU_COOKIE_SECURE", "yes"),
            ("CARNEAU_TRUSTED_PROXIES", "proxy.local"),
            ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "lots"),
            ("CARNEAU_LOGIN_LIMIT_PER_EMAIL", "0/60"),
            ("CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS", "5/0"),
            ("CARNEAU_PUBLIC_URL", "example.com"),
            ("CARNEAU_TICKET_SECRET", "too-short"),
            ("CARNEAU_SMTP_URL", "ftp://mail"),
            ("CARNEAU_MAIL_FROM", "not a mailbox"),
            ("CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER", "3"),
            ("CARNEAU_AUDIT_SIGNING_KEY", "not-a-key"),
        ];
        for (setting, value) in cases {
            let error = config_from(&[(setting, value)]).unwrap_err();
            assert_eq!(error.setting, setting, "{error}");
            assert!(!error.to_string().contains('\n'), "{error}");
        }
    }
}

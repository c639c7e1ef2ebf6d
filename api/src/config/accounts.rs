//! Settings of accounts and sessions: session lifetime, the cookie's `Secure` flag, which
//! proxies may name the client's address, and the sign-in and password reset rate limits.

use std::net::IpAddr;
use std::time::Duration;

use carneau_commands::rate_limit::Limit;

use super::limits::read_limit;
use super::ConfigError;

/// How long a session lasts unless `CARNEAU_SESSION_SECONDS` says otherwise: 14 days.
pub const DEFAULT_SESSION_SECONDS: u64 = 14 * 24 * 3_600;
/// Default `CARNEAU_LOGIN_LIMIT_PER_ADDRESS`: 20 attempts per 5 minutes.
pub const DEFAULT_LOGIN_LIMIT_PER_ADDRESS: &str = "20/300";
/// Default `CARNEAU_LOGIN_LIMIT_PER_EMAIL`: 10 attempts per 5 minutes.
pub const DEFAULT_LOGIN_LIMIT_PER_EMAIL: &str = "10/300";
/// Default `CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS`: 10 registrations per hour.
pub const DEFAULT_REGISTRATION_LIMIT_PER_ADDRESS: &str = "10/3600";
/// Default `CARNEAU_RESET_LIMIT_PER_ADDRESS`: 10 password reset requests per hour.
pub const DEFAULT_RESET_LIMIT_PER_ADDRESS: &str = "10/3600";
/// Default `CARNEAU_RESET_LIMIT_PER_EMAIL`: 3 password reset requests per hour.
pub const DEFAULT_RESET_LIMIT_PER_EMAIL: &str = "3/3600";
/// Default `CARNEAU_CODE_LIMIT_PER_ADDRESS`: 30 look-ups of promo codes per minute: room
/// for a buyer's typos, while one address needs thousands of years to hit one of 10,000
/// generated codes (about 10^11 tries each).
pub const DEFAULT_CODE_LIMIT_PER_ADDRESS: &str = "30/60";
/// Where buyers' pages live when `CARNEAU_PUBLIC_URL` is not set (the web client).
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";
/// Default `CARNEAU_LOGIN_SLOWDOWN_MS`.
pub const DEFAULT_LOGIN_SLOWDOWN_MS: u64 = 2_000;
/// The longest `CARNEAU_LOGIN_SLOWDOWN_MS`: half the request timeout.
pub const MAX_LOGIN_SLOWDOWN_MS: u64 = 5_000;

/// The peers whose `X-Forwarded-For` is believed (`CARNEAU_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    /// Whether `address` is one of them.
    pub fn contains(&self, address: &IpAddr) -> bool {
        self.0.contains(address)
    }
}

/// The account settings.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// `CARNEAU_SESSION_SECONDS`: how long a session lasts after sign-in (default 14 days).
    pub session_lifetime: Duration,
    /// `CARNEAU_COOKIE_SECURE`: `true` adds `Secure` to the session cookie (HTTPS only).
    pub cookie_secure: bool,
    /// `CARNEAU_TRUSTED_PROXIES`: comma-separated IPs whose `X-Forwarded-For` names the
    /// client (the web client's proxy); empty: the TCP peer is the client.
    pub trusted_proxies: TrustedProxies,
    /// `CARNEAU_LOGIN_LIMIT_PER_ADDRESS` (`max/seconds`): sign-in attempts per client address.
    pub login_per_address: Limit,
    /// `CARNEAU_LOGIN_LIMIT_PER_EMAIL` (`max/seconds`): sign-in attempts per account email
    /// before each further one is slowed down (never refused: see `login_slowdown`).
    pub login_per_email: Limit,
    /// `CARNEAU_LOGIN_SLOWDOWN_MS`: how long an attempt over the per-email limit waits
    /// before its password is checked (default 2 s). Refusing instead would let anyone
    /// who knows an email lock its owner out; an address the account signed in from
    /// before is not slowed down.
    pub login_slowdown: Duration,
    /// `CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS` (`max/seconds`): registrations per address.
    pub registration_per_address: Limit,
    /// `CARNEAU_RESET_LIMIT_PER_ADDRESS` (`max/seconds`): password reset requests, and
    /// uses of reset links, per client address.
    pub reset_per_address: Limit,
    /// `CARNEAU_CODE_LIMIT_PER_ADDRESS` (`max/seconds`): promo code look-ups (a code's
    /// quote) per client address, found or not, so codes cannot be guessed by the million.
    pub code_per_address: Limit,
    /// `CARNEAU_RESET_LIMIT_PER_EMAIL` (`max/seconds`): password reset requests per email,
    /// counted whether or not an account has it (so the answer reveals nothing); bounds
    /// the mail anyone can make a stranger receive.
    pub reset_per_email: Limit,
    /// `CARNEAU_PUBLIC_URL`: where buyers' pages live; email verification and password
    /// reset links point there.
    pub public_url: String,
}

impl AccountSettings {
    /// Reads the settings through `read` (empty values count as unset).
    pub(super) fn from_lookup(
        read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let session_seconds = match read("CARNEAU_SESSION_SECONDS")? {
            None => DEFAULT_SESSION_SECONDS,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|seconds| (1..=366 * 24 * 3_600).contains(seconds))
                .ok_or_else(|| {
                    ConfigError::new("CARNEAU_SESSION_SECONDS", "must be 1 to 31622400 seconds")
                })?,
        };
        let cookie_secure = match read("CARNEAU_COOKIE_SECURE")?.as_deref().map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(ConfigError::new(
                    "CARNEAU_COOKIE_SECURE",
                    "must be `true` or `false`",
                ))
            }
        };
        let trusted_proxies = match read("CARNEAU_TRUSTED_PROXIES")? {
            None => TrustedProxies::default(),
            Some(raw) => TrustedProxies(
                raw.split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(|part| part.parse::<IpAddr>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        ConfigError::new(
                            "CARNEAU_TRUSTED_PROXIES",
                            "must be comma-separated IP addresses",
                        )
                    })?,
            ),
        };
        let login_slowdown_ms = match read("CARNEAU_LOGIN_SLOWDOWN_MS")? {
            None => DEFAULT_LOGIN_SLOWDOWN_MS,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                // Well inside the request timeout, or a slowed attempt would end as a 503.
                .filter(|ms| *ms <= MAX_LOGIN_SLOWDOWN_MS)
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_LOGIN_SLOWDOWN_MS",
                        "must be 0 to 5000 milliseconds",
                    )
                })?,
        };
        let limit = |name: &'static str, default: &str| read_limit(read, name, default);
        let public_url = read("CARNEAU_PUBLIC_URL")?
            .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::new(
                "CARNEAU_PUBLIC_URL",
                "must be an http:// or https:// URL",
            ));
        }
        Ok(Self {
            session_lifetime: Duration::from_secs(session_seconds),
            cookie_secure,
            trusted_proxies,
            login_per_address: limit(
                "CARNEAU_LOGIN_LIMIT_PER_ADDRESS",
                DEFAULT_LOGIN_LIMIT_PER_ADDRESS,
            )?,
            login_per_email: limit(
                "CARNEAU_LOGIN_LIMIT_PER_EMAIL",
                DEFAULT_LOGIN_LIMIT_PER_EMAIL,
            )?,
            login_slowdown: Duration::from_millis(login_slowdown_ms),
            registration_per_address: limit(
                "CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS",
                DEFAULT_REGISTRATION_LIMIT_PER_ADDRESS,
            )?,
            reset_per_address: limit(
                "CARNEAU_RESET_LIMIT_PER_ADDRESS",
                DEFAULT_RESET_LIMIT_PER_ADDRESS,
            )?,
            reset_per_email: limit(
                "CARNEAU_RESET_LIMIT_PER_EMAIL",
                DEFAULT_RESET_LIMIT_PER_EMAIL,
            )?,
            code_per_address: limit(
                "CARNEAU_CODE_LIMIT_PER_ADDRESS",
                DEFAULT_CODE_LIMIT_PER_ADDRESS,
            )?,
            public_url,
        })
    }
}

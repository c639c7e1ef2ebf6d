//! Payment settings: Stripe's keys (or none, for the simulated checkout) and how browsers
//! reach the API's checkout page. Return links use `CARNEAU_PUBLIC_URL`
//! (`config.accounts.public_url`).

use std::fmt;
use std::time::Duration;

use super::ConfigError;

/// How browsers reach the API when `CARNEAU_API_PUBLIC_URL` is unset.
pub const DEFAULT_API_PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// How often the payments process manager looks for work when nothing wakes it.
pub const DEFAULT_PAYMENTS_INTERVAL: Duration = Duration::from_secs(5);
/// How long an asynchronous payment may stay pending unless
/// `CARNEAU_PENDING_PAYMENT_LIMIT_SECONDS` says otherwise: 14 days.
pub const DEFAULT_PENDING_PAYMENT_LIMIT: Duration = Duration::from_secs(14 * 86_400);

/// A Stripe secret (API key or webhook signing secret); never printed.
#[derive(Clone)]
pub struct StripeSecret(String);

impl StripeSecret {
    /// The secret itself, for the client or the signature check only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StripeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StripeSecret(<redacted>)")
    }
}

/// Stripe's settings, present only when `STRIPE_SECRET_KEY` is set.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: StripeSecret,
    /// `STRIPE_WEBHOOK_SECRET`: one or more (comma-separated, during a roll) signing secrets.
    pub webhook_secrets: Vec<StripeSecret>,
    /// `STRIPE_API_BASE`: another API address (tests aim it at a fake Stripe).
    pub api_base: Option<String>,
}

/// Everything payments need from the environment.
#[derive(Debug, Clone)]
pub struct PaymentsConfig {
    /// Stripe, or `None`: then the simulated checkout takes payments. There is no switch
    /// to turn the simulation on: it is what runs exactly when no Stripe key is set.
    pub stripe: Option<StripeSettings>,
    /// `CARNEAU_API_PUBLIC_URL`: how a browser reaches the API (the simulated page).
    pub api_public_url: String,
    /// `CARNEAU_PAYMENTS_INTERVAL_MS`: the process manager's polling interval.
    pub process_interval: Duration,
    /// `CARNEAU_PENDING_PAYMENT_LIMIT_SECONDS`: how long an asynchronous payment (a bank
    /// debit) may stay pending before the process manager asks the provider one last
    /// time and, unless it settled, cancels the order (default 14 days, the longest a
    /// SEPA debit takes to confirm). Money that still arrives later is a late payment.
    pub pending_payment_limit: Duration,
}

fn http_url(setting: &'static str, value: String) -> Result<String, ConfigError> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err(ConfigError::new(
            setting,
            "must be an http:// or https:// URL",
        ))
    }
}

impl PaymentsConfig {
    /// Reads the settings through `read` (which treats blank as unset).
    pub fn from_read(
        read: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let stripe = match read("STRIPE_SECRET_KEY")? {
            None => {
                if read("STRIPE_WEBHOOK_SECRET")?.is_some() {
                    return Err(ConfigError::new(
                        "STRIPE_SECRET_KEY",
                        "must be set when STRIPE_WEBHOOK_SECRET is",
                    ));
                }
                None
            }
            Some(key) => {
                if !key.trim().bytes().all(|byte| byte.is_ascii_graphic()) {
                    return Err(ConfigError::new(
                        "STRIPE_SECRET_KEY",
                        "must be printable ASCII without spaces",
                    ));
                }
                let webhook_secrets: Vec<StripeSecret> = read("STRIPE_WEBHOOK_SECRET")?
                    .ok_or_else(|| {
                        ConfigError::new(
                            "STRIPE_WEBHOOK_SECRET",
                            "must be set when STRIPE_SECRET_KEY is (webhooks cannot be verified otherwise)",
                        )
                    })?
                    .split(',')
                    .map(str::trim)
                    .filter(|secret| !secret.is_empty())
                    .map(|secret| StripeSecret(secret.to_owned()))
                    .collect();
                let api_base = read("STRIPE_API_BASE")?
                    .map(|base| http_url("STRIPE_API_BASE", base))
                    .transpose()?;
                Some(StripeSettings {
                    secret_key: StripeSecret(key.trim().to_owned()),
                    webhook_secrets,
                    api_base,
                })
            }
        };
        let api_public_url = http_url(
            "CARNEAU_API_PUBLIC_URL",
            read("CARNEAU_API_PUBLIC_URL")?.unwrap_or_else(|| DEFAULT_API_PUBLIC_URL.into()),
        )?;
        let process_interval = match read("CARNEAU_PAYMENTS_INTERVAL_MS")? {
            None => DEFAULT_PAYMENTS_INTERVAL,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (10..=600_000).contains(ms))
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    ConfigError::new("CARNEAU_PAYMENTS_INTERVAL_MS", "must be 10 to 600000 ms")
                })?,
        };
        let pending_payment_limit = match read("CARNEAU_PENDING_PAYMENT_LIMIT_SECONDS")? {
            None => DEFAULT_PENDING_PAYMENT_LIMIT,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|seconds| (1..=90 * 86_400).contains(seconds))
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    ConfigError::new(
                        "CARNEAU_PENDING_PAYMENT_LIMIT_SECONDS",
                        "must be 1 to 7776000 seconds (90 days)",
                    )
                })?,
        };
        Ok(Self {
            stripe,
            api_public_url,
            process_interval,
            pending_payment_limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(pairs: &[(&'static str, &str)]) -> Result<PaymentsConfig, ConfigError> {
        let vars: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        PaymentsConfig::from_read(|name| Ok(vars.get(name).cloned()))
    }

    #[test]
    fn without_a_stripe_key_payments_are_simulated() {
        let config = from(&[]).unwrap();
        assert!(config.stripe.is_none());
        assert_eq!(config.api_public_url, DEFAULT_API_PUBLIC_URL);
    }

    #[test]
    fn a_stripe_key_needs_a_webhook_secret_and_never_prints() {
        let error = from(&[("STRIPE_SECRET_KEY", "sk_test_123")]).unwrap_err();
        assert_eq!(error.setting, "STRIPE_WEBHOOK_SECRET");
        let config = from(&[
            ("STRIPE_SECRET_KEY", "sk_test_123"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_a, whsec_b"),
        ])
        .unwrap();
        let stripe = config.stripe.clone().unwrap();
        assert_eq!(stripe.webhook_secrets.len(), 2);
        let printed = format!("{config:?}");
        assert!(!printed.contains("sk_test_123") && !printed.contains("whsec_a"));
    }

    #[test]
    fn a_webhook_secret_alone_is_refused() {
        let error = from(&[("STRIPE_WEBHOOK_SECRET", "whsec_a")]).unwrap_err();
        assert_eq!(error.setting, "STRIPE_SECRET_KEY");
    }
}

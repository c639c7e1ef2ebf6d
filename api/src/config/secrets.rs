//! Values that must not leak: connection URLs that may hold a password, and the key that
//! signs reservation tokens. Their `Debug` and `Display` never show the secret part.

use std::fmt;

use super::{ConfigError, SECRET_MIN_CHARS};

/// A connection URL that may carry a password: `Debug` and `Display` mask the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// Wraps a URL as given (validation happens in [`Config::from_lookup`]).
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, password included: pass it to a client, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // scheme://user:password@host/... : only the part between ':' and '@' is masked.
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str(&self.0);
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
                let masked = if userinfo.contains(':') { ":***" } else { "" };
                write!(f, "{scheme}://{user}{masked}@{host}{path}")
            }
            None => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({self})")
    }
}

/// The key that signs reservation tokens. Its `Debug` form never shows it.
#[derive(Clone)]
pub struct TokenSecret(Vec<u8>);

impl TokenSecret {
    /// Accepts a secret of at least [`SECRET_MIN_CHARS`] characters.
    pub fn parse(secret: &str) -> Result<Self, ConfigError> {
        if secret.chars().count() < SECRET_MIN_CHARS {
            return Err(ConfigError::new(
                "CARNEAU_TOKEN_SECRET",
                format!("must be at least {SECRET_MIN_CHARS} characters long"),
            ));
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    /// A random secret, for a process started without one.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut key = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self(key)
    }

    /// The key bytes, for signing.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

//! Values that must not leak: connection URLs that may hold a password, and the admin
//! token. Their `Debug` and `Display` never show the secret part.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{ConfigError, ADMIN_TOKEN_MIN_CHARS};

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

/// The organisers' bearer token. Only its SHA-256 digest is kept, so the token itself
/// cannot leak through a log, a `Debug` dump or a core file of a long-running process.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl AdminToken {
    /// Accepts a token of at least [`ADMIN_TOKEN_MIN_CHARS`] visible ASCII characters.
    pub fn parse(token: &str) -> Result<Self, ConfigError> {
        if token.len() < ADMIN_TOKEN_MIN_CHARS {
            return Err(ConfigError::new(
                "CARNEAU_ADMIN_TOKEN",
                format!("must be at least {ADMIN_TOKEN_MIN_CHARS} characters long"),
            ));
        }
        if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(ConfigError::new(
                "CARNEAU_ADMIN_TOKEN",
                "must be printable ASCII without spaces",
            ));
        }
        Ok(Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// Whether `presented` is this token. Digests of equal length are compared without an
    /// early exit, so the time taken says nothing about how much of a guess was right.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let difference = self
            .digest
            .iter()
            .zip(presented.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// The key that signs reservation tokens. Its `Debug` form never shows it.
#[derive(Clone)]
pub struct TokenSecret(Vec<u8>);

impl TokenSecret {
    /// Accepts a secret of at least [`ADMIN_TOKEN_MIN_CHARS`] characters.
    pub fn parse(secret: &str) -> Result<Self, ConfigError> {
        if secret.chars().count() < ADMIN_TOKEN_MIN_CHARS {
            return Err(ConfigError::new(
                "CARNEAU_TOKEN_SECRET",
                format!("must be at least {ADMIN_TOKEN_MIN_CHARS} characters long"),
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

//! Password hashing with argon2id, off the async runtime.
//!
//! Verifying takes the same work whether the account exists or not: an unknown email is
//! checked against a dummy hash, so timing does not reveal which emails have accounts.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use carneau_domain::account::Password;
use rand::RngCore;

/// The argon2id cost: OWASP's 19 MiB, 2 passes, 1 lane (its first recommended setting).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password nobody knows, verified against when no account matches.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut secret = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    hash_blocking(&hex(&secret)).ok()
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|error| anyhow::anyhow!("salt: {error}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))?;
    Ok(hash.to_string())
}

fn verify_blocking(stored: Option<&str>, password: &str) -> bool {
    let dummy = DUMMY_HASH.as_deref();
    let (stored, real) = match stored {
        Some(stored) => (Some(stored), true),
        None => (dummy, false),
    };
    let Some(parsed) = stored.and_then(|hash| PasswordHash::new(hash).ok()) else {
        return false;
    };
    // Parameters come from the stored hash, so old hashes keep verifying after a change.
    let matches = argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && real
}

/// Hashes `password` (argon2id, random salt) on a blocking thread; the PHC string result
/// carries its own parameters.
pub async fn hash_password(password: &Password) -> anyhow::Result<String> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Whether `password` matches `stored` (a PHC string) on a blocking thread. `None` (no
/// such account) does the same work against a dummy hash and answers `false`.
pub async fn verify_password(stored: Option<String>, password: &Password) -> bool {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || verify_blocking(stored.as_deref(), &password))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse battery").unwrap();
        let hash = hash_password(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("correct horse"));
        assert!(verify_password(Some(hash.clone()), &password).await);
        let wrong = Password::parse("incorrect horse battery").unwrap();
        assert!(!verify_password(Some(hash), &wrong).await);
    }

    #[tokio::test]
    async fn no_account_never_verifies() {
        let password = Password::parse("correct horse battery").unwrap();
        assert!(!verify_password(None, &password).await);
        assert!(!verify_password(Some("not a hash".to_owned()), &password).await);
    }
}

//! The secrets handed to clients (session tokens, email verification tokens): 32 random
//! bytes, base64url without padding, stored only as their SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in a token: 256 bits.
const TOKEN_BYTES: usize = 32;

/// A fresh token (43 characters).
pub(super) fn generate() -> String {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `raw` trimmed, if it has the shape of a token [`generate`] makes.
pub(super) fn parse(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let decoded = URL_SAFE_NO_PAD.decode(raw).ok()?;
    (decoded.len() == TOKEN_BYTES).then(|| raw.to_owned())
}

/// What is stored in place of the token.
pub(super) fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

//! The secrets handed to clients (session tokens, the tokens of email verification and
//! password reset links): 32 random bytes, base64url without padding, stored only as
//! their SHA-256.

use std::marker::PhantomData;

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

/// The token of a link mailed to an account's address; `P` names what the link is for
/// (see [`super::VerificationToken`], [`super::PasswordResetToken`]), so one kind cannot
/// be passed where the other is meant. `Debug` never shows it.
pub struct LinkToken<P> {
    token: String,
    purpose: PhantomData<P>,
}

impl<P> LinkToken<P> {
    /// A fresh token.
    pub(super) fn generate() -> Self {
        Self::wrap(generate())
    }

    fn wrap(token: String) -> Self {
        Self {
            token,
            purpose: PhantomData,
        }
    }

    /// A token from a link, if it has the shape of one this service issues.
    pub fn parse(raw: &str) -> Option<Self> {
        parse(raw).map(Self::wrap)
    }

    /// The token, to put in the link.
    pub fn expose(&self) -> &str {
        &self.token
    }

    /// What is stored in its place.
    pub(super) fn hash(&self) -> Vec<u8> {
        sha256(&self.token).to_vec()
    }
}

// By hand: derived impls would ask the same of `P`, a marker that has none.
impl<P> Clone for LinkToken<P> {
    fn clone(&self) -> Self {
        Self::wrap(self.token.clone())
    }
}

impl<P> PartialEq for LinkToken<P> {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
    }
}

impl<P> Eq for LinkToken<P> {}

impl<P> std::fmt::Debug for LinkToken<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken(***)")
    }
}

//! Session tokens as the client holds them and as the database stores them (hashed).

use super::super::random_token;

/// A session token as the client holds it (cookie or bearer). Never logged: `Debug`
/// shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh token: 32 random bytes, base64url without padding (43 characters).
    pub fn generate() -> Self {
        Self(random_token::generate())
    }

    /// A token a client presented, if it has the shape of one this service issues.
    pub fn parse(raw: &str) -> Option<Self> {
        random_token::parse(raw).map(Self)
    }

    /// The token, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored: the SHA-256 of the token.
    pub fn hash(&self) -> SessionHash {
        SessionHash(random_token::sha256(&self.0))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// The stored form of a session token: its SHA-256. Names a session without being able
/// to use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionHash([u8; 32]);

impl SessionHash {
    /// The hash as `sessions.token_hash` stores it.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// A hash read back from `sessions.token_hash`; `None` if it is not 32 bytes.
    pub(super) fn from_stored(bytes: Vec<u8>) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The hash in lower-case hex, for Redis keys.
    pub(super) fn hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

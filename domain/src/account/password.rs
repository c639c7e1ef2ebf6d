//! A password as a person typed it: only length is checked, never composition.

use std::fmt;

use crate::text::InvalidValue;

/// A password, between [`Password::MIN_CHARS`] and [`Password::MAX_CHARS`] characters.
///
/// Length is the only rule (as NIST SP 800-63B advises): composition rules push people to
/// predictable passwords. The upper bound keeps hashing cost bounded. Never serialised and
/// never printed: `Debug` shows a placeholder, and events record that a password changed,
/// never the password or its hash.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 10;
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 128;

    /// Checks the length of `raw` (in characters, not bytes). Not trimmed: spaces are
    /// part of a passphrase.
    pub fn parse(raw: impl Into<String>) -> Result<Self, InvalidValue> {
        let raw = raw.into();
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(InvalidValue::new(format!(
                "must be {} to {} characters",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            )));
        }
        Ok(Self(raw))
    }

    /// A password presented to sign in or to confirm a change: not held to the length
    /// rule (the account's password met it when it was set; anything else simply does not
    /// match), so a refusal says nothing about what the password is like.
    pub fn presented(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The password itself, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_length_counts() {
        assert!(Password::parse("aaaaaaaaaa").is_ok());
        assert!(Password::parse("correct horse battery").is_ok());
        assert_eq!(
            Password::parse("short").unwrap_err().message(),
            "must be 10 to 128 characters"
        );
        assert!(Password::parse("é".repeat(128)).is_ok());
        assert!(Password::parse("a".repeat(129)).is_err());
    }

    #[test]
    fn never_prints() {
        let password = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}

//! The code a buyer types: what they read off a flyer or an email, matched without regard
//! to case or surrounding spaces.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::InvalidValue;

/// Fewest characters of a code: short codes are guessed.
pub const MIN_CODE_CHARS: usize = 4;
/// Most characters of a code.
pub const MAX_CODE_CHARS: usize = 32;

/// A promo or voucher code: 4 to 32 letters, digits and dashes, kept uppercase, so
/// `early-bird` and `EARLY-BIRD` are one code. No other characters: a code is read aloud,
/// printed and typed on phones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VoucherCode(String);

impl VoucherCode {
    /// Parses what a buyer or an organiser typed.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if !(MIN_CODE_CHARS..=MAX_CODE_CHARS).contains(&chars) {
            return Err(InvalidValue::new(format!(
                "must be {MIN_CODE_CHARS} to {MAX_CODE_CHARS} characters"
            )));
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(InvalidValue::new(
                "may contain only letters A to Z, digits and dashes",
            ));
        }
        Ok(Self(trimmed.to_ascii_uppercase()))
    }

    /// The code as stored and shown: uppercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for VoucherCode {
    type Error = InvalidValue;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<VoucherCode> for String {
    fn from(code: VoucherCode) -> Self {
        code.0
    }
}

impl fmt::Display for VoucherCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_matched_whatever_its_case_and_spaces() {
        assert_eq!(
            VoucherCode::parse("  early-Bird ").unwrap(),
            VoucherCode::parse("EARLY-BIRD").unwrap()
        );
    }

    #[test]
    fn a_code_too_short_too_long_or_with_other_characters_is_refused_in_words() {
        assert_eq!(
            VoucherCode::parse("abc").unwrap_err().message(),
            "must be 4 to 32 characters"
        );
        assert!(VoucherCode::parse(&"A".repeat(33)).is_err());
        assert_eq!(
            VoucherCode::parse("CAFÉ2030").unwrap_err().message(),
            "may contain only letters A to Z, digits and dashes"
        );
        assert!(VoucherCode::parse("SUMMER 24").is_err());
    }
}

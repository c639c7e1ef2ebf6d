//! An email address as an account's login: parsed once, compared without regard to case.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::text::InvalidValue;

/// The longest address accepted (RFC 5321's path limit, less the angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest local part (before `@`) accepted (RFC 5321).
const MAX_LOCAL_PART_CHARS: usize = 64;

/// An email address: trimmed, one `@` between a non-empty local part and a domain with a
/// dot, no spaces or control characters, at most [`MAX_EMAIL_CHARS`] characters.
///
/// Kept as typed (so mail goes to what the person wrote) but equal, hashed and
/// [`normalized`](Self::normalized) without regard to case: `Ann@Example.com` and
/// `ann@example.com` are one account. Whether the address exists is proved by a
/// verification link, not by its shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims `raw` and checks its shape; the error says what is wrong in plain words.
    pub fn parse(raw: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let trimmed = raw.as_ref().trim();
        if trimmed.is_empty() {
            return Err(InvalidValue::new("must not be empty"));
        }
        if trimmed.chars().count() > MAX_EMAIL_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at most {MAX_EMAIL_CHARS} characters"
            )));
        }
        let shape_error = || InvalidValue::new("must be an email address like name@example.com");
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        {
            return Err(shape_error());
        }
        let (local, domain) = trimmed.split_once('@').ok_or_else(shape_error)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.chars().count() > MAX_LOCAL_PART_CHARS || !domain_ok {
            return Err(shape_error());
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address in lower case: the form uniqueness and look-ups use.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    /// This address in lower case, still an address: what an order records, so that
    /// look-ups by [`Self::normalized`] find it.
    pub fn to_normalized(&self) -> Self {
        Self(self.normalized())
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.normalized() == other.normalized()
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidValue;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_trimmed_and_kept_as_typed() {
        let email = EmailAddress::parse("  Lina.Moreau@Example.com ").unwrap();
        assert_eq!(email.as_str(), "Lina.Moreau@Example.com");
        assert_eq!(email.normalized(), "lina.moreau@example.com");
    }

    #[test]
    fn compares_without_regard_to_case() {
        assert_eq!(
            EmailAddress::parse("ANN@EXAMPLE.COM").unwrap(),
            EmailAddress::parse("ann@example.com").unwrap()
        );
    }

    #[test]
    fn refuses_what_is_not_shaped_like_an_address() {
        for raw in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann@exa mple.com",
            "ann@.example.com",
            "ann@example..com",
            "ann@-example.com",
            "ann\n@example.com",
            "Ann <ann@example.com>",
        ] {
            assert!(EmailAddress::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let local = "a".repeat(65);
        assert!(EmailAddress::parse(format!("{local}@example.com")).is_err());
        let domain = format!("{}.com", "d".repeat(250));
        assert_eq!(
            EmailAddress::parse(format!("a@{domain}"))
                .unwrap_err()
                .message(),
            "must be at most 254 characters"
        );
    }

    #[test]
    fn serde_form_is_the_bare_string_and_goes_through_parse() {
        let email = EmailAddress::parse("ann@example.com").unwrap();
        assert_eq!(
            serde_json::to_string(&email).unwrap(),
            "\"ann@example.com\""
        );
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
    }
}

//! Free-text values an organiser types in: titles, descriptions, venue and ticket type names.
//!
//! Each is parsed once at the edge (trimmed, length-checked in characters, control characters
//! refused) and cannot hold a bad value afterwards. Deserialisation goes through the same
//! parse, so a stored or posted value is never trusted blindly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a raw value was refused, in plain words a person filling a form can act on
/// (e.g. "must be 1 to 200 characters"). The caller knows which field it was parsing and
/// names it; the message only says what is wrong with the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    /// An error with the given human-readable message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// Which control characters a kind of text may contain.
#[derive(Clone, Copy)]
enum Lines {
    /// A one-line label: no control character at all.
    Single,
    /// Prose or a postal address: line breaks and tabs are content, other controls are not.
    Multi,
}

/// Trims `raw` and checks its length in characters (not bytes, so accents count as one)
/// and its control characters.
fn parse_text(
    raw: &str,
    min_chars: usize,
    max_chars: usize,
    lines: Lines,
) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars < min_chars || chars > max_chars {
        return Err(InvalidValue::new(if min_chars == 0 {
            format!("must be at most {max_chars} characters")
        } else {
            format!("must be {min_chars} to {max_chars} characters")
        }));
    }
    let allowed = |c: char| match lines {
        Lines::Single => !c.is_control(),
        Lines::Multi => !c.is_control() || matches!(c, '\n' | '\r' | '\t'),
    };
    if !trimmed.chars().all(allowed) {
        return Err(InvalidValue::new(match lines {
            Lines::Single => "must not contain control characters such as line breaks or tabs",
            Lines::Multi => "must not contain control characters other than line breaks and tabs",
        }));
    }
    Ok(trimmed.to_owned())
}

/// Declares a trimmed, bounded text newtype with its parse, accessors and serde form.
macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $lines:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Fewest characters allowed after trimming.
            pub const MIN_CHARS: usize = $min;
            /// Most characters allowed after trimming.
            pub const MAX_CHARS: usize = $max;

            /// Trims `raw` and checks it; the error says what is wrong in plain words.
            pub fn parse(raw: impl AsRef<str>) -> Result<Self, InvalidValue> {
                parse_text(raw.as_ref(), Self::MIN_CHARS, Self::MAX_CHARS, $lines).map(Self)
            }

            /// The text as parsed (trimmed).
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidValue;

            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// The name of an event as buyers see it: one line, 1 to 200 characters.
    Title, 1, 200, Lines::Single
);
bounded_text!(
    /// What the event is about: prose with line breaks, up to 10,000 characters, may be empty.
    Description, 0, 10_000, Lines::Multi
);
bounded_text!(
    /// Where the event happens, as a name ("Olympia"): one line, 1 to 200 characters.
    VenueName, 1, 200, Lines::Single
);
bounded_text!(
    /// The venue's postal address: may span lines, up to 500 characters, may be empty.
    VenueAddress, 0, 500, Lines::Multi
);
bounded_text!(
    /// The name of a kind of ticket ("Early bird", "VIP"): one line, 1 to 100 characters.
    TicketTypeName, 1, 100, Lines::Single
);

bounded_text!(
    /// The name of a capacity shared by ticket types ("Venue", "Standing floor"): one
    /// line, 1 to 100 characters.
    CapacityPoolName, 1, 100, Lines::Single
);

bounded_text!(
    /// The name of the person a ticket is for, as printed on it and read at the door
    /// ("Lina Moreau"): one line, 1 to 100 characters.
    AttendeeName, 1, 100, Lines::Single
);

bounded_text!(
    /// What an image shows, for people who cannot see it: one line, 1 to 300 characters.
    AltText, 1, 300, Lines::Single
);

bounded_text!(
    /// How a person is called on their account ("Lina Moreau"): one line, 1 to 100
    /// characters.
    PersonName, 1, 100, Lines::Single
);

impl Description {
    /// No description at all.
    pub fn empty() -> Self {
        Self(String::new())
    }
}

impl VenueAddress {
    /// No address (an online event, or one announced later).
    pub fn empty() -> Self {
        Self(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed() {
        assert_eq!(
            Title::parse("  Jazz at dusk \n").unwrap().as_str(),
            "Jazz at dusk"
        );
    }

    #[test]
    fn title_counts_characters_not_bytes() {
        assert!(Title::parse("é".repeat(200)).is_ok());
        assert_eq!(
            Title::parse("é".repeat(201)).unwrap_err().message(),
            "must be 1 to 200 characters"
        );
    }

    #[test]
    fn refuses_an_empty_or_blank_title() {
        assert_eq!(
            Title::parse("").unwrap_err().message(),
            "must be 1 to 200 characters"
        );
        assert!(Title::parse("   ").is_err());
    }

    #[test]
    fn refuses_control_characters_in_a_title() {
        let error = Title::parse("Jazz\nat dusk").unwrap_err();
        assert!(error
            .message()
            .starts_with("must not contain control characters"));
        assert!(Title::parse("Jazz\u{7}").is_err());
    }

    #[test]
    fn description_may_be_empty_and_multiline() {
        assert_eq!(Description::parse("  ").unwrap(), Description::empty());
        assert!(Description::parse("Line one\nLine two\twith a tab").is_ok());
        assert!(Description::parse("bell \u{7}").is_err());
    }

    #[test]
    fn description_holds_at_most_ten_thousand_characters() {
        assert!(Description::parse("a".repeat(10_000)).is_ok());
        assert_eq!(
            Description::parse("a".repeat(10_001))
                .unwrap_err()
                .message(),
            "must be at most 10000 characters"
        );
    }

    #[test]
    fn venue_name_bounds() {
        assert!(VenueName::parse("").is_err());
        assert!(VenueName::parse("x").is_ok());
        assert!(VenueName::parse("x".repeat(200)).is_ok());
        assert!(VenueName::parse("x".repeat(201)).is_err());
    }

    #[test]
    fn venue_address_bounds() {
        assert_eq!(VenueAddress::parse("").unwrap(), VenueAddress::empty());
        assert!(VenueAddress::parse("28 Boulevard des Capucines\n75009 Paris").is_ok());
        assert!(VenueAddress::parse("x".repeat(500)).is_ok());
        assert!(VenueAddress::parse("x".repeat(501)).is_err());
    }

    #[test]
    fn ticket_type_name_bounds() {
        assert!(TicketTypeName::parse(" ").is_err());
        assert!(TicketTypeName::parse("x".repeat(100)).is_ok());
        assert_eq!(
            TicketTypeName::parse("x".repeat(101))
                .unwrap_err()
                .message(),
            "must be 1 to 100 characters"
        );
    }

    #[test]
    fn serde_form_is_the_bare_string_and_goes_through_parse() {
        let title = Title::parse("Jazz").unwrap();
        assert_eq!(serde_json::to_string(&title).unwrap(), "\"Jazz\"");
        let back: Title = serde_json::from_str("\"  Jazz \"").unwrap();
        assert_eq!(back, title);
        let error = serde_json::from_str::<Title>("\"\"").unwrap_err();
        assert!(error.to_string().contains("must be 1 to 200 characters"));
    }
}

//! What an event is, where and when: the details an organiser edits and buyers read.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::attendee_questions::AttendeeQuestions;
use crate::text::{Description, InvalidValue, Title, VenueAddress, VenueName};

/// Where an event takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Venue {
    /// The venue as people call it ("Olympia").
    pub name: VenueName,
    /// Its postal address; empty when there is none to give.
    pub address: VenueAddress,
}

/// The IANA time zone the event is held in ("Europe/Paris").
///
/// Instants are stored in UTC; the zone is kept so that times can be shown as the audience
/// will experience them, daylight saving included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Parses an IANA name exactly as the tz database spells it (case matters).
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        Tz::from_str(raw.trim())
            .map(Self)
            .map_err(|_| InvalidValue::new("must be an IANA time zone name such as Europe/Paris"))
    }

    /// The IANA name, e.g. "Europe/Paris".
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// The zone, for converting instants to local time.
    pub fn tz(&self) -> Tz {
        self.0
    }
}

impl From<Tz> for TimeZone {
    fn from(tz: Tz) -> Self {
        Self(tz)
    }
}

impl FromStr for TimeZone {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TimeZone {
    type Error = InvalidValue;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<TimeZone> for String {
    fn from(zone: TimeZone) -> Self {
        zone.as_str().to_owned()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything about an event except its ticket types and lifecycle.
///
/// Each field is already a valid value; that the event ends after it starts is a rule the
/// [`crate::Event`] aggregate enforces, because an edit may change either end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    /// The name buyers see.
    pub title: Title,
    /// What the event is about.
    pub description: Description,
    /// Where it happens.
    pub venue: Venue,
    /// When the doors open, as an instant.
    pub starts_at: DateTime<Utc>,
    /// When it is over, as an instant; after `starts_at`.
    pub ends_at: DateTime<Utc>,
    /// The zone the times are shown in.
    pub time_zone: TimeZone,
    /// What buyers are asked about each ticket's attendee; absent (asks nothing) in
    /// details recorded before it existed.
    #[serde(default, skip_serializing_if = "AttendeeQuestions::asks_nothing")]
    pub attendee_questions: AttendeeQuestions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zone_parses_an_iana_name() {
        let paris = TimeZone::parse(" Europe/Paris ").unwrap();
        assert_eq!(paris.as_str(), "Europe/Paris");
        assert_eq!(paris.tz(), chrono_tz::Europe::Paris);
        assert_eq!("UTC".parse::<TimeZone>().unwrap().to_string(), "UTC");
    }

    #[test]
    fn refuses_a_bad_time_zone() {
        for bad in ["", "Paris", "Europe/Atlantis", "+02:00"] {
            assert_eq!(
                TimeZone::parse(bad).unwrap_err().message(),
                "must be an IANA time zone name such as Europe/Paris",
                "{bad}"
            );
        }
    }

    #[test]
    fn time_zone_serialises_as_its_name_and_deserialises_through_parse() {
        let tokyo = TimeZone::parse("Asia/Tokyo").unwrap();
        assert_eq!(serde_json::to_string(&tokyo).unwrap(), "\"Asia/Tokyo\"");
        assert_eq!(
            serde_json::from_str::<TimeZone>("\"Asia/Tokyo\"").unwrap(),
            tokyo
        );
        assert!(serde_json::from_str::<TimeZone>("\"Asia/Atlantis\"").is_err());
    }
}

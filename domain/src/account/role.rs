//! What an account may do beyond buying tickets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role granted to an account. Every account is a buyer; door-staff access is granted
/// per event, not as a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates events and manages the ones they created.
    Organiser,
    /// Manages every event and every account's roles.
    Admin,
    /// Reads the whole event log and every history in it; changes nothing.
    Auditor,
}

impl Role {
    /// The role's name as the API and the events spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Organiser => "organiser",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::text::InvalidValue;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "organiser" => Ok(Self::Organiser),
            "admin" => Ok(Self::Admin),
            "auditor" => Ok(Self::Auditor),
            _ => Err(crate::text::InvalidValue::new(
                "must be `organiser`, `admin` or `auditor`",
            )),
        }
    }
}

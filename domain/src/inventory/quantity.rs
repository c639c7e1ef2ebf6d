//! How many tickets of one type a buyer asks to hold.

use serde::{Deserialize, Serialize};

use crate::text::InvalidValue;

/// A number of tickets of one type in one reservation: 1 to 100.
///
/// The upper bound is the largest per-order limit an organiser may set
/// ([`crate::MaxPerOrder::MAX`]); the ticket type's own, usually smaller, limit is a rule the
/// [`super::Inventory`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    /// Fewest tickets a line may ask for.
    pub const MIN: u32 = 1;
    /// Most tickets a line may ask for.
    pub const MAX: u32 = 100;

    /// Checks that `tickets` is within bounds.
    pub fn parse(tickets: u32) -> Result<Self, InvalidValue> {
        if (Self::MIN..=Self::MAX).contains(&tickets) {
            Ok(Self(tickets))
        } else {
            Err(InvalidValue::new("must be 1 to 100 tickets"))
        }
    }

    /// The number of tickets.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Quantity {
    type Error = InvalidValue;

    fn try_from(tickets: u32) -> Result<Self, Self::Error> {
        Self::parse(tickets)
    }
}

impl From<Quantity> for u32 {
    fn from(quantity: Quantity) -> Self {
        quantity.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_bounds() {
        assert_eq!(
            Quantity::parse(0).unwrap_err().message(),
            "must be 1 to 100 tickets"
        );
        assert_eq!(Quantity::parse(1).unwrap().get(), 1);
        assert_eq!(Quantity::parse(100).unwrap().get(), 100);
        assert!(Quantity::parse(101).is_err());
    }

    #[test]
    fn quantity_deserialises_through_parse() {
        assert_eq!(serde_json::from_str::<Quantity>("3").unwrap().get(), 3);
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("101").is_err());
        assert_eq!(
            serde_json::to_string(&Quantity::parse(7).unwrap()).unwrap(),
            "7"
        );
    }
}

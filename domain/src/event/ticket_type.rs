//! A kind of ticket an event sells ("Early bird", "VIP") and the values that bound it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::TicketTypeId;
use crate::money::Money;
use crate::text::{InvalidValue, TicketTypeName};

/// How many tickets of one type exist: 1 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Capacity(u32);

impl Capacity {
    /// Fewest tickets a type may offer.
    pub const MIN: u32 = 1;
    /// Most tickets a type may offer; beyond this a venue is a stadium split into types.
    pub const MAX: u32 = 1_000_000;

    /// Checks that `tickets` is within bounds.
    pub fn parse(tickets: u32) -> Result<Self, InvalidValue> {
        if (Self::MIN..=Self::MAX).contains(&tickets) {
            Ok(Self(tickets))
        } else {
            Err(InvalidValue::new("must be 1 to 1000000 tickets"))
        }
    }

    /// The number of tickets.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Capacity {
    type Error = InvalidValue;

    fn try_from(tickets: u32) -> Result<Self, Self::Error> {
        Self::parse(tickets)
    }
}

impl From<Capacity> for u32 {
    fn from(capacity: Capacity) -> Self {
        capacity.0
    }
}

/// How many tickets of one type a single order may hold: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct MaxPerOrder(u16);

impl MaxPerOrder {
    /// Smallest limit: one ticket per order.
    pub const MIN: u16 = 1;
    /// Largest limit an organiser may set.
    pub const MAX: u16 = 100;

    /// Checks that `tickets` is within bounds.
    pub fn parse(tickets: u16) -> Result<Self, InvalidValue> {
        if (Self::MIN..=Self::MAX).contains(&tickets) {
            Ok(Self(tickets))
        } else {
            Err(InvalidValue::new("must be 1 to 100 tickets per order"))
        }
    }

    /// The limit.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for MaxPerOrder {
    type Error = InvalidValue;

    fn try_from(tickets: u16) -> Result<Self, Self::Error> {
        Self::parse(tickets)
    }
}

impl From<MaxPerOrder> for u16 {
    fn from(limit: MaxPerOrder) -> Self {
        limit.0
    }
}

/// When a ticket type is on sale: from `opens_at` (included) to `closes_at` (excluded),
/// and `closes_at` is always after `opens_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "SaleWindowFields")]
pub struct SaleWindow {
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
}

/// The unchecked serde form of a [`SaleWindow`], so deserialising goes through `parse`.
#[derive(Deserialize)]
struct SaleWindowFields {
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
}

impl SaleWindow {
    /// A window that closes strictly after it opens.
    pub fn parse(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Result<Self, InvalidValue> {
        if closes_at > opens_at {
            Ok(Self {
                opens_at,
                closes_at,
            })
        } else {
            Err(InvalidValue::new("sales must close after they open"))
        }
    }

    /// The first instant tickets can be bought.
    pub const fn opens_at(&self) -> DateTime<Utc> {
        self.opens_at
    }

    /// The instant sales stop.
    pub const fn closes_at(&self) -> DateTime<Utc> {
        self.closes_at
    }

    /// Whether tickets can be bought at `at`.
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        self.opens_at <= at && at < self.closes_at
    }
}

impl TryFrom<SaleWindowFields> for SaleWindow {
    type Error = InvalidValue;

    fn try_from(fields: SaleWindowFields) -> Result<Self, Self::Error> {
        Self::parse(fields.opens_at, fields.closes_at)
    }
}

/// One kind of ticket of an event, with its price, stock and sale rules.
///
/// Each field is a valid value on its own; that the price is not negative, is in the event's
/// currency and that sales close by the event's end are rules of the [`crate::Event`]
/// aggregate, which knows the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketType {
    /// Stable id, chosen by the caller so a retried add is recognisable.
    pub id: TicketTypeId,
    /// The name buyers pick from; unique within the event, ignoring case.
    pub name: TicketTypeName,
    /// The price of one ticket.
    pub price: Money,
    /// How many tickets of this type exist.
    pub capacity: Capacity,
    /// When they are on sale.
    pub sale_window: SaleWindow,
    /// How many one order may hold.
    pub max_per_order: MaxPerOrder,
    /// A presale type: shown and sold only to buyers whose code unlocks it. Stored only
    /// when set, so a type shown to everyone keeps the stored form it had before presales
    /// existed, and such older facts read as shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn capacity_bounds() {
        assert_eq!(
            Capacity::parse(0).unwrap_err().message(),
            "must be 1 to 1000000 tickets"
        );
        assert_eq!(Capacity::parse(1).unwrap().get(), 1);
        assert_eq!(Capacity::parse(1_000_000).unwrap().get(), 1_000_000);
        assert!(Capacity::parse(1_000_001).is_err());
    }

    #[test]
    fn max_per_order_bounds() {
        assert_eq!(
            MaxPerOrder::parse(0).unwrap_err().message(),
            "must be 1 to 100 tickets per order"
        );
        assert_eq!(MaxPerOrder::parse(1).unwrap().get(), 1);
        assert_eq!(MaxPerOrder::parse(100).unwrap().get(), 100);
        assert!(MaxPerOrder::parse(101).is_err());
    }

    #[test]
    fn numbers_deserialise_through_parse() {
        assert_eq!(serde_json::from_str::<Capacity>("250").unwrap().get(), 250);
        assert!(serde_json::from_str::<Capacity>("0").is_err());
        assert!(serde_json::from_str::<MaxPerOrder>("101").is_err());
        assert_eq!(
            serde_json::to_string(&MaxPerOrder::parse(4).unwrap()).unwrap(),
            "4"
        );
    }

    #[test]
    fn sale_window_must_close_after_it_opens() {
        assert_eq!(
            SaleWindow::parse(at(10), at(10)).unwrap_err().message(),
            "sales must close after they open"
        );
        assert!(SaleWindow::parse(at(11), at(10)).is_err());
        let window = SaleWindow::parse(at(10), at(12)).unwrap();
        assert_eq!((window.opens_at(), window.closes_at()), (at(10), at(12)));
    }

    #[test]
    fn sale_window_includes_its_opening_and_excludes_its_closing() {
        let window = SaleWindow::parse(at(10), at(12)).unwrap();
        assert!(!window.is_open_at(at(9)));
        assert!(window.is_open_at(at(10)));
        assert!(window.is_open_at(at(11)));
        assert!(!window.is_open_at(at(12)));
    }

    #[test]
    fn sale_window_deserialises_through_parse() {
        let window = SaleWindow::parse(at(10), at(12)).unwrap();
        let json = serde_json::to_value(window).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"opens_at": "2030-01-01T10:00:00Z", "closes_at": "2030-01-01T12:00:00Z"})
        );
        assert_eq!(serde_json::from_value::<SaleWindow>(json).unwrap(), window);
        let backwards = serde_json::json!({"opens_at": "2030-01-01T12:00:00Z", "closes_at": "2030-01-01T10:00:00Z"});
        let error = serde_json::from_value::<SaleWindow>(backwards).unwrap_err();
        assert!(error
            .to_string()
            .contains("sales must close after they open"));
    }
}

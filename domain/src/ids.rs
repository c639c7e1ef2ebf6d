//! Identifiers of the things tickets are sold for, and of the holds buyers place on them.
//!
//! Each id is its own type so an event id can never be passed where a ticket type id is
//! expected. New ids are UUID v7: time-ordered, so they index well in PostgreSQL.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares an id type: a UUID of its own type, new ones time-ordered (v7), serialised as
/// the bare UUID string, displayed hyphenated (the form `FromStr` reads back).
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            #[doc = concat!("A fresh, time-ordered (v7) id for a new ", $what, ".")]
            // An id has no meaningful default value, so `Default` would only hide a random value.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self::new_random()
            }

            #[doc = concat!("A fresh, time-ordered (v7) id for a new ", $what, ".")]
            pub fn new_random() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an id that already exists (read from a URL or the database).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

uuid_id!(
    /// Identifies one event (a concert, a conference); also the aggregate id of
    /// [`crate::Event`] and of its inventory.
    EventId,
    "event"
);

impl EventId {
    /// The aggregate id under which the event store keeps this event's history: the UUID in
    /// its hyphenated lowercase form, so that it matches what the `FromStr` impl reads back.
    pub fn to_aggregate_id(&self) -> String {
        self.0.hyphenated().to_string()
    }
}

uuid_id!(
    /// Identifies one image of an event (its poster or another picture). A new upload is
    /// a new id, so the bytes served under an id never change and may be cached for good.
    EventImageId,
    "event image"
);

uuid_id!(
    /// Identifies one kind of ticket within an event (e.g. "Early bird", "VIP").
    TicketTypeId,
    "ticket type"
);

uuid_id!(
    /// Identifies one capacity shared by several ticket types of an event (a venue of
    /// 1,000 that Standard, VIP and Student tickets all draw from).
    CapacityPoolId,
    "capacity pool"
);

uuid_id!(
    /// Identifies one person's account (buyer, organiser, door staff or admin); also the
    /// aggregate id of [`crate::account::Account`].
    AccountId,
    "account"
);

impl AccountId {
    /// The aggregate id under which the event store keeps this account's history (the
    /// hyphenated lowercase UUID).
    pub fn to_aggregate_id(&self) -> String {
        self.0.hyphenated().to_string()
    }
}

uuid_id!(
    /// Identifies one person's place on a waiting list. The offer made to it is a hold
    /// whose reservation id is the same UUID, so one token proves both.
    WaitingEntryId,
    "place on a waiting list"
);

uuid_id!(
    /// Identifies one hold of tickets (a buyer's reservation), chosen by the caller so that
    /// a retried request is recognised instead of holding the tickets twice.
    ReservationId,
    "reservation"
);

uuid_id!(
    /// Identifies one order: a buyer's checkout of one reservation. Derived from the
    /// reservation id ([`OrderId::for_reservation`]), so a retried checkout finds its order.
    OrderId,
    "order"
);

/// The UUID v5 namespace of order ids derived from reservation ids.
const ORDER_NAMESPACE: Uuid = Uuid::from_u128(0x6f72_6465_722d_6361_726e_6561_7500_0001);

impl OrderId {
    /// The one order a reservation can have: a retried checkout must land on the same order.
    pub fn for_reservation(reservation_id: ReservationId) -> Self {
        Self(Uuid::new_v5(&ORDER_NAMESPACE, reservation_id.0.as_bytes()))
    }

    /// The aggregate id under which the event store keeps this order's history.
    pub fn to_aggregate_id(&self) -> String {
        self.0.hyphenated().to_string()
    }

    /// The correlation id shared by every fact this purchase sets off, in the order's and
    /// the inventory's streams alike. It is the order id's UUID: since the order id derives
    /// from the reservation, the hold's facts, appended before the order exists, carry it
    /// too.
    pub fn correlation_id(&self) -> Uuid {
        self.0
    }
}

uuid_id!(
    /// Identifies one ticket: one seat of a paid order. Its signed code is derived from it.
    TicketId,
    "ticket"
);

impl TicketId {
    /// The aggregate id of the ticket's admission at the door (hyphenated lowercase).
    pub fn to_aggregate_id(&self) -> String {
        self.0.hyphenated().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_event_ids_are_version_7() {
        assert_eq!(EventId::new_random().as_uuid().get_version_num(), 7);
        assert_eq!(EventId::new().as_uuid().get_version_num(), 7);
        assert_eq!(TicketTypeId::new().as_uuid().get_version_num(), 7);
        assert_eq!(ReservationId::new().as_uuid().get_version_num(), 7);
        assert_eq!(AccountId::new().as_uuid().get_version_num(), 7);
    }

    #[test]
    fn aggregate_id_round_trips_through_from_str() {
        let id = EventId::new_random();
        let text = id.to_aggregate_id();
        assert_eq!(text.len(), 36);
        assert_eq!(text, id.to_string());
        assert_eq!(text.parse::<EventId>().unwrap(), id);
    }

    #[test]
    fn refuses_an_event_id_that_is_not_a_uuid() {
        assert!("not-a-uuid".parse::<EventId>().is_err());
        assert!("".parse::<TicketTypeId>().is_err());
        assert!("12345".parse::<ReservationId>().is_err());
    }

    #[test]
    fn ids_serialise_as_bare_uuid_strings() {
        let uuid = Uuid::now_v7();
        let json = serde_json::to_string(&TicketTypeId::from_uuid(uuid)).unwrap();
        assert_eq!(json, format!("\"{uuid}\""));
        let back: EventId = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_uuid(), uuid);
        let reservation: ReservationId = serde_json::from_str(&json).unwrap();
        assert_eq!(
            reservation.to_string().parse::<ReservationId>().unwrap(),
            reservation
        );
        assert_eq!(serde_json::to_string(&reservation).unwrap(), json);
    }
}

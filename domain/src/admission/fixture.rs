//! The one ticket, event, door agents and clock the admission tests (online and
//! offline) are told in.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use uuid::Uuid;

use super::*;

pub(super) fn ticket() -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x7ac4e7))
}

pub(super) fn concert() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xc0ffee))
}

/// A door agent's account.
pub(super) fn door(agent: u128) -> Actor {
    Actor::Account {
        account_id: crate::ids::AccountId::from_uuid(Uuid::from_u128(0xd00e + agent)),
    }
}

/// `minute` minutes after the doors open (19:00 on the night); negative is before.
pub(super) fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 1, 19, 0, 0).unwrap() + Duration::minutes(minute)
}

/// A scan at the door at `minute` by `by`, of a ticket whose order says `standing`.
pub(super) fn scan_of(standing: TicketStanding, minute: i64, by: Actor) -> AdmissionCommand {
    AdmissionCommand::CheckIn {
        ticket_id: ticket(),
        event_id: concert(),
        at: at(minute),
        by,
        standing,
    }
}

/// The online check-in of `by` at `minute`.
pub(super) fn checked_in(minute: i64, by: Actor) -> AdmissionEvent {
    AdmissionEvent::TicketCheckedIn {
        ticket_id: ticket(),
        event_id: concert(),
        checked_in_at: at(minute),
        checked_in_by: by,
        offline: None,
    }
}

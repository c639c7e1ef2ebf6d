//! What a buyer's HTTP request records on the facts it appends: who (their account when
//! signed in, else the guest holding the reservation's token), why (the request, by its
//! id) and which purchase (the correlation id every fact of it shares).

use carneau_commands::accounts::Session;
use carneau_domain::ids::{OrderId, ReservationId};
use carneau_domain::{Actor, Cause, EventMetadata};

/// The metadata of a buyer's request about `reservation_id`, made in `session` if signed
/// in. The correlation id is the order's, which derives from the reservation: the hold's
/// facts, appended before any order exists, join the purchase's story from the start.
pub fn buyer_metadata(session: Option<&Session>, reservation_id: ReservationId) -> EventMetadata {
    let actor = match session {
        Some(session) => Actor::Account {
            account_id: session.principal.account_id,
        },
        None => Actor::Guest { reservation_id },
    };
    let cause = Cause::Request {
        request_id: crate::request_id::current().map(|id| id.to_string()),
    };
    EventMetadata::new(actor, cause)
        .correlated(OrderId::for_reservation(reservation_id).correlation_id())
}

//! What the invariant test checks, computed from the holds themselves rather than from
//! the counters under test.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::Tally;
use crate::event::Event;
use crate::ids::{ReservationId, TicketTypeId};
use crate::inventory::{
    HoldDecision, HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryEvent,
};

/// Tickets of `ticket_type_id` in the holds of `inventory` that have not lapsed at `at`,
/// counted from the holds themselves: the oracle `held` must agree with.
pub(super) fn counted(
    inventory: &Inventory,
    ticket_type_id: TicketTypeId,
    at: DateTime<Utc>,
) -> u32 {
    inventory
        .active_holds()
        .filter(|(_, hold)| !hold.is_lapsed(at))
        .flat_map(|(_, hold)| hold.lines())
        .filter(|line| line.ticket_type_id == ticket_type_id)
        .map(|line| line.quantity.get())
        .sum()
}

/// The rule, checked at `at`: never oversold, and `held` agrees with the holds themselves.
pub(super) fn assert_invariant(inventory: &Inventory, event: &Event, at: DateTime<Utc>) {
    for ticket_type in event.ticket_types() {
        let id = ticket_type.id;
        let held = inventory.held(id, at);
        assert_eq!(held, counted(inventory, id, at), "held of {id} at {at}");
        assert!(
            inventory.sold(id) + held <= ticket_type.capacity.get(),
            "{id} oversold at {at}: {held} held of {}",
            ticket_type.capacity.get()
        );
        assert_eq!(
            inventory.available(event, id, at),
            ticket_type.capacity.get() - inventory.sold(id) - held
        );
    }
}

/// Checks each outcome of a batch decided at `now` on `before`: held requests are exactly
/// the placed holds and fit in what was left, and a sold-out refusal reports exactly what
/// was left (so the batch neither oversells nor turns buyers away needlessly).
pub(super) fn assert_outcomes_match(
    before: &Inventory,
    event: &Event,
    now: DateTime<Utc>,
    requests: &[HoldRequest],
    decision: &HoldDecision,
    tally: &mut Tally,
) {
    let placed: Vec<ReservationId> = decision
        .events
        .iter()
        .flat_map(|fact| match fact {
            InventoryEvent::HoldsPlaced { holds } => {
                holds.iter().map(|hold| hold.reservation_id).collect()
            }
            _ => vec![],
        })
        .collect();
    let mut accepted: BTreeMap<TicketTypeId, u32> = BTreeMap::new();
    let left = |accepted: &BTreeMap<TicketTypeId, u32>, id: TicketTypeId| {
        let capacity = event
            .ticket_type(id)
            .map_or(0, |ticket_type| ticket_type.capacity.get());
        capacity
            - before.sold(id)
            - counted(before, id, now)
            - accepted.get(&id).copied().unwrap_or(0)
    };
    let mut newly_held = Vec::new();
    for (request, outcome) in requests.iter().zip(&decision.outcomes) {
        match outcome {
            HoldOutcome::Held { expires_at, .. } => {
                assert_eq!(*expires_at, request.expires_at);
                for line in &request.lines {
                    assert!(line.quantity.get() <= left(&accepted, line.ticket_type_id));
                }
                if request.expires_at > now {
                    for line in &request.lines {
                        *accepted.entry(line.ticket_type_id).or_insert(0) += line.quantity.get();
                    }
                }
                newly_held.push(request.reservation_id);
                tally.held += 1;
            }
            HoldOutcome::AlreadyHeld { .. } => tally.already_held += 1,
            HoldOutcome::Refused(HoldRefusal::SoldOut {
                ticket_type_id,
                available,
            }) => {
                assert_eq!(*available, left(&accepted, *ticket_type_id));
                let asked = request
                    .lines
                    .iter()
                    .find(|line| line.ticket_type_id == *ticket_type_id)
                    .unwrap();
                assert!(asked.quantity.get() > *available);
                tally.sold_out += 1;
            }
            HoldOutcome::Refused(HoldRefusal::ReservationIdReused) => tally.reused += 1,
            HoldOutcome::Refused(_) => {}
        }
    }
    assert_eq!(newly_held, placed);
}

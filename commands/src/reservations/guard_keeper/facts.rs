//! The log's facts in the guard's terms: a hold's lines, its expiry, an event's stock and
//! the payment facts the guard follows in place.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldLine, Inventory, InventoryEvent};
use chrono::Utc;

use crate::reservations::guard::{
    Followed, GuardCodeStock, GuardError, GuardHold, GuardLine, GuardPool, GuardSnapshot,
    GuardStock, ReservationGuard,
};

/// Asks the guard to follow one fact appended at `log_version`; `None` for a fact it has no
/// in-place update for (holds placed, released or expired: those reach the guard through
/// admission, release and its own purge).
pub(super) async fn follow_fact(
    guard: &ReservationGuard,
    event_id: EventId,
    log_version: u64,
    event: &InventoryEvent,
) -> Result<Option<Followed>, GuardError> {
    let followed = match event {
        InventoryEvent::HoldSold {
            reservation_id,
            lines,
            late,
            code_use,
            ..
        } => {
            guard
                .sell(
                    event_id,
                    log_version,
                    *reservation_id,
                    &guard_lines(lines),
                    code_use.as_ref(),
                    *late,
                )
                .await?
        }
        InventoryEvent::HoldExtended {
            reservation_id,
            expires_at,
        } => {
            guard
                .extend(
                    event_id,
                    log_version,
                    *reservation_id,
                    guard_expiry_ms(*expires_at),
                )
                .await?
        }
        InventoryEvent::TicketsReturned {
            lines, code_use, ..
        } => {
            guard
                .return_tickets(
                    event_id,
                    log_version,
                    &guard_lines(lines),
                    code_use.as_ref(),
                )
                .await?
        }
        InventoryEvent::HoldsPlaced { .. }
        | InventoryEvent::HoldReleased { .. }
        | InventoryEvent::HoldsExpired { .. } => return Ok(None),
        // What the waiting lists claim and the offers they get change what the guard may
        // admit in ways it has no script for: it is rebuilt from the log (they are rare).
        InventoryEvent::WaitingListJoined { .. }
        | InventoryEvent::WaitingListLeft { .. }
        | InventoryEvent::WaitingListOffered { .. } => return Ok(None),
    };
    Ok(Some(followed))
}

/// The guard's form of a hold's lines.
pub(super) fn guard_lines(lines: &[HoldLine]) -> Vec<GuardLine> {
    lines
        .iter()
        .map(|line| GuardLine {
            ticket_type_id: line.ticket_type_id,
            quantity: line.quantity.get(),
        })
        .collect()
}

/// What the guard must know of an event: capacities, pools, sales and the unexpired holds, as of
/// the inventory's `log_version`.
pub(super) fn guard_snapshot(
    inventory: &Inventory,
    event: &Event,
    log_version: u64,
) -> GuardSnapshot {
    let now = Utc::now();
    GuardSnapshot {
        ticket_types: event
            .ticket_types()
            .iter()
            .map(|ticket_type| GuardStock {
                ticket_type_id: ticket_type.id,
                capacity: ticket_type.capacity.get(),
                // Tickets claimed by the waiting list are not for the guard to admit: to
                // it they are as good as sold until they are offered.
                sold: inventory
                    .sold(ticket_type.id)
                    .saturating_add(inventory.claimed_by_waiting_list(event, ticket_type.id)),
            })
            .collect(),
        pools: event
            .capacity_pools()
            .iter()
            .map(|pool| GuardPool {
                pool_id: pool.id,
                capacity: pool.capacity.get(),
                ticket_types: pool.ticket_types.clone(),
            })
            .collect(),
        codes: inventory
            .codes_spent()
            .map(|(code, spent)| GuardCodeStock {
                code: code.clone(),
                spent,
            })
            .collect(),
        holds: inventory
            .active_holds()
            .filter(|(_, hold)| hold.expires_at() > now)
            .map(|(reservation_id, hold)| GuardHold {
                reservation_id,
                lines: guard_lines(hold.lines()),
                code_use: hold.code_use().cloned(),
                expires_at_ms: guard_expiry_ms(hold.expires_at()),
            })
            .collect(),
        log_version,
    }
}

/// A hold's expiry as the guard stores it: whole milliseconds, rounded up. The guard
/// drops a hold once its expiry is at or before the current millisecond; rounding down
/// would let it forget a hold up to a millisecond before the log does, and admit tickets
/// the log still holds.
pub(super) fn guard_expiry_ms(expires_at: chrono::DateTime<Utc>) -> i64 {
    let floor = expires_at.timestamp_millis();
    if expires_at
        .timestamp_subsec_nanos()
        .is_multiple_of(1_000_000)
    {
        floor
    } else {
        floor + 1
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::guard_expiry_ms;

    #[test]
    fn guard_expiry_rounds_up_to_the_next_millisecond() {
        let whole = Utc.timestamp_millis_opt(1_800_000_000_123).unwrap();
        assert_eq!(guard_expiry_ms(whole), 1_800_000_000_123);
        let inside = whole + chrono::TimeDelta::microseconds(1);
        assert_eq!(guard_expiry_ms(inside), 1_800_000_000_124);
        let last = whole + chrono::TimeDelta::microseconds(999);
        assert_eq!(guard_expiry_ms(last), 1_800_000_000_124);
    }
}

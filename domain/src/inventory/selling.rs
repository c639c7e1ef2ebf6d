//! How held tickets become sold, and how refunded tickets go back on sale. Pure, like
//! placing: used by `handle` and by the command layer's in-memory inventory.
//!
//! A paid hold is sold whatever happened to it in between only if selling keeps
//! `sold + held <= capacity`, of each type and of each pool: an unlapsed hold's tickets
//! are already counted, so they move from held to sold; a lapsed, released or expired
//! hold's tickets are sold only if that many are still available (the late payment), else
//! the payment is refused and refunded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{CodeClaim, CodeUse, HoldLine, HoldStatus, Inventory, InventoryError, InventoryEvent};
use crate::event::{Event, EventStatus};
use crate::ids::{CapacityPoolId, OrderId, ReservationId, TicketTypeId};

impl Inventory {
    /// The event that keeps an unlapsed hold until `expires_at`; none if it already lasts
    /// that long.
    pub fn extend_hold(
        &self,
        reservation_id: ReservationId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match self.hold_status(reservation_id, now) {
            Some(HoldStatus::Active) => {}
            Some(HoldStatus::Released) => return Err(InventoryError::AlreadyReleased),
            Some(HoldStatus::Expired | HoldStatus::Sold) => {
                return Err(InventoryError::HoldExpired)
            }
            None => return Err(InventoryError::UnknownReservation),
        }
        let current = self.hold(reservation_id).map(|hold| hold.expires_at());
        if current.is_some_and(|current| current >= expires_at) {
            return Ok(Vec::new());
        }
        Ok(vec![InventoryEvent::HoldExtended {
            reservation_id,
            expires_at,
        }])
    }

    /// The event that sells `lines` to the order paying for `reservation_id`, or why not.
    ///
    /// Already sold: nothing (a repeated payment event). Unlapsed hold: its own tickets move
    /// from held to sold (whatever `lines` says), and its code's uses from held to spent.
    /// Otherwise (lapsed, released, expired, or never held here): sold only if every line
    /// is still available at `now` and the order's `code` has the uses left, else
    /// `TicketsNoLongerAvailable`. Nothing is sold for a cancelled event.
    pub fn sell_hold(
        &self,
        event: &Event,
        reservation_id: ReservationId,
        order_id: OrderId,
        lines: &[HoldLine],
        code: Option<CodeClaim>,
        now: DateTime<Utc>,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        let status = self.hold_status(reservation_id, now);
        if status == Some(HoldStatus::Sold) {
            return Ok(Vec::new());
        }
        if event.status() == EventStatus::Cancelled {
            return Err(InventoryError::EventCancelled);
        }
        let late = status != Some(HoldStatus::Active);
        if late {
            // Summed per ticket type: two lines of one type must fit together.
            let mut wanted: BTreeMap<TicketTypeId, u32> = BTreeMap::new();
            for line in lines {
                *wanted.entry(line.ticket_type_id).or_default() += line.quantity.get();
            }
            // And per pool: two types of one pool must fit in it together.
            let mut wanted_of_pools: BTreeMap<CapacityPoolId, u32> = BTreeMap::new();
            for (ticket_type_id, quantity) in &wanted {
                if let Some(pool) = event.pool_of(*ticket_type_id) {
                    *wanted_of_pools.entry(pool.id).or_default() += quantity;
                }
            }
            let short = wanted.iter().any(|(ticket_type_id, quantity)| {
                self.available(event, *ticket_type_id, now) < *quantity
            }) || wanted_of_pools.iter().any(|(pool_id, quantity)| {
                event
                    .capacity_pool(*pool_id)
                    .is_some_and(|pool| self.pool_available(event, pool, now) < *quantity)
            });
            // The order was priced with the code: sold late, it takes the code's uses anew.
            let code_short = code.as_ref().is_some_and(|claim| {
                self.code_uses(&claim.code_use.code, now)
                    .saturating_add(claim.code_use.uses)
                    > claim.max_uses
            });
            if short || code_short {
                return Err(InventoryError::TicketsNoLongerAvailable);
            }
        }
        // An unlapsed hold sells exactly what it holds: those are the tickets (and the code
        // uses) counted.
        let (lines, code_use) = match self.hold(reservation_id) {
            Some(hold) if !late => (hold.lines().to_vec(), hold.code_use().cloned()),
            _ => (lines.to_vec(), code.map(|claim| claim.code_use)),
        };
        Ok(vec![InventoryEvent::HoldSold {
            reservation_id,
            order_id,
            lines,
            late,
            sold_at: now,
            code_use,
        }])
    }

    /// The event that puts a refund's tickets back on sale, with `code_use` given back to
    /// its code when the organiser chose so; none if this refund's tickets were returned
    /// already.
    pub fn return_tickets(
        &self,
        order_id: OrderId,
        refund_number: u32,
        lines: &[HoldLine],
        code_use: Option<CodeUse>,
        now: DateTime<Utc>,
    ) -> Vec<InventoryEvent> {
        if lines.is_empty() || self.returned.contains(&(order_id, refund_number)) {
            return Vec::new();
        }
        vec![InventoryEvent::TicketsReturned {
            order_id,
            refund_number,
            lines: lines.to_vec(),
            returned_at: now,
            code_use,
        }]
    }
}

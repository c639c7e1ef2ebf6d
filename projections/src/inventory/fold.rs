//! A batch of inventory events folded in memory into three set-based writes: the holds
//! it places (as the batch left them), one change per earlier hold it extends or ends,
//! and one change per ticket type's sold count, so a batch costs one statement whatever
//! its size (`projector.rs`).

use std::collections::BTreeMap;

use anyhow::Context;
use carneau_domain::inventory::{HoldLine, InventoryEvent, PlacedHold};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::waiting::{LineExit, WaitingFold};

/// One hold line to insert: `held`, or already extended or ended by a later event of
/// the same batch ([`InventoryFold::settle_placed`]).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HoldRow {
    pub(super) event_id: Uuid,
    pub(super) reservation_id: Uuid,
    pub(super) ticket_type_id: Uuid,
    pub(super) quantity: i32,
    pub(super) placed_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    /// `held`, or how the batch ended it, and when.
    pub(super) status: &'static str,
    pub(super) ended_at: Option<DateTime<Utc>>,
}

/// What the batch does to one hold while it is `held`: only a held row changes, so the
/// first end wins and an extension counts only before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct HoldChange {
    /// The last extension before the hold ended.
    pub(super) expires_at: Option<DateTime<Utc>>,
    /// The first end: `released`, `expired` or `sold`, and when.
    pub(super) ended: Option<(&'static str, DateTime<Utc>)>,
}

/// The batch's change to one ticket type's sold count, as the function
/// `sold ↦ max(sold + delta, floor)`.
///
/// Event by event the count moves by each sale or return and never goes below zero
/// (`max(sold + d, 0)`); two such steps compose into one of the same form
/// (`max(max(s + a, b) + d, 0) = max(s + (a + d), max(b + d, 0))`), so any run of them
/// is one `delta` and one `floor`, exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct SoldChange {
    pub(super) delta: i32,
    pub(super) floor: i32,
}

impl SoldChange {
    fn then(self, step: i32) -> Self {
        Self {
            delta: self.delta + step,
            floor: (self.floor + step).max(0),
        }
    }
}

/// Everything a batch writes.
#[derive(Debug, Default, PartialEq)]
pub(super) struct InventoryFold {
    /// Hold lines placed, in log order.
    pub(super) placed: Vec<HoldRow>,
    /// Per (event, reservation): its change.
    pub(super) holds: BTreeMap<(Uuid, Uuid), HoldChange>,
    /// Per (event, ticket type): its sold count's change.
    pub(super) sold: BTreeMap<(Uuid, Uuid), SoldChange>,
    /// The waiting lists' places taken and left.
    pub(super) waiting: WaitingFold,
}

impl InventoryFold {
    /// Adds `event` of the event `event_id`'s inventory, the next in log order.
    ///
    /// The aggregate never extends or ends a hold before it is placed, so a hold placed
    /// and ended in one batch ends ([`Self::settle_placed`], once the batch is folded).
    /// `sequence` is the event's place in the event's inventory stream.
    pub(super) fn push(
        &mut self,
        event_id: Uuid,
        sequence: i64,
        event: InventoryEvent,
    ) -> anyhow::Result<()> {
        match event {
            InventoryEvent::HoldsPlaced { holds } => {
                for hold in &holds {
                    self.place(event_id, hold)?;
                }
            }
            InventoryEvent::WaitingListOffered { offers, offered_at } => {
                for offer in &offers {
                    self.place(event_id, &offer.hold)?;
                    self.waiting.exit(
                        offer.entry_id.as_uuid(),
                        LineExit::Offered {
                            at: offered_at,
                            expires_at: offer.hold.expires_at,
                        },
                    );
                }
            }
            InventoryEvent::WaitingListJoined { entry } => {
                self.waiting.join(event_id, sequence, entry);
            }
            InventoryEvent::WaitingListLeft { entry_id, left_at } => {
                self.waiting
                    .exit(entry_id.as_uuid(), LineExit::Left { at: left_at });
            }
            InventoryEvent::HoldReleased {
                reservation_id,
                released_at,
            } => self.end(event_id, reservation_id.as_uuid(), "released", released_at),
            InventoryEvent::HoldsExpired {
                reservation_ids,
                expired_at,
            } => {
                for reservation_id in reservation_ids {
                    self.end(event_id, reservation_id.as_uuid(), "expired", expired_at);
                }
            }
            InventoryEvent::HoldExtended {
                reservation_id,
                expires_at,
            } => {
                let change = self
                    .holds
                    .entry((event_id, reservation_id.as_uuid()))
                    .or_default();
                if change.ended.is_none() {
                    change.expires_at = Some(expires_at);
                }
            }
            InventoryEvent::HoldSold {
                reservation_id,
                lines,
                sold_at,
                ..
            } => {
                // A late sale's hold may have ended already: only a held row turns sold.
                self.end(event_id, reservation_id.as_uuid(), "sold", sold_at);
                self.add_sold(event_id, &lines, 1)?;
            }
            InventoryEvent::TicketsReturned { lines, .. } => {
                self.add_sold(event_id, &lines, -1)?;
            }
        }
        Ok(())
    }

    /// Gives each hold placed in the batch the changes later events of the batch made to
    /// it, and leaves in [`Self::holds`] only the changes to holds placed before, so the
    /// two writes never touch the same row: they can be parts of one statement, which do
    /// not see each other's rows. The result is the row the insert, then the change,
    /// left: a change applies to a held row, and a placed row is held.
    pub(super) fn settle_placed(&mut self) {
        for row in &mut self.placed {
            let Some(change) = self.holds.get(&(row.event_id, row.reservation_id)) else {
                continue;
            };
            if let Some(expires_at) = change.expires_at {
                row.expires_at = expires_at;
            }
            if let Some((status, at)) = change.ended {
                row.status = status;
                row.ended_at = Some(at);
            }
        }
        for row in &self.placed {
            self.holds.remove(&(row.event_id, row.reservation_id));
        }
    }

    fn place(&mut self, event_id: Uuid, hold: &PlacedHold) -> anyhow::Result<()> {
        for line in &hold.lines {
            self.placed.push(HoldRow {
                event_id,
                reservation_id: hold.reservation_id.as_uuid(),
                ticket_type_id: line.ticket_type_id.as_uuid(),
                quantity: quantity(line)?,
                placed_at: hold.placed_at,
                expires_at: hold.expires_at,
                status: "held",
                ended_at: None,
            });
        }
        Ok(())
    }

    fn end(
        &mut self,
        event_id: Uuid,
        reservation_id: Uuid,
        status: &'static str,
        at: DateTime<Utc>,
    ) {
        let change = self.holds.entry((event_id, reservation_id)).or_default();
        if change.ended.is_none() {
            change.ended = Some((status, at));
        }
    }

    fn add_sold(&mut self, event_id: Uuid, lines: &[HoldLine], sign: i32) -> anyhow::Result<()> {
        for line in lines {
            let key = (event_id, line.ticket_type_id.as_uuid());
            let change = self.sold.entry(key).or_default();
            *change = change.then(sign * quantity(line)?);
        }
        Ok(())
    }
}

fn quantity(line: &HoldLine) -> anyhow::Result<i32> {
    i32::try_from(line.quantity.get()).context("quantity out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `steps` one by one as the event-by-event statement did.
    fn stepwise(start: i32, steps: &[i32]) -> i32 {
        steps.iter().fold(start, |sold, step| (sold + step).max(0))
    }

    fn placed(reservation_id: Uuid, at: DateTime<Utc>) -> InventoryEvent {
        InventoryEvent::HoldsPlaced {
            holds: vec![PlacedHold {
                reservation_id: carneau_domain::ids::ReservationId::from_uuid(reservation_id),
                lines: vec![HoldLine {
                    ticket_type_id: carneau_domain::ids::TicketTypeId::from_uuid(Uuid::nil()),
                    quantity: carneau_domain::inventory::Quantity::try_from(2).unwrap(),
                }],
                expires_at: at + chrono::Duration::minutes(15),
                placed_at: at,
                code_use: None,
            }],
        }
    }

    #[test]
    fn a_hold_placed_and_changed_in_one_batch_is_inserted_as_the_batch_left_it() {
        let event = Uuid::new_v4();
        let (earlier, extended, sold) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let at = Utc::now();
        let later = at + chrono::Duration::minutes(30);
        let rid = carneau_domain::ids::ReservationId::from_uuid;
        let mut fold = InventoryFold::default();
        // Given a batch that places two holds, extends one, sells the other after an
        // extension, and ends a hold placed before the batch,
        for (sequence, step) in [
            placed(extended, at),
            placed(sold, at),
            InventoryEvent::HoldExtended {
                reservation_id: rid(extended),
                expires_at: later,
            },
            InventoryEvent::HoldExtended {
                reservation_id: rid(sold),
                expires_at: later,
            },
            InventoryEvent::HoldReleased {
                reservation_id: rid(earlier),
                released_at: at,
            },
        ]
        .into_iter()
        .enumerate()
        {
            fold.push(event, i64::try_from(sequence).unwrap(), step)
                .unwrap();
        }
        fold.end(event, sold, "sold", later);

        // when the placed holds are settled,
        fold.settle_placed();

        // then each placed row carries its own changes, and only the earlier hold is
        // left to update.
        let row = |id| {
            fold.placed
                .iter()
                .find(|row| row.reservation_id == id)
                .unwrap()
        };
        assert_eq!(
            (row(extended).status, row(extended).expires_at),
            ("held", later)
        );
        assert_eq!(row(extended).ended_at, None);
        assert_eq!(
            (row(sold).status, row(sold).ended_at),
            ("sold", Some(later))
        );
        assert_eq!(row(sold).expires_at, later);
        assert_eq!(
            fold.holds.keys().collect::<Vec<_>>(),
            vec![&(event, earlier)]
        );
    }

    #[test]
    fn a_folded_run_of_sales_and_returns_clamps_as_the_steps_did() {
        let runs: [&[i32]; 5] = [&[3, -1, 2], &[-5, 2], &[2, -4, 1], &[-1, -1, 3, -2], &[]];
        for steps in runs {
            let change = steps
                .iter()
                .fold(SoldChange::default(), |change, step| change.then(*step));
            for start in [0, 1, 2, 7] {
                // Given a count of `start`, when the folded change applies, then it
                // lands where the steps one by one landed.
                assert_eq!(
                    (start + change.delta).max(change.floor),
                    stepwise(start, steps),
                    "{steps:?} from {start}"
                );
            }
        }
    }
}

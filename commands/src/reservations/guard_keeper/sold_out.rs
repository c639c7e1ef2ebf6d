//! Sold-out answers remembered for a moment.
//!
//! Once an event sells out, nearly every request of its rush asks the guard only to hear
//! "sold out" again: in a flash sale 46,000 of 50,000 requests, each a share of a Redis
//! script call, of its reply and of the task that sends it. The guard's answer that a
//! ticket type has none left is kept for [`SOLD_OUT_REMEMBERED_FOR`], and a request for
//! that type (without a promo code) hears it without asking (docs/reservations.md, "Sold
//! out, remembered for a moment"; figures in docs/benchmarks.md, session 25).
//!
//! What it costs: a ticket that comes back may be refused for that long after. Tickets
//! come back by a release, a lapse, a refund or a larger capacity. Whatever this process
//! changes in the guard forgets the event's answers at once (a release, a return, a
//! rebuild, a dropped guard, an organiser's change), so the process that gave tickets
//! back sells them at once; a lapse and another node's release are seen within the
//! moment (as is a release that lands between the guard's answer and its remembering).
//! Only a "none left" is remembered, never "fewer than you asked", and only the guard's
//! own answer starts the moment: answering from memory does not extend it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_domain::inventory::HoldLine;

/// How long the guard's "none left" for a ticket type is answered without asking it,
/// unless configured otherwise (`CARNEAU_SOLD_OUT_MEMORY_MS`; zero asks it every time).
pub const SOLD_OUT_REMEMBERED_FOR: Duration = Duration::from_millis(100);

/// Past this many events remembered, the lapsed ones are swept out when one is added.
const EVENTS_KEPT: usize = 1_024;

/// The ticket types the guard said have none left, per event, and when it said so.
#[derive(Debug)]
pub(super) struct SoldOutAnswers {
    /// How long an answer is kept.
    lasts: Duration,
    events: Mutex<HashMap<EventId, Vec<(TicketTypeId, Instant)>>>,
}

impl SoldOutAnswers {
    /// Answers kept for `lasts` (none when it is zero).
    pub(super) fn new(lasts: Duration) -> Self {
        Self {
            lasts,
            events: Mutex::default(),
        }
    }

    fn events(&self) -> MutexGuard<'_, HashMap<EventId, Vec<(TicketTypeId, Instant)>>> {
        // A panic elsewhere while holding the lock leaves nothing half-done in the map.
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The guard just said `ticket_type_id` of `event_id` has none left.
    pub(super) fn remember(&self, event_id: EventId, ticket_type_id: TicketTypeId) {
        if self.lasts.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut events = self.events();
        if events.len() >= EVENTS_KEPT && !events.contains_key(&event_id) {
            events.retain(|_, types| {
                types.retain(|(_, said_at)| now.duration_since(*said_at) < self.lasts);
                !types.is_empty()
            });
        }
        let types = events.entry(event_id).or_default();
        match types.iter_mut().find(|(known, _)| *known == ticket_type_id) {
            Some((_, said_at)) => *said_at = now,
            None => types.push((ticket_type_id, now)),
        }
    }

    /// A ticket type of `lines` the guard said a moment ago has none left, if any.
    pub(super) fn sold_out(&self, event_id: EventId, lines: &[HoldLine]) -> Option<TicketTypeId> {
        let events = self.events();
        let types = events.get(&event_id)?;
        let now = Instant::now();
        lines.iter().map(|line| line.ticket_type_id).find(|wanted| {
            types.iter().any(|(known, said_at)| {
                known == wanted && now.duration_since(*said_at) < self.lasts
            })
        })
    }

    /// Forgets what the guard said of `event_id`: tickets may have come back.
    pub(super) fn forget(&self, event_id: EventId) {
        self.events().remove(&event_id);
    }
}

#[cfg(test)]
mod tests {
    use carneau_domain::inventory::Quantity;

    use super::*;

    fn line(ticket_type_id: TicketTypeId) -> HoldLine {
        HoldLine {
            ticket_type_id,
            quantity: Quantity::parse(1).expect("one ticket is a quantity"),
        }
    }

    #[test]
    fn a_type_said_sold_out_is_answered_from_memory_until_forgotten() {
        let answers = SoldOutAnswers::new(SOLD_OUT_REMEMBERED_FOR);
        let (event, other_event) = (EventId::new(), EventId::new());
        let (gone, left) = (TicketTypeId::new(), TicketTypeId::new());
        answers.remember(event, gone);

        assert_eq!(
            answers.sold_out(event, &[line(left), line(gone)]),
            Some(gone)
        );
        assert_eq!(answers.sold_out(event, &[line(left)]), None);
        assert_eq!(answers.sold_out(other_event, &[line(gone)]), None);

        answers.forget(event);
        assert_eq!(answers.sold_out(event, &[line(gone)]), None);
    }

    #[test]
    fn the_answer_lapses_after_its_moment() {
        let answers = SoldOutAnswers::new(Duration::from_millis(20));
        let (event, gone) = (EventId::new(), TicketTypeId::new());
        answers.remember(event, gone);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(answers.sold_out(event, &[line(gone)]), None);
    }

    #[test]
    fn a_zero_moment_remembers_nothing() {
        let answers = SoldOutAnswers::new(Duration::ZERO);
        let (event, gone) = (EventId::new(), TicketTypeId::new());
        answers.remember(event, gone);
        assert_eq!(answers.sold_out(event, &[line(gone)]), None);
    }
}

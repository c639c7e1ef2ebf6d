//! Why a request the guard turned away was refused. The guard only knows stock, so when
//! it says sold out the buyer should still hear the more fundamental reason (event
//! cancelled, sale closed, too many per order...). The catalogue states it is read from
//! are reused for a second, so that a sold-out flash sale does not load the event once
//! per refusal.

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldOutcome, HoldRefusal, HoldRequest, Inventory};
use chrono::Utc;

use super::event_log::Stores;
use super::recent::Recent;

/// Recently loaded catalogue states, to name the right reason for a refusal.
#[derive(Default)]
pub struct RefusalReasons {
    catalogue: Recent<Event>,
}

impl RefusalReasons {
    /// The reason the catalogue alone gives to refuse `request`, if any. Decided by the
    /// domain against an empty inventory, from a catalogue state at most a second old
    /// (see [`Recent`]); the desk always decides from fresh state, so this only picks the
    /// message.
    pub async fn besides_stock(
        &self,
        stores: &Stores,
        event_id: EventId,
        request: &HoldRequest,
    ) -> Option<HoldRefusal> {
        let event = self
            .catalogue
            .get(event_id, || stores.catalogue(event_id))
            .await
            .ok()?;
        // Decided without the code: the guard counts a code's uses as it counts tickets,
        // and what the code itself allows only the desk decides, with the event's codes.
        // Copied only then: a sold-out rush refuses thousands of plain requests a second.
        let without_code;
        let asked = match request.code {
            Some(_) => {
                without_code = HoldRequest {
                    code: None,
                    ..request.clone()
                };
                &without_code
            }
            None => request,
        };
        let decision =
            Inventory::default().decide_holds(&*event, std::slice::from_ref(asked), Utc::now());
        match decision.outcomes.into_iter().next()? {
            HoldOutcome::Refused(HoldRefusal::SoldOut { .. }) => None,
            // Perhaps a hidden type the code unlocks: the desk, which has the codes, says.
            HoldOutcome::Refused(HoldRefusal::UnknownTicketType(_)) if request.code.is_some() => {
                None
            }
            HoldOutcome::Refused(refusal) => Some(refusal),
            HoldOutcome::Held { .. } | HoldOutcome::AlreadyHeld { .. } => None,
        }
    }

    /// Forgets the event's catalogue state (an organiser changed it).
    pub fn forget(&self, event_id: EventId) {
        self.catalogue.forget(event_id);
    }
}

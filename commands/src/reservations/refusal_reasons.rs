//! Why a request the guard turned away was refused. The guard only knows stock, so when
//! it says sold out the buyer should still hear the more fundamental reason (event
//! cancelled, sale closed, too many per order...). The catalogue states it is read from
//! are reused for a second, so that a sold-out flash sale does not load the event once
//! per refusal.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::inventory::{HoldOutcome, HoldRefusal, HoldRequest, Inventory};
use chrono::Utc;

use super::event_log::Stores;

/// How long a catalogue state read for refusal reasons is reused.
const CATALOGUE_REUSE: Duration = Duration::from_secs(1);

/// Recently loaded catalogue states, to name the right reason for a refusal.
#[derive(Default)]
pub struct RefusalReasons {
    catalogue: Mutex<HashMap<EventId, (Instant, Arc<Event>)>>,
    /// One catalogue load at a time: when a reused state ages out in the middle of a
    /// flash sale, hundreds of refusals would otherwise load it at once.
    loading: tokio::sync::Mutex<()>,
}

impl RefusalReasons {
    /// The reason the catalogue alone gives to refuse `request`, if any. Decided by the
    /// domain against an empty inventory, from a catalogue state at most
    /// [`CATALOGUE_REUSE`] old; the desk always decides from fresh state, so this only
    /// picks the message.
    pub async fn besides_stock(
        &self,
        stores: &Stores,
        event_id: EventId,
        request: &HoldRequest,
    ) -> Option<HoldRefusal> {
        let event = self.recent_catalogue(stores, event_id).await?;
        let decision =
            Inventory::default().decide_holds(&event, std::slice::from_ref(request), Utc::now());
        match decision.outcomes.into_iter().next()? {
            HoldOutcome::Refused(HoldRefusal::SoldOut { .. }) => None,
            HoldOutcome::Refused(refusal) => Some(refusal),
            HoldOutcome::Held { .. } | HoldOutcome::AlreadyHeld { .. } => None,
        }
    }

    /// Forgets the event's catalogue state (an organiser changed it).
    pub fn forget(&self, event_id: EventId) {
        self.catalogue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&event_id);
    }

    async fn recent_catalogue(&self, stores: &Stores, event_id: EventId) -> Option<Arc<Event>> {
        let cached = || {
            self.catalogue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(&event_id)
                .filter(|(loaded_at, _)| loaded_at.elapsed() < CATALOGUE_REUSE)
                .map(|(_, event)| event.clone())
        };
        if let Some(event) = cached() {
            return Some(event);
        }
        let _loading = self.loading.lock().await;
        if let Some(event) = cached() {
            return Some(event);
        }
        let event = Arc::new(stores.catalogue(event_id).await.ok()?);
        let mut catalogue = self
            .catalogue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        catalogue.retain(|_, (loaded_at, _)| loaded_at.elapsed() < CATALOGUE_REUSE);
        catalogue.insert(event_id, (Instant::now(), event.clone()));
        Some(event)
    }
}

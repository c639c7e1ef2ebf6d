//! States of an event read from the log and reused for a moment by the requests of a
//! rush: the guard's helpers ask them per request, and a sale of thousands of requests a
//! second must not read them once each. The desk always decides from fresh state, so a
//! state a second old only picks a message or a guard's limit.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carneau_domain::ids::EventId;

/// How long a state read from the log is reused.
pub const REUSE: Duration = Duration::from_secs(1);

/// Recently read states of `T`, one per event.
pub struct Recent<T> {
    states: Mutex<HashMap<EventId, (Instant, Arc<T>)>>,
    /// One read at a time: when a reused state ages out in the middle of a flash sale,
    /// hundreds of requests would otherwise read it at once.
    loading: tokio::sync::Mutex<()>,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self {
            states: Mutex::default(),
            loading: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Recent<T> {
    /// The event's state read at most [`REUSE`] ago, else read now by `load`.
    pub async fn get<E, F>(&self, event_id: EventId, load: impl FnOnce() -> F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(state) = self.reused(event_id) {
            return Ok(state);
        }
        let _loading = self.loading.lock().await;
        if let Some(state) = self.reused(event_id) {
            return Ok(state);
        }
        let state = Arc::new(load().await?);
        let mut states = self.states();
        states.retain(|_, (read_at, _)| read_at.elapsed() < REUSE);
        states.insert(event_id, (Instant::now(), state.clone()));
        Ok(state)
    }

    /// Forgets the event's state (an organiser changed it).
    pub fn forget(&self, event_id: EventId) {
        self.states().remove(&event_id);
    }

    fn reused(&self, event_id: EventId) -> Option<Arc<T>> {
        self.states()
            .get(&event_id)
            .filter(|(read_at, _)| read_at.elapsed() < REUSE)
            .map(|(_, state)| state.clone())
    }

    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, (Instant, Arc<T>)>> {
        self.states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

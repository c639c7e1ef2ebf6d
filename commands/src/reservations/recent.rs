//! States of an event read from the log and reused for a moment by the requests of a
//! rush: the guard's helpers ask them per request, and a sale of thousands of requests a
//! second must not read them once each. The desk always decides from fresh state, so a
//! state a second old only picks a message or a guard's limit.
//!
//! When a reused state ages out, one request reads it again while the others go on with
//! the state they had (for at most [`STALE_LIMIT`] more): until session 27 they waited for
//! that read, and in a paying rush, where a read from the log waits its turn behind the
//! payments, a few hundred refusals a second were answered 0.3-0.9 s late, once a second
//! (docs/benchmarks.md, "A lighter load generator").

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carneau_domain::ids::EventId;

/// How long a state read from the log is reused.
pub const REUSE: Duration = Duration::from_secs(1);
/// How much longer a state is answered while another request reads it again. Past it, a
/// request waits for the read: a state that old means the reads are failing.
pub const STALE_LIMIT: Duration = Duration::from_secs(10);

/// Recently read states of `T`, one per event.
pub struct Recent<T> {
    states: Mutex<HashMap<EventId, (Instant, Arc<T>)>>,
    /// One read at a time: when a reused state ages out in the middle of a flash sale,
    /// hundreds of requests would otherwise read it at once.
    loading: tokio::sync::Mutex<()>,
    reuse: Duration,
    stale_limit: Duration,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self::reused_for(REUSE, STALE_LIMIT)
    }
}

impl<T> Recent<T> {
    /// States reused for `reuse`, and answered `stale_limit` longer while one is read
    /// again ([`Recent::default`]: [`REUSE`] and [`STALE_LIMIT`]).
    pub fn reused_for(reuse: Duration, stale_limit: Duration) -> Self {
        Self {
            states: Mutex::default(),
            loading: tokio::sync::Mutex::new(()),
            reuse,
            stale_limit,
        }
    }

    /// The event's state read at most [`REUSE`] ago, else read now by `load`; or, while
    /// another request is reading it, the last state read, if it is not older than
    /// [`REUSE`] and [`STALE_LIMIT`] together.
    pub async fn get<E, F>(&self, event_id: EventId, load: impl FnOnce() -> F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let stale = match self.kept(event_id) {
            Some((read_at, state)) if read_at.elapsed() < self.reuse => return Ok(state),
            kept => kept.map(|(_, state)| state),
        };
        let _loading = match (self.loading.try_lock(), stale) {
            (Ok(loading), _) => loading,
            (Err(_), Some(state)) => return Ok(state),
            (Err(_), None) => self.loading.lock().await,
        };
        if let Some((read_at, state)) = self.kept(event_id) {
            if read_at.elapsed() < self.reuse {
                return Ok(state);
            }
        }
        let state = Arc::new(load().await?);
        let mut states = self.states();
        let kept_for = self.reuse + self.stale_limit;
        states.retain(|_, (read_at, _)| read_at.elapsed() < kept_for);
        states.insert(event_id, (Instant::now(), state.clone()));
        Ok(state)
    }

    /// Forgets the event's state (an organiser changed it): the next request reads it.
    pub fn forget(&self, event_id: EventId) {
        self.states().remove(&event_id);
    }

    /// The event's last state and when it was read, unless it is past the stale limit.
    fn kept(&self, event_id: EventId) -> Option<(Instant, Arc<T>)> {
        self.states()
            .get(&event_id)
            .filter(|(read_at, _)| read_at.elapsed() < self.reuse + self.stale_limit)
            .map(|(read_at, state)| (*read_at, state.clone()))
    }

    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, (Instant, Arc<T>)>> {
        self.states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests;

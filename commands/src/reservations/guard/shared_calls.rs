//! Requests of one event sent to Redis together: every admission (or every payment fact
//! to follow) that reaches this process while the event's previous script call of its
//! kind is in flight goes in the next call.
//!
//! The client flushes its socket after every script call (it never pipelines `EVALSHA`),
//! so one call per request cost a write and a read on both sides and a script run each:
//! in a sold-out rush, about a fifth of the server's CPU went to the Redis client and
//! Redis spent as much again. Batched, a call's fixed costs (the socket, the script's
//! integrity check, the purge of lapsed holds) are paid once for the whole batch, and each
//! request is still decided alone, in arrival order (`admit.lua`, `follow.lua`).

use std::collections::HashMap;
use std::sync::Mutex;

use carneau_domain::ids::EventId;
use tokio::sync::oneshot;

use super::GuardError;

/// Most requests decided in one script call: Redis runs nothing else meanwhile, so a
/// bounded batch bounds how long it is blocked (a few hundred microseconds).
const MAX_REQUESTS_PER_CALL: usize = 256;

/// One request waiting for its event's next call: its `FIELDS` fields of the script's
/// ARGV and where its answer goes.
#[derive(Debug)]
pub(super) struct Waiting<const FIELDS: usize, T> {
    pub(super) fields: [String; FIELDS],
    pub(super) answer: Answer<T>,
}

/// Where one request's answer goes.
pub(super) type Answer<T> = oneshot::Sender<Result<T, GuardError>>;

/// The requests waiting per event. An event present in the map has a flight (a task
/// sending its batches) running; the flight removes it once it finds nothing waiting.
#[derive(Debug)]
pub(super) struct CallQueues<W> {
    waiting: Mutex<HashMap<EventId, Vec<W>>>,
}

impl<W> Default for CallQueues<W> {
    fn default() -> Self {
        Self {
            waiting: Mutex::default(),
        }
    }
}

impl<W> CallQueues<W> {
    /// Queues `request` for its event's next call; true when no flight runs for the event,
    /// so the caller must start one.
    pub(super) fn push(&self, event_id: EventId, request: W) -> bool {
        let mut waiting = self.lock();
        match waiting.get_mut(&event_id) {
            Some(queue) => {
                queue.push(request);
                false
            }
            None => {
                waiting.insert(event_id, vec![request]);
                true
            }
        }
    }

    /// The next batch of the event's flight, oldest first; `None` ends the flight (and
    /// forgets the event, so that the next request starts a new one).
    pub(super) fn next_batch(&self, event_id: EventId) -> Option<Vec<W>> {
        let mut waiting = self.lock();
        let queue = waiting.get_mut(&event_id)?;
        if queue.is_empty() {
            waiting.remove(&event_id);
            return None;
        }
        if queue.len() <= MAX_REQUESTS_PER_CALL {
            return Some(std::mem::take(queue));
        }
        let rest = queue.split_off(MAX_REQUESTS_PER_CALL);
        Some(std::mem::replace(queue, rest))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Vec<W>>> {
        // Nothing panics while holding it; a poisoned map is still consistent.
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The script's ARGV for `batch` (the count, then `shared`, the fields every request of
/// the call has in common, then each request's fields) and where each request's answer
/// goes, in the same order.
pub(super) fn into_call<const FIELDS: usize, T>(
    shared: &[String],
    batch: Vec<Waiting<FIELDS, T>>,
) -> (Vec<String>, Vec<Answer<T>>) {
    let mut args = Vec::with_capacity(1 + shared.len() + batch.len() * FIELDS);
    let mut answers = Vec::with_capacity(batch.len());
    args.push(batch.len().to_string());
    args.extend_from_slice(shared);
    for request in batch {
        args.extend(request.fields);
        answers.push(request.answer);
    }
    (args, answers)
}

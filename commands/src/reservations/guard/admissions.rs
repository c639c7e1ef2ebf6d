//! Admissions of one event sent to Redis together: every request that reaches this
//! process while the event's previous script call is in flight goes in the next call.
//!
//! The client flushes its socket after every script call (it never pipelines `EVALSHA`),
//! so one call per request cost a write and a read on both sides and a script run each:
//! in a sold-out rush, about a fifth of the server's CPU went to the Redis client and
//! Redis spent as much again. Batched, a call's fixed costs (the socket, the script's
//! integrity check and purge of lapsed holds) are paid once for the whole batch, and each
//! request is still decided alone, in arrival order (`admit.lua`).

use std::collections::HashMap;
use std::sync::Mutex;

use carneau_domain::ids::EventId;
use tokio::sync::oneshot;

use super::{Admission, GuardError};

/// Most requests decided in one script call: Redis runs nothing else meanwhile, so a
/// bounded batch bounds how long it is blocked (a few hundred microseconds).
const MAX_ADMISSIONS_PER_CALL: usize = 256;

/// How many ARGV fields each request takes in `admit.lua`.
pub(super) const FIELDS_PER_ADMISSION: usize = 9;

/// One request waiting for its event's next call: its fields of `admit.lua`'s ARGV and
/// where its answer goes.
#[derive(Debug)]
pub(super) struct Waiting {
    pub(super) fields: [String; FIELDS_PER_ADMISSION],
    pub(super) answer: Answer,
}

/// Where one request's admission goes.
pub(super) type Answer = oneshot::Sender<Result<Admission, GuardError>>;

/// The requests waiting per event. An event present in the map has a flight (a task
/// sending its batches) running; the flight removes it once it finds nothing waiting.
#[derive(Debug, Default)]
pub(super) struct AdmissionQueues {
    waiting: Mutex<HashMap<EventId, Vec<Waiting>>>,
}

impl AdmissionQueues {
    /// Queues `request` for its event's next call; true when no flight runs for the event,
    /// so the caller must start one.
    pub(super) fn push(&self, event_id: EventId, request: Waiting) -> bool {
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
    pub(super) fn next_batch(&self, event_id: EventId) -> Option<Vec<Waiting>> {
        let mut waiting = self.lock();
        let queue = waiting.get_mut(&event_id)?;
        if queue.is_empty() {
            waiting.remove(&event_id);
            return None;
        }
        if queue.len() <= MAX_ADMISSIONS_PER_CALL {
            return Some(std::mem::take(queue));
        }
        let rest = queue.split_off(MAX_ADMISSIONS_PER_CALL);
        Some(std::mem::replace(queue, rest))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EventId, Vec<Waiting>>> {
        // Nothing panics while holding it; a poisoned map is still consistent.
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `admit.lua`'s ARGV for `batch` (the count, then each request's fields) and where each
/// request's answer goes, in the same order.
pub(super) fn into_call(batch: Vec<Waiting>) -> (Vec<String>, Vec<Answer>) {
    let mut args = Vec::with_capacity(1 + batch.len() * FIELDS_PER_ADMISSION);
    let mut answers = Vec::with_capacity(batch.len());
    args.push(batch.len().to_string());
    for request in batch {
        args.extend(request.fields);
        answers.push(request.answer);
    }
    (args, answers)
}

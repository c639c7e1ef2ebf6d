//! Many buyers at once, the Redis keys they leave, and waiting on the clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use fred::prelude::Client;
use reqwest::StatusCode;
use uuid::Uuid;

use super::http::{reservation_body, Http, OnSale};

/// What a rush of concurrent reservations was answered.
#[derive(Debug, Default)]
pub struct Rush {
    /// Reservations answered 201, with the quantity each holds.
    pub created: BTreeMap<Uuid, u32>,
    /// Reservations answered 200 (retries of held ones).
    pub repeated: BTreeSet<Uuid>,
    /// Every other answer: "<status> <problem slug>" and how many times it came.
    pub refusals: BTreeMap<String, usize>,
    /// Requests that got no answer at all (connection errors).
    pub unanswered: usize,
    /// How many 201s each target gave, in the order of the targets.
    pub created_per_target: Vec<usize>,
}

impl Rush {
    /// Tickets in the reservations answered 201.
    pub fn created_tickets(&self) -> u32 {
        self.created.values().sum()
    }

    /// Adds the answers of a later wave of the same rush to these.
    pub fn absorb(&mut self, later: Rush) {
        for (id, quantity) in later.created {
            let previous = self.created.insert(id, quantity);
            assert!(
                previous.is_none(),
                "one reservation id answered 201 in two waves"
            );
        }
        self.repeated.extend(later.repeated);
        for (refusal, count) in later.refusals {
            *self.refusals.entry(refusal).or_default() += count;
        }
        self.unanswered += later.unanswered;
        if self.created_per_target.len() < later.created_per_target.len() {
            self.created_per_target
                .resize(later.created_per_target.len(), 0);
        }
        for (mine, theirs) in self
            .created_per_target
            .iter_mut()
            .zip(later.created_per_target)
        {
            *mine += theirs;
        }
    }
}

/// Sends one request per quantity, all at once, for `event`'s ticket type, spread over
/// `targets` in turn. `answered` counts answers (and failures) as they arrive, so that
/// another task can act part way through; `created` counts the 201s.
pub async fn rush(
    targets: &[Http],
    event: OnSale,
    quantities: &[u32],
    answered: Arc<AtomicUsize>,
    created: Arc<AtomicUsize>,
) -> Rush {
    rush_in_flight(
        targets,
        event,
        quantities,
        quantities.len(),
        answered,
        created,
    )
    .await
}

/// [`rush`] with at most `in_flight` requests outstanding: each answer lets the next
/// buyer in. A test that acts after the Nth answer then knows that most buyers have
/// not been sent yet, whatever order the server answered the first ones in.
pub async fn rush_in_flight(
    targets: &[Http],
    event: OnSale,
    quantities: &[u32],
    in_flight: usize,
    answered: Arc<AtomicUsize>,
    created: Arc<AtomicUsize>,
) -> Rush {
    let targets_len = targets.len();
    let slots = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let tasks: Vec<_> = quantities
        .iter()
        .enumerate()
        .map(|(index, &quantity)| {
            let target = targets[index % targets.len()].clone();
            let answered = answered.clone();
            let created = created.clone();
            let slots = slots.clone();
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await.unwrap();
                let body = reservation_body(&[(event.ticket_type_id, quantity)]);
                let reply = target.try_reserve_body(event.event_id, &body, None).await;
                if reply
                    .as_ref()
                    .is_ok_and(|reply| reply.status == StatusCode::CREATED)
                {
                    created.fetch_add(1, Ordering::SeqCst);
                }
                answered.fetch_add(1, Ordering::SeqCst);
                (index % targets_len, quantity, reply)
            })
        })
        .collect();
    let mut rush = Rush {
        created_per_target: vec![0; targets.len()],
        ..Rush::default()
    };
    for task in tasks {
        let (target, quantity, reply) = task.await.unwrap();
        match reply {
            Ok(reply) if reply.status == StatusCode::CREATED => {
                rush.created_per_target[target] += 1;
                let previous = rush.created.insert(reply.reservation_id(), quantity);
                assert!(previous.is_none(), "one reservation id answered 201 twice");
            }
            Ok(reply) if reply.status == StatusCode::OK => {
                rush.repeated.insert(reply.reservation_id());
            }
            Ok(reply) => {
                let key = format!("{} {}", reply.status.as_u16(), reply.problem_slug());
                *rush.refusals.entry(key).or_default() += 1;
            }
            Err(_) => rush.unanswered += 1,
        }
    }
    rush
}

/// Quantities of 1 to `max` tickets, `count` of them, from a PRNG seeded with `seed`.
pub fn seeded_quantities(seed: u64, count: usize, max: u32) -> Vec<u32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count).map(|_| rng.gen_range(1..=max)).collect()
}

/// Every key starting with `prefix`.
pub async fn keys_with_prefix(redis: &Client, prefix: &str) -> Vec<String> {
    carneau_testkit::keys_matching(redis, &format!("{prefix}*"))
        .await
        .unwrap()
}

/// Deletes every key starting with `prefix` (guards and cached responses alike), each
/// event's guard in one `DEL`, as Redis losing its data would; returns the keys deleted,
/// without the prefix.
pub async fn delete_keys_with_prefix(redis: &Client, prefix: &str) -> Vec<String> {
    let keys = keys_with_prefix(redis, prefix).await;
    carneau_testkit::delete_keys(redis, &keys).await.unwrap();
    keys.into_iter()
        .map(|key| key.strip_prefix(prefix).unwrap_or(&key).to_owned())
        .collect()
}

/// Polls `probe` every `interval` until it returns `Some`, for at most `timeout`.
pub async fn poll_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: F,
) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(seen) = probe().await {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(interval).await;
    }
}

/// Waits until the wall clock is past `instant` (plus a margin for clock reads).
pub async fn sleep_past(instant: DateTime<Utc>) {
    let margin = TimeDelta::milliseconds(200);
    while Utc::now() <= instant + margin {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! What one process keeps of the cache in memory: copies of the responses it read or
//! stored, each with the generation it was cached under, and, while this process follows
//! the invalidation channel (`invalidations.rs`), the current generation of the scopes
//! it read. A hit then needs no Redis at all: the generation known here and a copy of
//! that generation.
//!
//! A generation known here is only as good as the subscription that keeps it current: it
//! is used while the subscription is confirmed, and every generation (with the copies) is
//! dropped as soon as the subscription is lost, so that reads go back to asking Redis.
//! A copy on its own answers only for the generation it names, whoever told the reader
//! that generation (Redis or the channel), so it is as fresh as Redis's entry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::CacheScope;

/// Most copies kept; past it everything kept is dropped and fills again from Redis.
const MAX_LOCAL_COPIES: usize = 1_024;
/// Most scopes kept (a scope's generation is kept while a copy of it may be read).
const MAX_LOCAL_SCOPES: usize = 4_096;

/// The in-memory part of the cache, shared by the clones of one [`super::ResponseCache`].
#[derive(Clone, Default)]
pub(super) struct InMemory {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Whether the subscription to the invalidation channel is confirmed: generations are
    /// kept and used only while it is.
    following: bool,
    /// Moves on with every message from the channel and every loss of what was known,
    /// so that a generation read from Redis is kept only if nothing newer may have
    /// arrived while it was being read.
    changes: u64,
    scopes: HashMap<CacheScope, Scope>,
    copies: usize,
}

#[derive(Default)]
struct Scope {
    /// The scope's current generation, as the channel or Redis last told it.
    generation: Option<i64>,
    /// Copies of the scope's responses by key, each of one generation.
    copies: HashMap<String, Copy>,
}

struct Copy {
    generation: i64,
    value: Bytes,
    stored_at: Instant,
}

/// What memory alone can say about a read.
pub(super) enum Lookup {
    /// A copy of the current generation's response.
    Hit(Bytes),
    /// The current generation is known (the channel keeps it), but no copy of it.
    Generation(i64),
    /// Redis must be asked for the generation; [`InMemory::learn`] takes `Seen` back.
    Unknown(Seen),
}

/// The count of changes when a read began asking Redis for a generation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen(u64);

impl InMemory {
    /// The current generation's copy of `scope`/`key` if it is younger than `ttl` (the
    /// lifetime of the Redis entry it copies), or what is known of the generation.
    pub(super) fn lookup(&self, scope: &CacheScope, key: &str, ttl: Duration) -> Lookup {
        let state = self.lock();
        let Some(generation) = state.scopes.get(scope).and_then(|kept| kept.generation) else {
            return Lookup::Unknown(Seen(state.changes));
        };
        match state.copy_of(scope, key, generation, ttl) {
            Some(value) => Lookup::Hit(value),
            None => Lookup::Generation(generation),
        }
    }

    /// The copy of `scope`/`key` cached under `generation`, if it is younger than `ttl`.
    pub(super) fn copy(
        &self,
        scope: &CacheScope,
        key: &str,
        generation: i64,
        ttl: Duration,
    ) -> Option<Bytes> {
        self.lock().copy_of(scope, key, generation, ttl)
    }

    /// Keeps `generation`, read from Redis, as the current one of `scope`, if the
    /// subscription is confirmed and nothing changed since `seen`: a message that came
    /// meanwhile may be newer than what Redis answered, and is the one to keep. Two reads
    /// from Redis keep the larger: their answers may come back out of order.
    pub(super) fn learn(&self, scope: &CacheScope, generation: i64, seen: Seen) {
        let mut state = self.lock();
        if !state.following || state.changes != seen.0 {
            return;
        }
        let kept = state.scope(scope);
        kept.generation = Some(kept.generation.map_or(generation, |g| g.max(generation)));
    }

    /// Keeps `value` as the copy of `scope`/`key` cached under `generation`, unless a
    /// copy of a later generation is kept already.
    pub(super) fn put(&self, scope: &CacheScope, key: &str, generation: i64, value: Bytes) {
        let mut state = self.lock();
        let known = state
            .scopes
            .get(scope)
            .and_then(|kept| kept.copies.get(key))
            .map(|copy| copy.generation);
        if known.is_some_and(|known| known > generation) {
            return;
        }
        if known.is_none() && state.copies >= MAX_LOCAL_COPIES {
            state.forget_everything();
        }
        let copy = Copy {
            generation,
            value,
            stored_at: Instant::now(),
        };
        if state
            .scope(scope)
            .copies
            .insert(key.to_owned(), copy)
            .is_none()
        {
            state.copies += 1;
        }
    }

    /// The channel said `scope` is now at `generation`. Generations only move forward
    /// here: a lower one than known is a message that arrived after a read of Redis had
    /// seen a later bump, or Redis lost its keys and started again from a clock; either
    /// way the next read asks Redis.
    pub(super) fn published(&self, scope: &CacheScope, generation: i64) {
        let mut guard = self.lock();
        let state = &mut *guard;
        state.changes += 1;
        if !state.following {
            return;
        }
        // A scope this process never read is not kept: its first read asks Redis.
        let Some(kept) = state.scopes.get_mut(scope) else {
            return;
        };
        let before = kept.copies.len();
        match kept.generation {
            Some(known) if known > generation => {
                kept.generation = None;
                kept.copies.clear();
            }
            _ => {
                kept.generation = Some(generation);
                kept.copies.retain(|_, copy| copy.generation >= generation);
            }
        }
        state.copies -= before - kept.copies.len();
    }

    /// This process bumped `scope`'s generation: its own next read asks Redis, so that it
    /// sees its own invalidation at once, whether or not the message came back yet.
    pub(super) fn forget(&self, scope: &CacheScope) {
        let mut state = self.lock();
        // Also refuses a generation read from Redis before the bump and kept after it.
        state.changes += 1;
        if let Some(kept) = state.scopes.get_mut(scope) {
            kept.generation = None;
        }
    }

    /// The subscription is confirmed: from now on every bump reaches this process.
    pub(super) fn follow(&self) {
        let mut state = self.lock();
        state.forget_everything();
        state.following = true;
    }

    /// The subscription is lost, or messages were: nothing known here can be trusted to
    /// be current any more. Reads ask Redis again until [`Self::follow`].
    pub(super) fn lose(&self) {
        let mut state = self.lock();
        state.forget_everything();
        state.following = false;
    }

    /// Messages were dropped before this process read them (it fell behind), but the
    /// subscription is still up: everything known is forgotten, and what comes next is
    /// current again.
    pub(super) fn missed_messages(&self) {
        self.lock().forget_everything();
    }

    /// Whether generations are kept (the subscription is confirmed).
    pub(super) fn following(&self) -> bool {
        self.lock().following
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change to the state is made under one lock and leaves it consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn copy_of(
        &self,
        scope: &CacheScope,
        key: &str,
        generation: i64,
        ttl: Duration,
    ) -> Option<Bytes> {
        let copy = self.scopes.get(scope)?.copies.get(key)?;
        // A copy never outlives what a lost invalidation would leave in Redis.
        (copy.generation == generation && copy.stored_at.elapsed() < ttl)
            .then(|| copy.value.clone())
    }

    fn scope(&mut self, scope: &CacheScope) -> &mut Scope {
        if !self.scopes.contains_key(scope) && self.scopes.len() >= MAX_LOCAL_SCOPES {
            self.forget_everything();
        }
        self.scopes.entry(scope.clone()).or_default()
    }

    fn forget_everything(&mut self) {
        self.changes += 1;
        self.scopes.clear();
        self.copies = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    fn scope() -> CacheScope {
        CacheScope::Event(uuid::Uuid::new_v4())
    }

    fn learnt(memory: &InMemory, scope: &CacheScope, generation: i64) {
        let Lookup::Unknown(seen) = memory.lookup(scope, "k", TTL) else {
            panic!("the generation was known already");
        };
        memory.learn(scope, generation, seen);
    }

    fn hit(memory: &InMemory, scope: &CacheScope) -> Option<Bytes> {
        match memory.lookup(scope, "k", TTL) {
            Lookup::Hit(value) => Some(value),
            _ => None,
        }
    }

    fn generation(memory: &InMemory, scope: &CacheScope) -> Option<i64> {
        match memory.lookup(scope, "k", TTL) {
            Lookup::Hit(_) => Some(-1),
            Lookup::Generation(generation) => Some(generation),
            Lookup::Unknown(_) => None,
        }
    }

    #[test]
    fn without_a_confirmed_subscription_no_generation_is_kept() {
        let (memory, scope) = (InMemory::default(), scope());
        learnt(&memory, &scope, 7);
        memory.put(&scope, "k", 7, Bytes::from_static(b"v"));
        assert_eq!(generation(&memory, &scope), None);
        assert_eq!(memory.copy(&scope, "k", 7, TTL).as_deref(), Some(&b"v"[..]));
        assert_eq!(memory.copy(&scope, "k", 8, TTL), None);
    }

    #[test]
    fn a_followed_scope_hits_its_current_copy_until_a_message_moves_it_on() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        learnt(&memory, &scope, 7);
        memory.put(&scope, "k", 7, Bytes::from_static(b"v7"));
        assert_eq!(hit(&memory, &scope).as_deref(), Some(&b"v7"[..]));

        memory.published(&scope, 8);
        assert_eq!(generation(&memory, &scope), Some(8));
        memory.put(&scope, "k", 7, Bytes::from_static(b"late v7"));
        assert_eq!(generation(&memory, &scope), Some(8), "no copy of 8 yet");
        memory.put(&scope, "k", 8, Bytes::from_static(b"v8"));
        assert_eq!(hit(&memory, &scope).as_deref(), Some(&b"v8"[..]));
    }

    #[test]
    fn a_generation_read_while_a_message_came_is_not_kept() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        let Lookup::Unknown(seen) = memory.lookup(&scope, "k", TTL) else {
            panic!("nothing known yet");
        };
        // Redis answered 7, but the bump to 8 was published before the answer came back.
        memory.published(&scope, 8);
        memory.learn(&scope, 7, seen);
        assert_eq!(generation(&memory, &scope), None);
    }

    #[test]
    fn generations_read_from_redis_only_move_forward() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        let Lookup::Unknown(first) = memory.lookup(&scope, "k", TTL) else {
            panic!("nothing known yet");
        };
        let Lookup::Unknown(second) = memory.lookup(&scope, "k", TTL) else {
            panic!("nothing known yet");
        };
        memory.learn(&scope, 8, second);
        memory.learn(&scope, 7, first);
        assert_eq!(generation(&memory, &scope), Some(8));
    }

    #[test]
    fn a_published_generation_below_the_known_one_sends_the_next_read_to_redis() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        learnt(&memory, &scope, 1_000);
        // Late, or Redis lost its keys: either way Redis knows better.
        memory.published(&scope, 900);
        assert_eq!(generation(&memory, &scope), None);
        learnt(&memory, &scope, 1_001);
        assert_eq!(generation(&memory, &scope), Some(1_001));
    }

    #[test]
    fn losing_the_subscription_forgets_generations_and_copies() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        learnt(&memory, &scope, 7);
        memory.put(&scope, "k", 7, Bytes::from_static(b"v7"));
        let Lookup::Unknown(seen) = memory.lookup(&self::scope(), "k", TTL) else {
            panic!("another scope is not known");
        };

        memory.lose();

        assert_eq!(generation(&memory, &scope), None);
        assert_eq!(memory.copy(&scope, "k", 7, TTL), None);
        memory.published(&scope, 8);
        learnt(&memory, &scope, 8);
        assert_eq!(generation(&memory, &scope), None, "not following");
        memory.follow();
        memory.learn(&scope, 7, seen);
        assert_eq!(generation(&memory, &scope), None, "read before the loss");
    }

    #[test]
    fn a_scope_this_process_invalidated_is_read_from_redis_next() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        learnt(&memory, &scope, 7);
        let Lookup::Unknown(before_the_bump) = memory.lookup(&self::scope(), "k", TTL) else {
            panic!("another scope is not known");
        };
        memory.forget(&scope);
        assert_eq!(generation(&memory, &scope), None);
        memory.learn(&scope, 7, before_the_bump);
        assert_eq!(generation(&memory, &scope), None, "read before the bump");
    }

    #[test]
    fn missed_messages_forget_what_was_known_but_keep_following() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.follow();
        learnt(&memory, &scope, 7);
        memory.missed_messages();
        assert_eq!(generation(&memory, &scope), None);
        learnt(&memory, &scope, 9);
        assert_eq!(generation(&memory, &scope), Some(9));
    }

    #[test]
    fn past_the_limit_the_copies_start_over() {
        let (memory, scope) = (InMemory::default(), scope());
        for n in 0..MAX_LOCAL_COPIES {
            memory.put(&scope, &n.to_string(), 1, Bytes::from_static(b"v"));
        }
        memory.put(&scope, "0", 2, Bytes::from_static(b"replaced"));
        assert!(memory.copy(&scope, "1", 1, TTL).is_some(), "a replacement");
        memory.put(&scope, "one more", 1, Bytes::from_static(b"v"));
        assert_eq!(memory.copy(&scope, "1", 1, TTL), None);
        assert!(memory.copy(&scope, "one more", 1, TTL).is_some());
    }

    #[test]
    fn a_copy_answers_until_its_lifetime_ends() {
        let (memory, scope) = (InMemory::default(), scope());
        memory.put(&scope, "k", 1, Bytes::from_static(b"v"));
        assert!(memory.copy(&scope, "k", 1, TTL).is_some());
        assert_eq!(memory.copy(&scope, "k", 1, Duration::ZERO), None);
    }
}

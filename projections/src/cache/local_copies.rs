//! The responses this process read from or stored in Redis, kept in memory by their full
//! cache key. The key names the scope's generation, so a copy can only ever answer for
//! the generation it was cached under: the generation is still read from Redis on every
//! request, and an invalidation takes effect exactly as without the copies. What they
//! save is the second round trip of a hit and its payload.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most copies kept; past it they are all dropped and the cache fills again from Redis
/// (the keys of old generations are never read again, and this is how they go).
const MAX_LOCAL_COPIES: usize = 1_024;

/// Copies of cached responses, shared by the clones of one [`super::ResponseCache`].
#[derive(Clone, Default)]
pub(super) struct LocalCopies {
    copies: Arc<Mutex<HashMap<String, LocalCopy>>>,
}

struct LocalCopy {
    value: Arc<str>,
    stored_at: Instant,
}

impl LocalCopies {
    /// The copy of `cache_key` if it is younger than `ttl`, the lifetime of the Redis
    /// entry it copies: a copy never outlives what a lost invalidation would leave there.
    pub(super) fn get(&self, cache_key: &str, ttl: Duration) -> Option<String> {
        let copies = self.lock();
        let copy = copies.get(cache_key)?;
        (copy.stored_at.elapsed() < ttl).then(|| copy.value.to_string())
    }

    /// Keeps `value` as the copy of `cache_key`.
    pub(super) fn put(&self, cache_key: &str, value: &str) {
        let mut copies = self.lock();
        if copies.len() >= MAX_LOCAL_COPIES && !copies.contains_key(cache_key) {
            copies.clear();
        }
        copies.insert(
            cache_key.to_owned(),
            LocalCopy {
                value: Arc::from(value),
                stored_at: Instant::now(),
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LocalCopy>> {
        self.copies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_answers_until_its_lifetime_ends() {
        let copies = LocalCopies::default();
        copies.put("k", "v");
        assert_eq!(
            copies.get("k", Duration::from_secs(60)).as_deref(),
            Some("v")
        );
        assert_eq!(copies.get("k", Duration::ZERO), None);
        assert_eq!(copies.get("other", Duration::from_secs(60)), None);
    }

    #[test]
    fn past_the_limit_the_copies_start_over() {
        let copies = LocalCopies::default();
        for n in 0..MAX_LOCAL_COPIES {
            copies.put(&n.to_string(), "v");
        }
        copies.put("one more", "v");
        assert_eq!(copies.get("0", Duration::from_secs(60)), None);
        assert_eq!(
            copies.get("one more", Duration::from_secs(60)).as_deref(),
            Some("v")
        );
    }
}

//! Fixed-window rate limits in Redis: one atomic script call per attempt.

use std::time::Duration;

use fred::prelude::{Client, KeysInterface, SetsInterface};
use fred::types::scripts::Script;
use std::sync::LazyLock;

/// Counts an attempt and starts the window on the first one. KEYS: the counter.
/// ARGV: window in ms. Returns {count, ms left in the window}.
static COUNT_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::from_lua(
        "local count = redis.call('INCR', KEYS[1])\n\
         if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n\
         local ttl = redis.call('PTTL', KEYS[1])\n\
         if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end\n\
         return {count, ttl}",
    )
});

/// At most `max` attempts per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Attempts allowed per window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

/// The answer to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within the limit.
    Allowed,
    /// Over the limit until the window ends, in `retry_after`.
    Refused {
        /// How long until an attempt can succeed again.
        retry_after: Duration,
    },
}

/// Rate limits over Redis, keys under a prefix.
#[derive(Clone)]
pub struct RateLimiter {
    redis: Client,
    prefix: String,
}

impl RateLimiter {
    /// Limits whose keys start with `prefix` + `rate:`.
    pub fn new(redis: Client, prefix: &str) -> Self {
        Self {
            redis,
            prefix: format!("{prefix}rate:"),
        }
    }

    /// Counts one attempt of `scope` (e.g. `login-ip:203.0.113.7`) against `limit`.
    /// When Redis cannot answer the attempt is allowed (and logged): sign-in must keep
    /// working through a cache outage, and argon2 bounds how fast guesses go meanwhile.
    pub async fn check(&self, scope: &str, limit: Limit) -> Decision {
        let key = format!("{}{scope}", self.prefix);
        let window_ms = limit.window.as_millis().max(1).to_string();
        let counted: Result<(i64, i64), _> = COUNT_SCRIPT
            .evalsha_with_reload(&self.redis, vec![key], vec![window_ms])
            .await;
        match counted {
            Ok((count, ttl_ms)) if count > i64::from(limit.max) => Decision::Refused {
                retry_after: Duration::from_millis(ttl_ms.max(1) as u64),
            },
            Ok(_) => Decision::Allowed,
            Err(error) => {
                tracing::warn!(%error, "rate limiter unavailable; attempt allowed");
                Decision::Allowed
            }
        }
    }

    /// Remembers `member` under `scope` for `keep` (e.g. an address an account signed in
    /// from). Best effort: forgetting only means a later attempt is treated as new.
    pub async fn remember(&self, scope: &str, member: &str, keep: Duration) {
        let key = format!("{}{scope}", self.prefix);
        let remembered: Result<(), _> = async {
            let _: i64 = self.redis.sadd(&key, member).await?;
            let _: bool = self
                .redis
                .pexpire(&key, keep.as_millis().max(1) as i64, None)
                .await?;
            Ok::<(), fred::error::Error>(())
        }
        .await;
        if let Err(error) = remembered {
            tracing::warn!(%error, "could not remember a sign-in place");
        }
    }

    /// Whether `member` is remembered under `scope` (`false` when Redis cannot say).
    pub async fn remembers(&self, scope: &str, member: &str) -> bool {
        let key = format!("{}{scope}", self.prefix);
        self.redis.sismember(&key, member).await.unwrap_or(false)
    }
}

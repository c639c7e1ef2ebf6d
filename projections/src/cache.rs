//! Redis cache of query responses, derived from the read models.
//!
//! Keys are versioned by a *generation* per scope (`listing`, `event:<id>`): a projector
//! that changed a read model bumps the generation after its commit, so the next read
//! misses. Versioning, rather than deleting keys, also closes the race where a reader loads
//! an old row, the projector invalidates, and the reader then stores the old row: that
//! reader stored it under the old generation, which nobody reads any more.
//!
//! A burst of misses on one key sends one query to PostgreSQL: misses in one process wait
//! for a single in-process load, and processes coordinate through a short Redis lock.
//! Redis failures degrade to loading from PostgreSQL; they never fail a read.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fred::prelude::{Client, Expiration, KeysInterface, SetOptions};
use tokio::sync::OnceCell;

/// How long a cached response lives if no projector invalidates it first.
pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long a process may hold the lock that makes it the one loading a key.
const LOAD_LOCK_TTL: Duration = Duration::from_secs(5);
/// How long a process waits for another one's load before loading itself.
const LOAD_WAIT: Duration = Duration::from_millis(1_000);
/// How often a waiting process looks for the other one's result.
const LOAD_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A set of cached responses invalidated together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheScope {
    /// Every page and filter of the public listing.
    Listing,
    /// The detail of one event.
    Event(uuid::Uuid),
}

impl CacheScope {
    fn name(&self) -> String {
        match self {
            Self::Listing => "listing".to_owned(),
            Self::Event(id) => format!("event:{id}"),
        }
    }
}

/// The outcome of one load, shared by every request that waited for it.
type SharedLoad = Arc<OnceCell<Result<Option<String>, String>>>;

/// Read-through cache of JSON responses in Redis.
#[derive(Clone)]
pub struct ResponseCache {
    redis: Client,
    prefix: String,
    ttl: Duration,
    in_flight: Arc<Mutex<HashMap<String, SharedLoad>>>,
}

impl ResponseCache {
    /// A cache whose keys all start with `prefix` (e.g. `carneau:`).
    pub fn new(redis: Client, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            ttl: CACHE_TTL,
            in_flight: Arc::default(),
        }
    }

    /// The same cache with another time to live (tests use a short one).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The cached JSON of `scope`/`key`, or `load`'s result stored for the next reader.
    /// `load` returning `None` (nothing there) is not cached.
    pub async fn get_or_load<F, Fut>(
        &self,
        scope: &CacheScope,
        key: &str,
        load: F,
    ) -> anyhow::Result<Option<String>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        let generation = self.generation(scope).await;
        let Some(generation) = generation else {
            // Redis is unreachable: still coalesce this process's misses.
            return self
                .single_flight(format!("offline:{}:{key}", scope.name()), load)
                .await;
        };
        let cache_key = format!("{}cache:{}:{generation}:{key}", self.prefix, scope.name());
        if let Some(hit) = self.read(&cache_key).await {
            return Ok(Some(hit));
        }
        let loader = || self.load_once_across_processes(&cache_key, load);
        self.single_flight(cache_key.clone(), loader).await
    }

    /// Makes every cached response of `scope` stale. Called after a read model commits.
    pub async fn invalidate(&self, scope: &CacheScope) {
        let key = format!("{}generation:{}", self.prefix, scope.name());
        let bumped: Result<i64, _> = self.redis.incr(&key).await;
        if let Err(error) = bumped {
            // The TTL bounds how long a stale response can be served after this.
            tracing::warn!(%error, scope = scope.name(), "cache invalidation failed");
        }
    }

    async fn generation(&self, scope: &CacheScope) -> Option<i64> {
        let key = format!("{}generation:{}", self.prefix, scope.name());
        match self.redis.get::<Option<i64>, _>(&key).await {
            Ok(generation) => Some(generation.unwrap_or(0)),
            Err(error) => {
                tracing::warn!(%error, "cache unavailable, reading from PostgreSQL");
                None
            }
        }
    }

    async fn read(&self, cache_key: &str) -> Option<String> {
        match self.redis.get::<Option<String>, _>(cache_key).await {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(%error, "cache read failed");
                None
            }
        }
    }

    async fn store(&self, cache_key: &str, value: &str) {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX).max(1);
        let stored: Result<(), _> = self
            .redis
            .set(cache_key, value, Some(Expiration::EX(ttl)), None, false)
            .await;
        if let Err(error) = stored {
            tracing::warn!(%error, "cache write failed");
        }
    }

    /// Loads under a Redis lock so that only one process queries PostgreSQL for a key;
    /// the others wait briefly for its result, then load themselves rather than fail.
    async fn load_once_across_processes<F, Fut>(
        &self,
        cache_key: &str,
        load: F,
    ) -> anyhow::Result<Option<String>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        let lock_key = format!("{cache_key}:loading");
        let lock_ms = i64::try_from(LOAD_LOCK_TTL.as_millis()).unwrap_or(5_000);
        let locked: Result<Option<String>, _> = self
            .redis
            .set(
                &lock_key,
                "1",
                Some(Expiration::PX(lock_ms)),
                Some(SetOptions::NX),
                false,
            )
            .await;
        if matches!(locked, Ok(None)) {
            let deadline = tokio::time::Instant::now() + LOAD_WAIT;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(LOAD_POLL_INTERVAL).await;
                if let Some(hit) = self.read(cache_key).await {
                    return Ok(Some(hit));
                }
            }
        }
        let loaded = load().await;
        if let Ok(Some(value)) = &loaded {
            self.store(cache_key, value).await;
        }
        if matches!(locked, Ok(Some(_))) {
            let _: Result<i64, _> = self.redis.del(&lock_key).await;
        }
        loaded
    }

    /// Runs `load` once for all concurrent callers in this process asking for `key`.
    async fn single_flight<F, Fut>(&self, key: String, load: F) -> anyhow::Result<Option<String>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        let cell = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            in_flight.entry(key.clone()).or_default().clone()
        };
        let outcome = cell
            .get_or_init(|| async { load().await.map_err(|error| format!("{error:#}")) })
            .await
            .clone();
        {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if in_flight
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &cell))
            {
                in_flight.remove(&key);
            }
        }
        outcome.map_err(anyhow::Error::msg)
    }
}

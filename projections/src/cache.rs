//! Redis cache of query responses, derived from the read models.
//!
//! Keys are versioned by a *generation* per scope (`listing`, `event:<id>`): a projector
//! that changed a read model bumps the generation after its commit, so the next read
//! misses. Versioning, rather than deleting keys, also closes the race where a reader loads
//! an old row, the projector invalidates, and the reader then stores the old row: that
//! reader stored it under the old generation, which nobody reads any more.
//!
//! Each process also keeps what it read in memory (`in_memory`): copies of responses by
//! the generation they were cached under and, while it follows the invalidation channel
//! (`invalidations`, [`ResponseCache::follow_invalidations`]), the current generation of
//! each scope it read, so that a hit costs no Redis round trip at all. Without the
//! channel (not started, or its subscription lost), each read asks Redis for the
//! generation first.
//!
//! A burst of misses on one key sends one query to PostgreSQL: misses in one process wait
//! for a single in-process load, and processes coordinate through a short Redis lock.
//! Redis failures degrade to loading from PostgreSQL; they never fail a read, and after
//! one failure Redis is skipped for [`REDIS_BREAKER_OPEN`] so an outage does not add a
//! timeout to every request.

mod breaker;
mod cached_json;
mod in_memory;
mod invalidations;
mod load_lock;
mod single_flight;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use fred::error::{Error as RedisError, ErrorKind};
use fred::prelude::{Client, Expiration, KeysInterface, LuaInterface, SetOptions};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::instrument;

use breaker::{RedisBreaker, Tripped};
use in_memory::{InMemory, Lookup, Seen};
use single_flight::SingleFlight;

pub use cached_json::CachedJson;
pub use invalidations::{HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT};

use crate::metrics::{self, CacheLookup};

/// How long a cached response lives if no projector invalidates it first.
pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long Redis is skipped after a call to it failed.
pub const REDIS_BREAKER_OPEN: Duration = Duration::from_millis(1_000);
/// The longest one Redis call may take, whatever the client's own command timeout (a
/// client built without one would otherwise hang reads while Redis is away).
pub const REDIS_CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// Moves a scope's generation (KEYS[1]) on, starting it at ARGV[1] (see
/// [`fresh_generation`]) if Redis has none, and publishes `<generation> <scope>` (the
/// scope's name is ARGV[3]) on the invalidation channel (ARGV[2]) in the same step, so
/// that no follower can see the bump without the message or the message without the
/// bump. The generation is published as Redis stores it: Lua would print the number
/// (a double) in exponent notation.
const BUMP_GENERATION: &str = "if redis.call('EXISTS', KEYS[1]) == 0 then \
     redis.call('SET', KEYS[1], ARGV[1]) end \
     local generation = redis.call('INCR', KEYS[1]) \
     redis.call('PUBLISH', ARGV[2], redis.call('GET', KEYS[1]) .. ' ' .. ARGV[3]) \
     return generation";
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

    /// The scope [`Self::name`] gave `name`.
    fn parse(name: &str) -> Option<Self> {
        match name.split_once(':') {
            None if name == "listing" => Some(Self::Listing),
            Some(("event", id)) => uuid::Uuid::parse_str(id).ok().map(Self::Event),
            _ => None,
        }
    }
}

/// Redis did not answer (or is being skipped): the caller goes to PostgreSQL.
struct Unavailable;

/// Read-through cache of JSON responses in Redis.
///
/// Build one per process and clone it: clones share the in-flight loads, the record of
/// Redis failures and what is kept in memory (copies of responses and, while the
/// invalidation channel is followed, generations).
#[derive(Clone)]
pub struct ResponseCache {
    redis: Client,
    prefix: String,
    channel: String,
    ttl: Duration,
    in_flight: SingleFlight,
    breaker: Arc<RedisBreaker>,
    memory: InMemory,
}

impl ResponseCache {
    /// A cache whose keys all start with `prefix` (e.g. `carneau:`).
    pub fn new(redis: Client, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        Self {
            redis,
            channel: invalidations::channel(&prefix),
            prefix,
            ttl: CACHE_TTL,
            in_flight: SingleFlight::default(),
            breaker: Arc::new(RedisBreaker::new(REDIS_BREAKER_OPEN)),
            memory: InMemory::default(),
        }
    }

    /// Follows the invalidation channel until `stop`, on a Redis connection of its own,
    /// so that hits need no Redis round trip while the subscription is up. A process
    /// that serves reads starts this once; without it every read asks Redis for the
    /// generation.
    pub fn follow_invalidations(&self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(invalidations::follow(
            self.redis.clone(),
            self.channel.clone(),
            self.memory.clone(),
            stop,
        ))
    }

    /// Whether the invalidation channel's subscription is confirmed: hits then come from
    /// memory alone.
    pub fn follows_invalidations(&self) -> bool {
        self.memory.following()
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
    ) -> anyhow::Result<Option<CachedJson>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        // While Redis is skipped, nothing is followed either: reads load as without a
        // cache, as they did before the channel existed.
        let (known, seen) = if self.breaker.is_open() {
            (None, None)
        } else {
            match self.memory.lookup(scope, key, self.ttl) {
                Lookup::Hit(copy) => {
                    metrics::cache_lookup(scope, CacheLookup::Hit);
                    return Ok(Some(CachedJson(copy)));
                }
                Lookup::Generation(generation) => (Some(generation), None),
                Lookup::Unknown(seen) => (None, Some(seen)),
            }
        };
        self.fetch(scope, key, known, seen, load).await
    }

    /// The read that memory alone could not answer: asks Redis for the generation unless
    /// `known` (and keeps it if nothing changed since `seen`), then for the response, then
    /// loads it.
    #[instrument(skip_all, fields(scope = %scope.name(), key = %key))]
    async fn fetch<F, Fut>(
        &self,
        scope: &CacheScope,
        key: &str,
        known: Option<i64>,
        seen: Option<Seen>,
        load: F,
    ) -> anyhow::Result<Option<CachedJson>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        let generation = match known {
            Some(generation) => generation,
            None => {
                let Ok(generation) = self.generation(scope).await else {
                    metrics::cache_lookup(scope, CacheLookup::Unavailable);
                    // Redis is unreachable: still coalesce this process's misses.
                    let offline_key = format!("offline:{}:{key}", scope.name());
                    let loaded = self.in_flight.run(offline_key, load).await?;
                    return Ok(loaded.map(CachedJson::from));
                };
                if let Some(seen) = seen {
                    self.memory.learn(scope, generation, seen);
                }
                // The copy names the generation Redis gave: it is as fresh as its entry.
                if let Some(copy) = self.memory.copy(scope, key, generation, self.ttl) {
                    metrics::cache_lookup(scope, CacheLookup::Hit);
                    return Ok(Some(CachedJson(copy)));
                }
                generation
            }
        };
        let cache_key = format!("{}cache:{}:{generation}:{key}", self.prefix, scope.name());
        if let Ok(Some(hit)) = self.read(&cache_key).await {
            metrics::cache_lookup(scope, CacheLookup::Hit);
            let hit = CachedJson::from(hit);
            self.memory.put(scope, key, generation, hit.0.clone());
            return Ok(Some(hit));
        }
        metrics::cache_lookup(scope, CacheLookup::Miss);
        let loader = || self.load_once_across_processes(&cache_key, load);
        let loaded = self.in_flight.run(cache_key.clone(), loader).await?;
        let loaded = loaded.map(CachedJson::from);
        if let Some(value) = &loaded {
            self.memory.put(scope, key, generation, value.0.clone());
        }
        Ok(loaded)
    }

    /// Whether Redis is being skipped after a failure (the circuit breaker is open, or
    /// half-open until a probe succeeds): reads go to PostgreSQL meanwhile.
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// Makes every cached response of `scope` stale. Called after a read model commits.
    ///
    /// Tried even while reads skip Redis: a lost invalidation serves a stale response
    /// until [`CACHE_TTL`], which is worse than one more timeout for the projector.
    #[instrument(skip_all, fields(scope = %scope.name()))]
    pub async fn invalidate(&self, scope: &CacheScope) {
        let key = format!("{}generation:{}", self.prefix, scope.name());
        let bump = self.redis.eval::<i64, _, _, _>(
            BUMP_GENERATION,
            vec![key],
            vec![
                fresh_generation().to_string(),
                self.channel.clone(),
                scope.name(),
            ],
        );
        let bumped = self.attempt(bump).await;
        self.memory.forget(scope);
        if bumped.is_err() {
            // The TTL bounds how long a stale response can be served after this.
            tracing::warn!(scope = scope.name(), "cache invalidation failed");
        }
    }

    /// Invalidates every scope in `scopes` concurrently: while Redis is away each waits for
    /// its timeout, and a projector batch can touch hundreds of events.
    pub async fn invalidate_all(&self, scopes: impl IntoIterator<Item = CacheScope>) {
        let scopes: Vec<CacheScope> = scopes.into_iter().collect();
        futures::future::join_all(scopes.iter().map(|scope| self.invalidate(scope))).await;
    }

    async fn generation(&self, scope: &CacheScope) -> Result<i64, Unavailable> {
        let key = format!("{}generation:{}", self.prefix, scope.name());
        if let Some(generation) = self.call(self.redis.get::<Option<i64>, _>(&key)).await? {
            return Ok(generation);
        }
        // No generation: a scope never cached, or a Redis that lost its keys. It starts
        // from the clock, past any generation counted before the loss, so that no copy a
        // process keeps (`local_copies`) can answer for a generation after it.
        let start = fresh_generation();
        self.call(self.redis.set::<Option<String>, _, _>(
            &key,
            start,
            None,
            Some(SetOptions::NX),
            false,
        ))
        .await?;
        let generation = self.call(self.redis.get::<Option<i64>, _>(&key)).await?;
        Ok(generation.unwrap_or(start))
    }

    async fn read(&self, cache_key: &str) -> Result<Option<String>, Unavailable> {
        self.call(self.redis.get::<Option<String>, _>(cache_key))
            .await
    }

    async fn store(&self, cache_key: &str, value: &str) {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX).max(1);
        let expiry = Some(Expiration::EX(ttl));
        let _ = self
            .call(
                self.redis
                    .set::<(), _, _>(cache_key, value, expiry, None, false),
            )
            .await;
    }

    /// Runs `command` unless Redis is being skipped.
    async fn call<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, Unavailable> {
        if !self.breaker.allows() {
            return Err(Unavailable);
        }
        self.attempt(command).await
    }

    /// Runs `command` within [`REDIS_CALL_TIMEOUT`] and tells the breaker how it went.
    async fn attempt<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, Unavailable> {
        let error = match tokio::time::timeout(REDIS_CALL_TIMEOUT, command).await {
            Ok(Ok(value)) => {
                if self.breaker.record_success() {
                    tracing::info!("cache available again");
                }
                return Ok(value);
            }
            Ok(Err(error)) => error,
            Err(_) => RedisError::new(ErrorKind::Timeout, "no answer from Redis in time"),
        };
        if matches!(
            error.kind(),
            ErrorKind::Parse | ErrorKind::InvalidArgument | ErrorKind::InvalidCommand
        ) {
            // Redis answered: this key or command is at fault, not the connection.
            tracing::warn!(%error, "cache command refused");
            return Err(Unavailable);
        }
        match self.breaker.record_failure() {
            Tripped::Opened => {
                metrics::breaker_tripped();
                tracing::warn!(
                    %error,
                    skip_for = ?REDIS_BREAKER_OPEN,
                    "cache unavailable, reading from PostgreSQL"
                )
            }
            Tripped::StillOpen => tracing::debug!(%error, "cache still unavailable"),
        }
        Err(Unavailable)
    }
}

/// Where a generation starts when Redis has none: microseconds since the Unix epoch. A
/// scope's generation only grows by one per invalidation, so a generation started after
/// a loss of Redis's keys is past every one counted before it (unless a scope was
/// invalidated more than once a microsecond, on average, since it started).
fn fresh_generation() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX / 2)
}

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
//! Redis failures degrade to loading from PostgreSQL; they never fail a read, and after
//! one failure Redis is skipped for [`REDIS_BREAKER_OPEN`] so an outage does not add a
//! timeout to every request.

mod breaker;
mod local_copies;
mod single_flight;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use fred::error::{Error as RedisError, ErrorKind};
use fred::prelude::{Client, Expiration, KeysInterface, LuaInterface, SetOptions};
use tracing::instrument;

use breaker::{RedisBreaker, Tripped};
use local_copies::LocalCopies;
use single_flight::SingleFlight;

use crate::metrics::{self, CacheLookup};

/// How long a cached response lives if no projector invalidates it first.
pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// How long Redis is skipped after a call to it failed.
pub const REDIS_BREAKER_OPEN: Duration = Duration::from_millis(1_000);
/// The longest one Redis call may take, whatever the client's own command timeout (a
/// client built without one would otherwise hang reads while Redis is away).
pub const REDIS_CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// Moves a scope's generation (KEYS[1]) on, starting it at ARGV[1] (see
/// [`fresh_generation`]) if Redis has none.
const BUMP_GENERATION: &str = "if redis.call('EXISTS', KEYS[1]) == 0 then \
     redis.call('SET', KEYS[1], ARGV[1]) end return redis.call('INCR', KEYS[1])";
/// Deletes the load lock (KEYS[1]) only if it still holds this process's value (ARGV[1]).
const RELEASE_LOCK_IF_OURS: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
     return redis.call('DEL', KEYS[1]) else return 0 end";

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

/// Redis did not answer (or is being skipped): the caller goes to PostgreSQL.
struct Unavailable;

/// Read-through cache of JSON responses in Redis.
///
/// Build one per process and clone it: clones share the in-flight loads, the record of
/// Redis failures and the copies of the responses kept in memory.
#[derive(Clone)]
pub struct ResponseCache {
    redis: Client,
    prefix: String,
    ttl: Duration,
    in_flight: SingleFlight,
    breaker: Arc<RedisBreaker>,
    local: LocalCopies,
}

impl ResponseCache {
    /// A cache whose keys all start with `prefix` (e.g. `carneau:`).
    pub fn new(redis: Client, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            ttl: CACHE_TTL,
            in_flight: SingleFlight::default(),
            breaker: Arc::new(RedisBreaker::new(REDIS_BREAKER_OPEN)),
            local: LocalCopies::default(),
        }
    }

    /// The same cache with another time to live (tests use a short one).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The cached JSON of `scope`/`key`, or `load`'s result stored for the next reader.
    /// `load` returning `None` (nothing there) is not cached.
    #[instrument(skip_all, fields(scope = %scope.name(), key = %key))]
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
        let Ok(generation) = self.generation(scope).await else {
            metrics::cache_lookup(scope, CacheLookup::Unavailable);
            // Redis is unreachable: still coalesce this process's misses.
            let offline_key = format!("offline:{}:{key}", scope.name());
            return self.in_flight.run(offline_key, load).await;
        };
        let cache_key = format!("{}cache:{}:{generation}:{key}", self.prefix, scope.name());
        // The key names the current generation: a copy of it is as fresh as Redis's entry.
        if let Some(hit) = self.local.get(&cache_key, self.ttl) {
            metrics::cache_lookup(scope, CacheLookup::Hit);
            return Ok(Some(hit));
        }
        if let Ok(Some(hit)) = self.read(&cache_key).await {
            metrics::cache_lookup(scope, CacheLookup::Hit);
            self.local.put(&cache_key, &hit);
            return Ok(Some(hit));
        }
        metrics::cache_lookup(scope, CacheLookup::Miss);
        let loader = || self.load_once_across_processes(&cache_key, load);
        let loaded = self.in_flight.run(cache_key.clone(), loader).await;
        if let Ok(Some(value)) = &loaded {
            self.local.put(&cache_key, value);
        }
        loaded
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
            vec![fresh_generation().to_string()],
        );
        if self.attempt(bump).await.is_err() {
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
        let lock = Some(Expiration::PX(lock_ms));
        // Our own value, so that a load slower than the lock's lifetime cannot release
        // the lock another process has taken since.
        let lock_owner = uuid::Uuid::new_v4().to_string();
        let locked = self
            .call(self.redis.set::<Option<String>, _, _>(
                &lock_key,
                lock_owner.as_str(),
                lock,
                Some(SetOptions::NX),
                false,
            ))
            .await;
        let holds_lock = matches!(locked, Ok(Some(_)));
        let cached = match locked {
            // The previous holder stores before it unlocks, so it may have stored this
            // key between our miss and our lock: without this look, a request that
            // missed just before the store would load a second time.
            Ok(Some(_)) => self.read(cache_key).await.ok().flatten(),
            Ok(None) => self.wait_for_other_process(cache_key, &lock_key).await,
            Err(Unavailable) => None,
        };
        let loaded = match cached {
            Some(hit) => Ok(Some(hit)),
            None => {
                let loaded = load().await;
                if let Ok(Some(value)) = &loaded {
                    self.store(cache_key, value).await;
                }
                loaded
            }
        };
        if holds_lock {
            let release = self.redis.eval::<i64, _, _, _>(
                RELEASE_LOCK_IF_OURS,
                vec![lock_key.clone()],
                vec![lock_owner],
            );
            let _ = self.call(release).await;
        }
        loaded
    }

    /// Polls for the value another process is loading under `lock_key`; `None` when it
    /// stored nothing (its load found nothing or failed), took too long, or Redis failed.
    async fn wait_for_other_process(&self, cache_key: &str, lock_key: &str) -> Option<String> {
        let deadline = tokio::time::Instant::now() + LOAD_WAIT;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(LOAD_POLL_INTERVAL).await;
            // The lock before the value: its holder stores before it unlocks, so a lock
            // seen gone followed by a miss means it stored nothing.
            let loading = self
                .call(self.redis.exists::<i64, _>(lock_key))
                .await
                .ok()?;
            match self.read(cache_key).await.ok()? {
                Some(hit) => return Some(hit),
                None if loading == 0 => return None,
                None => {}
            }
        }
        None
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

//! The response cache against a real Redis (keys under a per-test prefix): hits skip the
//! loader, invalidation and the stale-write race, one load per burst of misses across
//! processes, and reads that keep working while Redis is away.

#[path = "cache/redis_proxy.rs"]
mod redis_proxy;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carneau_projections::cache::{CacheScope, CachedJson, ResponseCache, REDIS_BREAKER_OPEN};
use carneau_testkit::{redis_url, TestRedis};
use fred::prelude::{Builder, Client, ClientLike, Config};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use uuid::Uuid;

use redis_proxy::RedisProxy;

/// Far more than any read may take; a test waiting longer has hung.
const PATIENCE: Duration = Duration::from_secs(30);
const SLOW_LOAD: Duration = Duration::from_millis(100);
const KEY: &str = "public";

fn scope() -> CacheScope {
    CacheScope::Event(Uuid::new_v4())
}

type Load = Pin<Box<dyn Future<Output = anyhow::Result<Option<String>>> + Send>>;

/// Counts its calls, waits `delay`, then answers `value`.
#[derive(Clone, Default)]
struct Loader {
    calls: Arc<AtomicUsize>,
}

impl Loader {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn answer(&self, value: Option<&str>, delay: Duration) -> impl FnOnce() -> Load {
        let calls = self.calls.clone();
        let value = value.map(str::to_owned);
        move || {
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                Ok(value)
            })
        }
    }

    fn value(&self, value: &str) -> impl FnOnce() -> Load {
        self.answer(Some(value), Duration::ZERO)
    }
}

async fn cache() -> (TestRedis, ResponseCache) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("carneau_projections=debug")
        .with_test_writer()
        .try_init();
    let redis = TestRedis::create().await.unwrap();
    let cache = ResponseCache::new(redis.client().clone(), redis.prefix());
    (redis, cache)
}

/// Another process's cache over the same Redis and prefix: a client of its own.
async fn second_process(redis: &TestRedis) -> ResponseCache {
    let client = Builder::from_config(Config::from_url(&redis_url()).unwrap())
        .build()
        .unwrap();
    client.init().await.unwrap();
    ResponseCache::new(client, redis.prefix())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miss_loads_and_stores_and_a_hit_does_not_load() {
    let (_redis, cache) = cache().await;
    let loader = Loader::default();
    let scope = scope();

    let first = cache.get_or_load(&scope, KEY, loader.value("v1")).await;
    let second = cache.get_or_load(&scope, KEY, loader.value("v2")).await;

    assert_eq!(first.unwrap().as_deref(), Some("v1"));
    assert_eq!(second.unwrap().as_deref(), Some("v1"));
    assert_eq!(loader.calls(), 1);
    let other_key = cache
        .get_or_load(&scope, "organiser", loader.value("v3"))
        .await;
    assert_eq!(other_key.unwrap().as_deref(), Some("v3"));
    assert_eq!(loader.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidating_a_scope_makes_its_next_read_load_again_and_leaves_others_cached() {
    let (_redis, cache) = cache().await;
    let loader = Loader::default();
    let (event, other_event) = (scope(), scope());
    for scope in [&event, &other_event, &CacheScope::Listing] {
        cache
            .get_or_load(scope, KEY, loader.value("v1"))
            .await
            .unwrap();
    }
    assert_eq!(loader.calls(), 3);

    cache.invalidate(&event).await;

    let reread = cache.get_or_load(&event, KEY, loader.value("v2")).await;
    assert_eq!(reread.unwrap().as_deref(), Some("v2"));
    assert_eq!(loader.calls(), 4);
    for scope in [&other_event, &CacheScope::Listing] {
        let kept = cache.get_or_load(scope, KEY, loader.value("v2")).await;
        assert_eq!(kept.unwrap().as_deref(), Some("v1"));
    }
    assert_eq!(loader.calls(), 4);
    let again = cache.get_or_load(&event, KEY, loader.value("v3")).await;
    assert_eq!(again.unwrap().as_deref(), Some("v2"));
}

/// Each process keeps copies of what it read; another process's invalidation still
/// reaches them, since every read asks Redis for the scope's generation first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_by_another_process_reaches_the_copies_this_one_keeps() {
    let (redis, cache) = cache().await;
    let projector = second_process(&redis).await;
    let loader = Loader::default();
    let scope = scope();
    cache
        .get_or_load(&scope, KEY, loader.value("v1"))
        .await
        .unwrap();
    let copied = cache.get_or_load(&scope, KEY, loader.value("v2")).await;
    assert_eq!(copied.unwrap().as_deref(), Some("v1"));

    projector.invalidate(&scope).await;

    let reread = cache.get_or_load(&scope, KEY, loader.value("v2")).await;
    assert_eq!(reread.unwrap().as_deref(), Some("v2"));
    assert_eq!(loader.calls(), 2);
}

/// Redis loses its keys (restarted without persistence, flushed) after an invalidation:
/// the generations start again from the clock, not from zero, so a copy a process kept
/// from before can never match one again and be served stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_kept_in_memory_are_not_served_after_redis_lost_its_keys() {
    let (redis, cache) = cache().await;
    let loader = Loader::default();
    let scope = scope();
    cache
        .get_or_load(&scope, KEY, loader.value("before"))
        .await
        .unwrap();
    cache.invalidate(&scope).await;
    cache
        .get_or_load(&scope, KEY, loader.value("changed"))
        .await
        .unwrap();

    let lose_everything = || async {
        let pattern = format!("{}*", redis.prefix());
        for key in carneau_testkit::keys_matching(redis.client(), &pattern)
            .await
            .unwrap()
        {
            let _: i64 = fred::prelude::KeysInterface::del(redis.client(), key)
                .await
                .unwrap();
        }
    };
    lose_everything().await;
    let after_loss = cache
        .get_or_load(&scope, KEY, loader.value("reloaded"))
        .await;
    assert_eq!(after_loss.unwrap().as_deref(), Some("reloaded"));

    lose_everything().await;
    cache.invalidate(&scope).await;
    let invalidated_after_loss = cache.get_or_load(&scope, KEY, loader.value("fresh")).await;
    assert_eq!(invalidated_after_loss.unwrap().as_deref(), Some("fresh"));
    assert_eq!(loader.calls(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_found_and_failed_loads_are_not_cached() {
    let (_redis, cache) = cache().await;
    let loader = Loader::default();
    let scope = scope();

    let missing = cache
        .get_or_load(&scope, KEY, loader.answer(None, Duration::ZERO))
        .await;
    assert_eq!(missing.unwrap(), None);
    let failed = cache
        .get_or_load(&scope, KEY, || async {
            anyhow::bail!("PostgreSQL is down")
        })
        .await;
    assert!(failed
        .unwrap_err()
        .to_string()
        .contains("PostgreSQL is down"));
    let found = cache.get_or_load(&scope, KEY, loader.value("v1")).await;

    assert_eq!(found.unwrap().as_deref(), Some("v1"));
    assert_eq!(loader.calls(), 2);
}

/// A hundred reads at once, spread over `caches` in turn, each loading slowly on a miss;
/// every one must see `v1`.
async fn hundred_slow_reads_see_v1(caches: &[ResponseCache], scope: &CacheScope, loader: &Loader) {
    let reads: Vec<_> = (0..100)
        .map(|n| {
            let cache = caches[n % caches.len()].clone();
            let (scope, loader) = (scope.clone(), loader.clone());
            tokio::spawn(async move {
                let load = loader.answer(Some("v1"), SLOW_LOAD);
                cache.get_or_load(&scope, KEY, load).await
            })
        })
        .collect();
    for read in reads {
        let value = timeout(PATIENCE, read).await.unwrap().unwrap().unwrap();
        assert_eq!(value.as_deref(), Some("v1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_misses_load_once() {
    let (_redis, cache) = cache().await;
    let loader = Loader::default();
    let scope = scope();

    hundred_slow_reads_see_v1(&[cache], &scope, &loader).await;

    assert_eq!(loader.calls(), 1);
}

/// Both processes' leaders race for the Redis lock; the loser polls for the winner's
/// value, which arrives long before it would give up waiting, so one load in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_in_two_processes_load_once_in_all() {
    let (redis, first) = cache().await;
    let second = second_process(&redis).await;
    let loader = Loader::default();
    let scope = scope();

    hundred_slow_reads_see_v1(&[first, second], &scope, &loader).await;

    assert_eq!(loader.calls(), 1);
}

/// When the process holding the lock finds nothing, the waiting one loads as soon as
/// the lock is gone instead of waiting out its patience.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_waiting_on_a_load_that_found_nothing_loads_at_once() {
    let (redis, first) = cache().await;
    let second = second_process(&redis).await;
    let scope = scope();
    let first_done = Arc::new(std::sync::Mutex::new(None));
    let done = first_done.clone();
    let holder = {
        let scope = scope.clone();
        tokio::spawn(async move {
            let found = first
                .get_or_load(&scope, KEY, || async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(None)
                })
                .await;
            *done.lock().unwrap() = Some(Instant::now());
            found
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    let loaded_at = Arc::new(std::sync::Mutex::new(None));
    let loaded = loaded_at.clone();
    let waiter = second
        .get_or_load(&scope, KEY, || async move {
            *loaded.lock().unwrap() = Some(Instant::now());
            Ok(None)
        })
        .await;

    assert_eq!(waiter.unwrap(), None);
    assert_eq!(holder.await.unwrap().unwrap(), None);
    let first_done = first_done.lock().unwrap().unwrap();
    let loaded_at = loaded_at.lock().unwrap().expect("the waiter loaded itself");
    // Polls every 20 ms; giving up would take a whole second.
    assert!(
        loaded_at.saturating_duration_since(first_done) < Duration::from_millis(600),
        "waited {:?} after the lock holder finished",
        loaded_at.saturating_duration_since(first_done)
    );
}

/// Starts a read whose load answers "old" after `load_time`; returns once that load has
/// begun, so that what the caller does next happens while it is in flight.
async fn start_slow_old_read(
    cache: &ResponseCache,
    scope: &CacheScope,
    load_time: Duration,
) -> JoinHandle<anyhow::Result<Option<CachedJson>>> {
    let started = Arc::new(Notify::new());
    let slow_read = {
        let (cache, scope, started) = (cache.clone(), scope.clone(), started.clone());
        tokio::spawn(async move {
            cache
                .get_or_load(&scope, KEY, || async move {
                    started.notify_one();
                    tokio::time::sleep(load_time).await;
                    Ok(Some("old".to_owned()))
                })
                .await
        })
    };
    timeout(PATIENCE, started.notified()).await.unwrap();
    slow_read
}

/// A read loads "old", the projector commits and invalidates while that load is in
/// flight, then the read stores "old": no later reader may see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_overtaken_by_an_invalidation_is_not_served_afterwards() {
    let (_redis, cache) = cache().await;
    let scope = scope();
    let slow_read = start_slow_old_read(&cache, &scope, Duration::from_millis(300)).await;

    cache.invalidate(&scope).await;
    let old = timeout(PATIENCE, slow_read).await.unwrap().unwrap();
    assert_eq!(
        old.unwrap().as_deref(),
        Some("old"),
        "its own reader gets it"
    );

    let loader = Loader::default();
    let next = cache.get_or_load(&scope, KEY, loader.value("new")).await;
    assert_eq!(next.unwrap().as_deref(), Some("new"));
    assert_eq!(loader.calls(), 1);
}

/// A read arriving after the invalidation must not join the load begun before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_after_an_invalidation_does_not_wait_for_an_older_load() {
    let (_redis, cache) = cache().await;
    let scope = scope();
    let slow_read = start_slow_old_read(&cache, &scope, Duration::from_millis(500)).await;
    cache.invalidate(&scope).await;

    let loader = Loader::default();
    let fresh = cache.get_or_load(&scope, KEY, loader.value("new")).await;
    assert_eq!(fresh.unwrap().as_deref(), Some("new"));
    assert!(!slow_read.is_finished(), "the old load was still running");
    timeout(PATIENCE, slow_read)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let after = cache.get_or_load(&scope, KEY, loader.value("newer")).await;
    assert_eq!(after.unwrap().as_deref(), Some("new"));
    assert_eq!(loader.calls(), 1);
}

/// A client of a Redis that is not there; with no command timeout of its own, it would
/// leave a command waiting forever.
fn client_of_nothing() -> Client {
    Builder::from_config(Config::from_url("redis://127.0.0.1:1").unwrap())
        .with_connection_config(|connection| {
            connection.connection_timeout = Duration::from_millis(100);
        })
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_reads_come_from_the_loader_and_never_fail() {
    let never_connected = client_of_nothing();
    let failed_to_connect = client_of_nothing();
    assert!(failed_to_connect.init().await.is_err());
    for client in [never_connected, failed_to_connect] {
        let cache = ResponseCache::new(client, "carneau-test:nowhere:");
        let loader = Loader::default();
        let scope = scope();

        for value in ["v1", "v2"] {
            let read = timeout(
                PATIENCE,
                cache.get_or_load(&scope, KEY, loader.value(value)),
            );
            assert_eq!(read.await.unwrap().unwrap().as_deref(), Some(value));
        }
        timeout(PATIENCE, cache.invalidate(&scope)).await.unwrap();
        let missing = cache.get_or_load(&scope, KEY, loader.answer(None, Duration::ZERO));
        assert_eq!(timeout(PATIENCE, missing).await.unwrap().unwrap(), None);
        assert_eq!(loader.calls(), 3);
    }
}

/// After one failure Redis is skipped for a while: later reads do not each wait for a
/// timeout, and concurrent misses still load once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_redis_failure_reads_skip_redis_for_a_while() {
    let cache = ResponseCache::new(client_of_nothing(), "carneau-test:nowhere:");
    let loader = Loader::default();
    let scope = scope();
    let first = timeout(PATIENCE, cache.get_or_load(&scope, KEY, loader.value("v1")));
    assert_eq!(first.await.unwrap().unwrap().as_deref(), Some("v1"));

    let started = Instant::now();
    for _ in 0..20 {
        let read = cache.get_or_load(&scope, KEY, loader.value("v1"));
        assert_eq!(read.await.unwrap().as_deref(), Some("v1"));
    }
    // Twenty reads each waiting for Redis would take twenty call timeouts.
    assert!(
        started.elapsed() < REDIS_BREAKER_OPEN / 2,
        "{:?}",
        started.elapsed()
    );

    let reads: Vec<_> = (0..50)
        .map(|_| {
            let (cache, scope, loader) = (cache.clone(), scope.clone(), loader.clone());
            tokio::spawn(async move {
                cache
                    .get_or_load(&scope, KEY, loader.answer(Some("v1"), SLOW_LOAD))
                    .await
            })
        })
        .collect();
    for read in reads {
        assert!(timeout(PATIENCE, read).await.unwrap().unwrap().is_ok());
    }
    assert_eq!(loader.calls(), 1 + 20 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_is_used_again_once_redis_is_back() {
    let redis = TestRedis::create().await.unwrap();
    let proxy = RedisProxy::start().await;
    let client = proxy.client().await;
    let cache = ResponseCache::new(client, redis.prefix());
    let loader = Loader::default();
    let scope = scope();
    cache
        .get_or_load(&scope, KEY, loader.value("v1"))
        .await
        .unwrap();
    cache
        .get_or_load(&scope, KEY, loader.value("v2"))
        .await
        .unwrap();
    assert_eq!(loader.calls(), 1);

    proxy.go_down();
    let read = timeout(PATIENCE, cache.get_or_load(&scope, KEY, loader.value("v2")));
    assert_eq!(read.await.unwrap().unwrap().as_deref(), Some("v2"));
    assert_eq!(loader.calls(), 2);

    proxy.come_back();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let calls = loader.calls();
        let read = timeout(PATIENCE, cache.get_or_load(&scope, KEY, loader.value("v3")));
        let value = read.await.unwrap().unwrap();
        if loader.calls() == calls {
            assert_eq!(
                value.as_deref(),
                Some("v1"),
                "the entry cached before the outage"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the cache was never used again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A load that outlives its lock must not release the lock another process took since:
/// the lock is released only while it still holds this process's value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_load_does_not_release_a_lock_taken_by_another_process() {
    use fred::prelude::KeysInterface;

    let (redis, cache) = cache().await;
    let event = Uuid::new_v4();
    // The scope at generation 0, so that the lock's key is known.
    let generation_key = format!("{}generation:event:{event}", redis.prefix());
    let _: () = redis
        .client()
        .set(&generation_key, 0, None, None, false)
        .await
        .unwrap();
    let lock_key = format!("{}cache:event:{event}:0:{KEY}:loading", redis.prefix());
    let client = redis.client().clone();
    let taken_over = lock_key.clone();
    let loaded = timeout(
        PATIENCE,
        cache.get_or_load(&CacheScope::Event(event), KEY, move || async move {
            // Our lock lapsed and another process took it while we were loading.
            let held: Option<String> = client.get(&taken_over).await?;
            assert!(held.is_some(), "the loader runs under the lock");
            let _: () = client.set(&taken_over, "other", None, None, false).await?;
            Ok(Some("fresh".to_owned()))
        }),
    )
    .await
    .unwrap()
    .unwrap();

    assert_eq!(loaded.as_deref(), Some("fresh"));
    let lock: Option<String> = redis.client().get(&lock_key).await.unwrap();
    assert_eq!(lock.as_deref(), Some("other"));
}

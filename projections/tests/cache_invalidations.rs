//! The response cache following the invalidation channel, against a real Redis (keys and
//! channel under a per-test prefix): hits answered from memory without asking Redis,
//! bumps by another process heard through the channel, a process's own bump seen at once,
//! and nothing kept from before a lost subscription served after it.

#[path = "cache/redis_proxy.rs"]
mod redis_proxy;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carneau_projections::cache::{CacheScope, ResponseCache, HEARTBEAT_TIMEOUT};
use carneau_testkit::{redis_url, TestRedis};
use fred::prelude::{Builder, ClientLike, Config, KeysInterface};
use tokio::time::{timeout, Instant};
use tokio_util::sync::{CancellationToken, DropGuard};
use uuid::Uuid;

use redis_proxy::RedisProxy;

/// Far more than any wait here may take; a test waiting longer has hung.
const PATIENCE: Duration = Duration::from_secs(30);
/// How long a bump may take to reach a follower through the channel.
const CHANNEL_DELAY: Duration = Duration::from_millis(500);
const KEY: &str = "public";

/// Counts the loads it was asked for; each answers `value`.
#[derive(Clone, Default)]
struct Loads(Arc<AtomicUsize>);

impl Loads {
    async fn read(&self, cache: &ResponseCache, scope: &CacheScope, value: &str) -> String {
        let loads = self.0.clone();
        let value = value.to_owned();
        let read = cache.get_or_load(scope, KEY, || async move {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(Some(value))
        });
        let found = timeout(PATIENCE, read).await.unwrap().unwrap();
        found.unwrap().as_str().to_owned()
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A cache of its own (as another process has) over `client`, following the channel
/// until the guard drops; returns once its subscription is confirmed.
async fn follower(client: fred::prelude::Client, prefix: &str) -> (ResponseCache, DropGuard) {
    let cache = ResponseCache::new(client, prefix);
    let stop = CancellationToken::new();
    cache.follow_invalidations(stop.clone());
    until(PATIENCE, "the subscription confirmed", || {
        cache.follows_invalidations()
    })
    .await;
    (cache, stop.drop_guard())
}

async fn own_client() -> fred::prelude::Client {
    let client = Builder::from_config(Config::from_url(&redis_url()).unwrap())
        .build()
        .unwrap();
    client.init().await.unwrap();
    client
}

async fn until(patience: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {patience:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn scope() -> CacheScope {
    CacheScope::Event(Uuid::new_v4())
}

/// The generation is deleted from Redis behind the follower's back: a read that asked
/// Redis for it would start a new generation and load again; the follower's does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_answers_a_hit_from_memory_without_asking_redis() {
    let redis = TestRedis::create().await.unwrap();
    let (cache, _following) = follower(own_client().await, redis.prefix()).await;
    let (loads, scope) = (Loads::default(), scope());
    assert_eq!(loads.read(&cache, &scope, "v1").await, "v1");

    let generation_key = match &scope {
        CacheScope::Event(id) => format!("{}generation:event:{id}", redis.prefix()),
        CacheScope::Listing => unreachable!(),
    };
    let deleted: i64 = redis.client().del(&generation_key).await.unwrap();
    assert_eq!(deleted, 1);

    assert_eq!(loads.read(&cache, &scope, "v2").await, "v1");
    let asking = ResponseCache::new(own_client().await, redis.prefix());
    assert_eq!(loads.read(&asking, &scope, "v2").await, "v2");
    assert_eq!(loads.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bump_by_another_process_reaches_a_follower_through_the_channel() {
    let redis = TestRedis::create().await.unwrap();
    let (cache, _following) = follower(own_client().await, redis.prefix()).await;
    let projector = ResponseCache::new(own_client().await, redis.prefix());
    let (loads, event, listing) = (Loads::default(), scope(), CacheScope::Listing);
    for scope in [&event, &listing] {
        assert_eq!(loads.read(&cache, scope, "v1").await, "v1");
        assert_eq!(loads.read(&cache, scope, "v2").await, "v1");
    }

    projector
        .invalidate_all([event.clone(), listing.clone()])
        .await;

    for scope in [&event, &listing] {
        let deadline = Instant::now() + CHANNEL_DELAY;
        while loads.read(&cache, scope, "v2").await != "v2" {
            assert!(
                Instant::now() < deadline,
                "the bump never reached the follower"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(loads.read(&cache, scope, "v3").await, "v2");
    }
    assert_eq!(loads.count(), 4);
    assert!(cache.follows_invalidations());
}

/// The bump's message may come back after the invalidation returned: the process that
/// invalidated reads its own change at once all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_reads_its_own_invalidation_at_once() {
    let redis = TestRedis::create().await.unwrap();
    let (cache, _following) = follower(own_client().await, redis.prefix()).await;
    let (loads, scope) = (Loads::default(), scope());
    for round in 1..=20 {
        let value = format!("v{round}");
        assert_eq!(loads.read(&cache, &scope, &value).await, value);
        assert_eq!(loads.read(&cache, &scope, "again").await, value);
        cache.invalidate(&scope).await;
    }
    assert_eq!(loads.count(), 20);
}

/// The follower reaches Redis through a relay that drops every connection: the bump made
/// meanwhile reaches it neither through the channel nor through Redis, which it cannot
/// reach; once back, it reads the bumped generation instead of serving its copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_kept_from_before_a_lost_subscription_is_served_after_it() {
    let redis = TestRedis::create().await.unwrap();
    let proxy = RedisProxy::start().await;
    let client = proxy.client().await;
    let (cache, _following) = follower(client, redis.prefix()).await;
    let projector = ResponseCache::new(own_client().await, redis.prefix());
    let (loads, scope) = (Loads::default(), scope());
    assert_eq!(loads.read(&cache, &scope, "before").await, "before");
    assert_eq!(loads.read(&cache, &scope, "again").await, "before");

    proxy.go_down();
    until(PATIENCE, "the subscription lost", || {
        !cache.follows_invalidations()
    })
    .await;
    projector.invalidate(&scope).await;
    proxy.come_back();

    let deadline = Instant::now() + HEARTBEAT_TIMEOUT * 10;
    let mut reads_while_following = 0;
    while reads_while_following < 3 {
        let following = cache.follows_invalidations();
        assert_ne!(loads.read(&cache, &scope, "after").await, "before");
        if following {
            reads_while_following += 1;
        }
        assert!(Instant::now() < deadline, "never followed again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

//! Cached public reads answered from each process's memory while it follows the cache's
//! invalidation channel: a change made through one instance reaches another instance's
//! cached page through the channel, a reader that lost its subscription serves no copy
//! it kept from before, and with Redis down reads still answer, from PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use carneau_api::config::Config;
use carneau_api::state::AppState;
use carneau_projections::cache::{ResponseCache, HEARTBEAT_TIMEOUT};
use carneau_projections::catalogue::EventDetail;
use carneau_testkit::own_servers::OwnRedis;
use carneau_testkit::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tokio_util::sync::{CancellationToken, DropGuard};
use uuid::Uuid;

use crate::support::own_servers_app::{config_of, spawn_app_on};
use crate::support::reservations::http::Http;
use crate::support::{eventually, eventually_within, expect_event, serve, spawn_app, Caller};

/// How long a bump published on the channel may take to reach another process: far
/// less than the cache's TTL (which is how long a missed invalidation would last).
const CHANNEL_DELAY: Duration = Duration::from_millis(500);

/// A process that serves the public reads on the same database and Redis prefix as the
/// app, and runs no background task but following the invalidations: no projector runs
/// in it, so every change reaches its cache through Redis alone.
struct Reader {
    http: Http,
    cache: ResponseCache,
    _stop: DropGuard,
}

async fn reader_of(config: &Config, pool: &PgPool) -> Reader {
    let redis = carneau_api::state::connect_redis(config).await.unwrap();
    let state = AppState::new(pool.clone(), redis, Arc::new(config.clone())).unwrap();
    let stop = CancellationToken::new();
    state.cache.follow_invalidations(stop.clone());
    let base_url = serve(carneau_api::router(state.clone())).await;
    Reader {
        http: Http::new(base_url, ""),
        cache: state.cache.clone(),
        _stop: stop.drop_guard(),
    }
}

async fn until_following(caches: &[&ResponseCache]) {
    eventually("every cache following the invalidations", || async {
        caches
            .iter()
            .all(|cache| cache.follows_invalidations())
            .then_some(())
    })
    .await;
}

fn titled(title: &str) -> impl Fn(Option<EventDetail>) -> Option<EventDetail> + '_ {
    move |detail| detail.filter(|detail| detail.title == title)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_instance_reaches_the_cached_page_of_another() {
    let app = spawn_app().await;
    let reader = reader_of(&app.state.config, &app.state.pool).await;
    until_following(&[&app.state.cache, &reader.cache]).await;
    let event = app.published_event("Jazz at Dusk").await;
    eventually("the event on the reader's page", || async {
        titled("Jazz at Dusk")(reader.http.public_event(event.id).await)
    })
    .await;
    // Now kept in the reader's memory, with the generation the channel keeps current.
    let kept = reader.http.public_event(event.id).await.unwrap();
    assert_eq!(kept.title, "Jazz at Dusk");

    let edit = json!({"title": "Jazz at Midnight"});
    let path = format!("/organiser/events/{}", event.id);
    expect_event(
        app.patch_json_as(&path, &edit, Caller::Organiser).await,
        StatusCode::OK,
    )
    .await;
    app.eventually_public_event(event.id, "the new title on the app's page", |detail| {
        detail.title == "Jazz at Midnight"
    })
    .await;

    // The bump was published before the app could show the new title.
    let poll = Duration::from_millis(5);
    eventually_within(
        CHANNEL_DELAY,
        poll,
        "the new title on the reader's page",
        || async { titled("Jazz at Midnight")(reader.http.public_event(event.id).await) },
    )
    .await;
    assert!(
        reader.cache.follows_invalidations(),
        "the reader followed the channel throughout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_lost_its_subscription_serves_no_copy_kept_from_before_it() {
    let database = TestDatabase::create().await.unwrap();
    let mut redis = tokio::task::spawn_blocking(OwnRedis::start)
        .await
        .unwrap()
        .unwrap();
    let mut settings = database.app_settings();
    settings.extend([
        ("REDIS_URL", redis.url()),
        (
            "CARNEAU_REDIS_PREFIX",
            format!("carneau-test:{}:", Uuid::new_v4().simple()),
        ),
    ]);
    let config = config_of(&settings);
    let app = spawn_app_on(config.clone()).await;
    let reader = reader_of(&config, &app.pool).await;
    until_following(&[&app.cache, &reader.cache]).await;
    let event_id = app.http().create_published_event(10, 2).await.event_id;
    let before = eventually("the event on the reader's page", || async {
        reader.http.public_event(event_id).await
    })
    .await;
    assert_eq!(reader.http.public_event(event_id).await, Some(before));

    // Redis goes (and comes back empty): the change's invalidation is lost with it.
    redis.stop();
    eventually("the reader losing its subscription", || async {
        (!reader.cache.follows_invalidations()).then_some(())
    })
    .await;
    let renamed = json!({"title": "Renamed while Redis was away"});
    let reply = app
        .http()
        .call(
            Method::PATCH,
            &format!("/organiser/events/{event_id}"),
            Some(&app.organiser.token),
            None,
            Some(&renamed),
        )
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // With Redis down, reads still answer, from PostgreSQL.
    eventually(
        "the new title on the reader's page without Redis",
        || async {
            titled("Renamed while Redis was away")(reader.http.public_event(event_id).await)
        },
    )
    .await;

    tokio::task::block_in_place(|| redis.start_again()).unwrap();
    // Every read from now on shows the new title, before the reader follows the channel
    // again and after: what it kept before it lost the subscription is gone.
    let deadline = tokio::time::Instant::now() + HEARTBEAT_TIMEOUT * 10;
    let mut reads_while_following = 0;
    while reads_while_following < 3 {
        let following = reader.cache.follows_invalidations();
        let seen = reader.http.public_event(event_id).await.unwrap();
        assert_eq!(seen.title, "Renamed while Redis was away");
        if following {
            reads_while_following += 1;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reader never followed the channel again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

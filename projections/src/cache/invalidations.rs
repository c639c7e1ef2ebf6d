//! The invalidation channel: the script that bumps a scope's generation publishes the new
//! generation on `<prefix>invalidations` in the same step, and each process that serves
//! reads follows the channel on a connection of its own, so that it knows every current
//! generation without asking Redis for it on each read.
//!
//! What a process knows is trusted only while its subscription is known to be up: the
//! subscription is confirmed by Redis before generations are kept, and everything known
//! is dropped the moment the connection ends or fails, or goes quiet for longer than
//! [`HEARTBEAT_TIMEOUT`] (each process publishes a heartbeat every
//! [`HEARTBEAT_INTERVAL`], so a connection that silently stopped delivering shows up
//! too). Then reads ask Redis for generations again, as they do in a process that does
//! not follow the channel at all, until a new subscription is confirmed.
//!
//! On a Redis Cluster, a `PUBLISH` (also from a script) reaches the subscribers of every
//! node, so one subscription on any node hears every bump.

use std::time::Duration;

use fred::prelude::{Builder, Client, ClientLike, EventInterface, PubsubInterface};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{timeout, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::in_memory::InMemory;
use super::CacheScope;

/// How often each following process publishes a heartbeat on the channel.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(1_000);
/// How long the channel may stay silent before the subscription counts as lost.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_millis(3_000);
/// How long a lost subscription waits before subscribing again.
const RESUBSCRIBE_DELAY: Duration = Duration::from_millis(250);
/// The longest the subscriber's connection, subscription or heartbeat may take.
const SUBSCRIBER_CALL_TIMEOUT: Duration = Duration::from_millis(1_000);
/// Messages the subscriber's client holds for this task before the oldest are dropped
/// (fred's default is 32; a drop costs everything this process knows).
const MESSAGE_BUFFER: usize = 4_096;
/// What a heartbeat says (anything that is not `<generation> <scope>`).
const HEARTBEAT: &str = "heartbeat";

/// The channel's name under `prefix`.
pub(super) fn channel(prefix: &str) -> String {
    format!("{prefix}invalidations")
}

/// Follows `channel` until `stop`, keeping `memory` told; `redis` (the cache's client)
/// lends its configuration to the subscriber's own connection and sends the heartbeats.
pub(super) async fn follow(
    redis: Client,
    channel: String,
    memory: InMemory,
    stop: CancellationToken,
) {
    let mut was_following = false;
    while !stop.is_cancelled() {
        let ended = follow_once(&redis, &channel, &memory, &stop, &mut was_following).await;
        if let Err(reason) = ended {
            if was_following {
                tracing::warn!(%reason, "cache invalidations lost, reading generations from Redis");
            } else {
                tracing::debug!(%reason, "cache invalidations not followed yet");
            }
            was_following = false;
        }
        tokio::select! {
            () = stop.cancelled() => {}
            () = tokio::time::sleep(RESUBSCRIBE_DELAY) => {}
        }
    }
}

/// One subscription, from connecting to its loss (`Err`) or `stop` (`Ok`).
async fn follow_once(
    redis: &Client,
    channel: &str,
    memory: &InMemory,
    stop: &CancellationToken,
    was_following: &mut bool,
) -> Result<(), String> {
    let mut performance = redis.perf_config();
    performance.broadcast_channel_capacity = MESSAGE_BUFFER;
    // No reconnection policy: a dropped connection ends this subscription, and with it
    // everything known, instead of coming back silently with messages missed.
    let subscriber = Builder::from_config(redis.client_config())
        .set_connection_config(redis.connection_config().clone())
        .set_performance_config(performance)
        .build()
        .map_err(|error| format!("building the subscriber: {error}"))?;
    let mut messages = subscriber.message_rx();
    let mut errors = subscriber.error_rx();
    let outcome: Result<(), String> = async {
        let mut connection = timeout(SUBSCRIBER_CALL_TIMEOUT, subscriber.init())
            .await
            .map_err(|_| "connecting timed out".to_owned())?
            .map_err(|error| format!("connecting: {error}"))?;
        timeout(SUBSCRIBER_CALL_TIMEOUT, subscriber.subscribe(channel))
            .await
            .map_err(|_| "subscribing timed out".to_owned())?
            .map_err(|error| format!("subscribing: {error}"))?;
        memory.follow();
        if !*was_following {
            tracing::info!("following cache invalidations");
            *was_following = true;
        }
        let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                () = stop.cancelled() => return Ok(()),
                message = messages.recv() => match message {
                    Ok(message) => {
                        last_heard = Instant::now();
                        if let Some((scope, generation)) =
                            message.value.as_str().as_deref().and_then(parse_bump)
                        {
                            memory.published(&scope, generation);
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "cache invalidations missed, forgetting generations");
                        memory.missed_messages();
                    }
                    Err(RecvError::Closed) => return Err("the subscriber closed".to_owned()),
                },
                error = errors.recv() => {
                    return Err(match error {
                        Ok((error, _server)) => format!("connection failed: {error}"),
                        Err(_) => "the subscriber closed".to_owned(),
                    });
                }
                ended = &mut connection => return Err(format!("connection ended: {ended:?}")),
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > HEARTBEAT_TIMEOUT {
                        return Err("no message, not even a heartbeat, for too long".to_owned());
                    }
                    // Through the cache's own client, which cannot publish while Redis
                    // is away (the silence then ends the subscription); on a task of its
                    // own, so that a slow publish never delays hearing of a drop.
                    let (redis, channel) = (redis.clone(), channel.to_owned());
                    tokio::spawn(async move {
                        let beat = redis.publish::<i64, _, _>(channel, HEARTBEAT);
                        let _ = timeout(SUBSCRIBER_CALL_TIMEOUT, beat).await;
                    });
                }
            }
        }
    }
    .await;
    // Before anything else: reads must stop trusting what was kept at once.
    memory.lose();
    let _ = timeout(SUBSCRIBER_CALL_TIMEOUT, subscriber.quit()).await;
    outcome
}

/// `<generation> <scope>`, as the bump script publishes it.
fn parse_bump(message: &str) -> Option<(CacheScope, i64)> {
    let (generation, scope) = message.split_once(' ')?;
    Some((CacheScope::parse(scope)?, generation.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bump_names_its_generation_and_scope() {
        let id = uuid::Uuid::new_v4();
        assert_eq!(
            parse_bump(&format!("1733300000000001 event:{id}")),
            Some((CacheScope::Event(id), 1_733_300_000_000_001))
        );
        assert_eq!(parse_bump("12 listing"), Some((CacheScope::Listing, 12)));
        for other in [
            HEARTBEAT,
            "12",
            "x listing",
            "12 event:nope",
            "12 other",
            "",
        ] {
            assert_eq!(parse_bump(other), None, "{other:?}");
        }
    }
}

//! The Redis cache of resolved sessions, and the per-account epoch that keeps a lookup
//! which started before a change from caching what it read.

use std::time::Duration;

use carneau_domain::ids::AccountId;
use chrono::{DateTime, Utc};
use fred::prelude::{Client, Expiration, KeysInterface};
use serde::{Deserialize, Serialize};

use super::{Principal, Session, SessionHash};

/// How long a cached principal lives at most. Invalidation is explicit; this only bounds
/// how long an entry could outlive a change whose invalidation failed (Redis unreachable
/// from the writer but not from readers).
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(60);
/// How long an unknown, revoked or expired token is remembered as such, to spare the
/// database from repeated guesses.
pub const UNKNOWN_TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);
/// How long an account's cache epoch lives; far longer than any lookup takes.
const EPOCH_TTL: Duration = Duration::from_secs(3_600);
/// The cached value of a token known to be invalid.
const UNKNOWN_MARKER: &str = "-";

#[derive(Serialize, Deserialize)]
struct CachedSession {
    principal: Principal,
    expires_at: DateTime<Utc>,
}

/// What the cache says about a session.
pub(super) enum Lookup {
    /// The cache knows: the live session, or `None` for a token that opens nothing.
    Hit(Option<Session>),
    /// Nothing usable cached: read PostgreSQL, then fill.
    Miss,
    /// Redis did not answer: read PostgreSQL and do not fill.
    Unavailable,
}

/// An account's epoch as seen before reading PostgreSQL.
pub(super) struct Epoch {
    key: String,
    seen: Option<String>,
}

/// Resolved sessions in Redis, keys under a prefix.
pub(super) struct SessionCache {
    redis: Client,
    prefix: String,
}

impl SessionCache {
    pub(super) fn new(redis: Client, prefix: String) -> Self {
        Self { redis, prefix }
    }

    fn session_key(&self, hash: &SessionHash) -> String {
        format!("{}session:{}", self.prefix, hash.hex())
    }

    fn epoch_key(&self, account_id: AccountId) -> String {
        format!("{}session-epoch:{account_id}", self.prefix)
    }

    /// The cached session of `hash`; one that expired before `now` is `Hit(None)`.
    pub(super) async fn get(&self, hash: SessionHash, now: DateTime<Utc>) -> Lookup {
        match self
            .redis
            .get::<Option<String>, _>(&self.session_key(&hash))
            .await
        {
            Ok(Some(cached)) if cached == UNKNOWN_MARKER => Lookup::Hit(None),
            Ok(Some(cached)) => match serde_json::from_str::<CachedSession>(&cached) {
                Ok(cached) => Lookup::Hit((cached.expires_at > now).then_some(Session {
                    principal: cached.principal,
                    expires_at: cached.expires_at,
                    hash,
                })),
                Err(_) => Lookup::Miss,
            },
            Ok(None) => Lookup::Miss,
            Err(error) => {
                tracing::warn!(%error, "session cache unavailable; reading PostgreSQL");
                Lookup::Unavailable
            }
        }
    }

    /// The account's current epoch; `None` when Redis does not answer (then nothing is
    /// filled).
    pub(super) async fn epoch(&self, account_id: AccountId) -> Option<Epoch> {
        let key = self.epoch_key(account_id);
        let seen: Result<Option<String>, _> = self.redis.get(&key).await;
        seen.ok().map(|seen| Epoch { key, seen })
    }

    /// Caches `session` until it ends (at most [`SESSION_CACHE_TTL`]), unless the
    /// account's epoch moved past `epoch` meanwhile.
    pub(super) async fn fill(&self, session: &Session, epoch: Epoch) -> anyhow::Result<()> {
        let remaining = (session.expires_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            .min(SESSION_CACHE_TTL);
        let value = serde_json::to_string(&CachedSession {
            principal: session.principal.clone(),
            expires_at: session.expires_at,
        })?;
        // Written first, then the epoch read again: a change that bumped the epoch before
        // this read is seen here and the entry dropped; one that bumps it after deletes
        // the entry itself (`forget` bumps, then deletes). No script spans the two keys,
        // which a Redis Cluster keeps in different slots.
        let key = self.session_key(&session.hash);
        let ttl = Expiration::PX(remaining.as_millis().max(1) as i64);
        let filled: Result<(), _> = self.redis.set(&key, value, Some(ttl), None, false).await;
        let now: Result<Option<String>, _> = match filled {
            Ok(()) => self.redis.get(&epoch.key).await,
            Err(error) => Err(error),
        };
        match now {
            Ok(now) if now == epoch.seen => {}
            Ok(_) => {
                let dropped: Result<i64, _> = self.redis.del(&key).await;
                if let Err(error) = dropped {
                    tracing::error!(%error, "could not drop a session cached across a change; it lapses within the cache TTL");
                }
            }
            Err(error) => tracing::debug!(%error, "could not cache a session"),
        }
        Ok(())
    }

    /// Caches that the token of `hash` opens nothing (never issued, revoked or expired:
    /// none of these can change), to spare PostgreSQL repeated look-ups.
    pub(super) async fn remember_invalid(&self, hash: &SessionHash) {
        let ttl = Expiration::PX(UNKNOWN_TOKEN_CACHE_TTL.as_millis() as i64);
        let cached: Result<(), _> = self
            .redis
            .set(
                self.session_key(hash),
                UNKNOWN_MARKER,
                Some(ttl),
                None,
                false,
            )
            .await;
        if let Err(error) = cached {
            tracing::debug!(%error, "could not cache an invalid session token");
        }
    }

    /// Bumps the account's epoch (so that no lookup in flight caches what it read before
    /// the change), then deletes the cached entries. A Redis failure here is logged: the
    /// entries then expire within [`SESSION_CACHE_TTL`].
    pub(super) async fn forget(&self, account_id: AccountId, hashes: &[SessionHash]) {
        let epoch_key = self.epoch_key(account_id);
        let bumped: Result<i64, _> = self.redis.incr(&epoch_key).await;
        let expired: Result<bool, _> = self
            .redis
            .pexpire(&epoch_key, EPOCH_TTL.as_millis() as i64, None)
            .await;
        // One DEL per key: on a Redis Cluster the sessions' keys live in different slots,
        // and a DEL across slots is refused whole.
        let mut deleted: Result<i64, _> = Ok(0);
        for hash in hashes {
            let one: Result<i64, _> = self.redis.del(self.session_key(hash)).await;
            deleted = deleted.and(one);
        }
        if let Some(error) = bumped.err().or(expired.err()).or(deleted.err()) {
            tracing::error!(%error, "could not drop cached sessions; they lapse within the cache TTL");
        }
    }
}

//! Sessions: opaque random tokens, stored only as SHA-256 hashes in PostgreSQL (the
//! truth), with the resolved [`Principal`] cached in Redis so that a request costs one
//! Redis GET and no database query.
//!
//! Revocation takes effect at once: every change to a session or an account drops the
//! cached entries, and a per-account epoch stops a lookup that started before the change
//! from caching what it read (the cache is filled only if the epoch is unchanged). When
//! Redis is down, every lookup goes to PostgreSQL; nothing is ever accepted on Redis's
//! word alone when it cannot answer.

use std::time::Duration;

use anyhow::Context;
use carneau_domain::account::Account;
use carneau_domain::ids::AccountId;
use chrono::{DateTime, Utc};
use fred::prelude::{Client, Expiration, KeysInterface};
use fred::types::scripts::Script;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::LazyLock;
use tracing::instrument;
use uuid::Uuid;

use super::principal::Principal;
use super::random_token;
use crate::aggregate_store::AggregateStore;

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

/// Fills the cache only if the account's epoch is still the one seen before reading
/// PostgreSQL. KEYS: session, epoch. ARGV: epoch seen ('' for none), value, ttl in ms.
/// (Two keys of unrelated slots: a Redis Cluster would need a hash tag here.)
static FILL_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::from_lua(
        "local epoch = redis.call('GET', KEYS[2]) or ''\n\
         if epoch ~= ARGV[1] then return 0 end\n\
         redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n\
         return 1",
    )
});

/// A session token as the client holds it (cookie or bearer). Never logged: `Debug`
/// shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh token: 32 random bytes, base64url without padding (43 characters).
    pub fn generate() -> Self {
        Self(random_token::generate())
    }

    /// A token a client presented, if it has the shape of one this service issues.
    pub fn parse(raw: &str) -> Option<Self> {
        random_token::parse(raw).map(Self)
    }

    /// The token, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored: the SHA-256 of the token.
    pub fn hash(&self) -> SessionHash {
        SessionHash(random_token::sha256(&self.0))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// The stored form of a session token: its SHA-256. Names a session without being able
/// to use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionHash([u8; 32]);

impl SessionHash {
    fn hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// A live session a request presented: who it acts as, until when.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account and its authorizations.
    pub principal: Principal,
    /// When the session ends unless revoked earlier.
    pub expires_at: DateTime<Utc>,
    /// Which session this is (to log it out).
    pub hash: SessionHash,
}

#[derive(Serialize, Deserialize)]
struct CachedSession {
    principal: Principal,
    expires_at: DateTime<Utc>,
}

/// Issues, resolves and revokes sessions.
pub struct Sessions {
    pool: PgPool,
    redis: Client,
    prefix: String,
    lifetime: Duration,
    accounts: AggregateStore<Account>,
}

impl Sessions {
    /// Sessions over `pool` (truth) and `redis` (cache, keys under `prefix`), each
    /// lasting `lifetime` from sign-in.
    pub fn new(pool: PgPool, redis: Client, prefix: String, lifetime: Duration) -> Self {
        Self {
            accounts: AggregateStore::new(pool.clone(), ()),
            pool,
            redis,
            prefix,
            lifetime,
        }
    }

    /// How long a new session lasts.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn session_key(&self, hash: &SessionHash) -> String {
        format!("{}session:{}", self.prefix, hash.hex())
    }

    fn epoch_key(&self, account_id: AccountId) -> String {
        format!("{}session-epoch:{account_id}", self.prefix)
    }

    /// Opens a session for `account_id`; the token is returned once and only its hash
    /// is kept.
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn issue(
        &self,
        account_id: AccountId,
    ) -> anyhow::Result<(SessionToken, DateTime<Utc>)> {
        let token = SessionToken::generate();
        let expires_at =
            Utc::now() + chrono::Duration::from_std(self.lifetime).context("session lifetime")?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token.hash().0.as_slice())
        .bind(account_id.as_uuid())
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .context("storing a session")?;
        Ok((token, expires_at))
    }

    /// The live session `token` opens, or `None` if it is unknown, expired or revoked.
    /// Redis first; PostgreSQL when Redis misses or fails.
    pub async fn resolve(&self, token: &SessionToken) -> anyhow::Result<Option<Session>> {
        let hash = token.hash();
        let key = self.session_key(&hash);
        let now = Utc::now();
        match self.redis.get::<Option<String>, _>(&key).await {
            Ok(Some(cached)) if cached == UNKNOWN_MARKER => return Ok(None),
            Ok(Some(cached)) => {
                if let Ok(cached) = serde_json::from_str::<CachedSession>(&cached) {
                    return Ok((cached.expires_at > now).then_some(Session {
                        principal: cached.principal,
                        expires_at: cached.expires_at,
                        hash,
                    }));
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "session cache unavailable; reading PostgreSQL");
                return self.load(hash).await;
            }
        }
        self.load_and_cache(hash, &key).await
    }

    /// The session from PostgreSQL and the account's history, without caching.
    async fn load(&self, hash: SessionHash) -> anyhow::Result<Option<Session>> {
        let row: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT account_id, expires_at FROM sessions \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
        )
        .bind(hash.0.as_slice())
        .fetch_optional(&self.pool)
        .await
        .context("reading a session")?;
        let Some((account_id, expires_at)) = row else {
            return Ok(None);
        };
        let account = self
            .accounts
            .load(&AccountId::from_uuid(account_id).to_aggregate_id())
            .await
            .map_err(|error| anyhow::anyhow!("loading the session's account: {error}"))?;
        Ok(
            Principal::from_account(&account.state).map(|principal| Session {
                principal,
                expires_at,
                hash,
            }),
        )
    }

    async fn load_and_cache(
        &self,
        hash: SessionHash,
        key: &str,
    ) -> anyhow::Result<Option<Session>> {
        let owner: Option<(Uuid,)> =
            sqlx::query_as("SELECT account_id FROM sessions WHERE token_hash = $1")
                .bind(hash.0.as_slice())
                .fetch_optional(&self.pool)
                .await
                .context("reading a session")?;
        let Some((account_id,)) = owner else {
            self.remember_invalid(key).await;
            return Ok(None);
        };
        // The epoch is read before the session's state: a change committed after this
        // read bumps the epoch after its commit, and the fill below then refuses to cache
        // what we read; a change committed before it is what we read.
        let epoch_key = self.epoch_key(AccountId::from_uuid(account_id));
        let epoch: Result<Option<String>, _> = self.redis.get(&epoch_key).await;
        let loaded = self.load(hash).await?;
        let Some(session) = &loaded else {
            // Revoked or expired: it can never be valid again.
            self.remember_invalid(key).await;
            return Ok(None);
        };
        let Ok(epoch) = epoch else {
            return Ok(loaded);
        };
        let remaining = (session.expires_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            .min(SESSION_CACHE_TTL);
        let value = serde_json::to_string(&CachedSession {
            principal: session.principal.clone(),
            expires_at: session.expires_at,
        })?;
        let ttl_ms = remaining.as_millis().max(1).to_string();
        let filled: Result<i64, _> = FILL_SCRIPT
            .evalsha_with_reload(
                &self.redis,
                vec![key.to_owned(), epoch_key],
                vec![epoch.unwrap_or_default(), value, ttl_ms],
            )
            .await;
        if let Err(error) = filled {
            tracing::debug!(%error, "could not cache a session");
        }
        Ok(loaded)
    }

    /// Caches that the token behind `key` opens nothing (never issued, revoked or
    /// expired: none of these can change), to spare PostgreSQL repeated look-ups.
    async fn remember_invalid(&self, key: &str) {
        let ttl = Expiration::PX(UNKNOWN_TOKEN_CACHE_TTL.as_millis() as i64);
        let cached: Result<(), _> = self
            .redis
            .set(key, UNKNOWN_MARKER, Some(ttl), None, false)
            .await;
        if let Err(error) = cached {
            tracing::debug!(%error, "could not cache an invalid session token");
        }
    }

    /// Ends one session (logout). Takes effect on the next request.
    #[instrument(skip_all, fields(account_id = %session.principal.account_id))]
    pub async fn revoke(&self, session: &Session) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(session.hash.0.as_slice())
        .execute(&self.pool)
        .await
        .context("revoking a session")?;
        self.forget(session.principal.account_id, &[session.hash])
            .await;
        Ok(())
    }

    /// Ends every session of `account_id` except `keep` (logout of all devices, or a
    /// password change that keeps the current device signed in).
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn revoke_all(
        &self,
        account_id: AccountId,
        keep: Option<SessionHash>,
    ) -> anyhow::Result<()> {
        let keep = keep.map(|hash| hash.0.to_vec()).unwrap_or_default();
        let revoked: Vec<(Vec<u8>,)> = sqlx::query_as(
            "UPDATE sessions SET revoked_at = now() \
             WHERE account_id = $1 AND revoked_at IS NULL AND token_hash <> $2 \
             RETURNING token_hash",
        )
        .bind(account_id.as_uuid())
        .bind(keep)
        .fetch_all(&self.pool)
        .await
        .context("revoking sessions")?;
        let hashes: Vec<SessionHash> = revoked
            .into_iter()
            .filter_map(|(bytes,)| bytes.try_into().ok().map(SessionHash))
            .collect();
        self.forget(account_id, &hashes).await;
        Ok(())
    }

    /// Drops the cached principal of every live session of `account_id`, after a change
    /// to its roles, door-staff access or email verification.
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn account_changed(&self, account_id: AccountId) -> anyhow::Result<()> {
        let live: Vec<(Vec<u8>,)> = sqlx::query_as(
            "SELECT token_hash FROM sessions \
             WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()",
        )
        .bind(account_id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .context("listing sessions")?;
        let hashes: Vec<SessionHash> = live
            .into_iter()
            .filter_map(|(bytes,)| bytes.try_into().ok().map(SessionHash))
            .collect();
        self.forget(account_id, &hashes).await;
        Ok(())
    }

    /// Bumps the account's epoch (so that no lookup in flight caches what it read before
    /// the change), then deletes the cached entries. A Redis failure here is logged: the
    /// entries then expire within [`SESSION_CACHE_TTL`].
    async fn forget(&self, account_id: AccountId, hashes: &[SessionHash]) {
        let epoch_key = self.epoch_key(account_id);
        let bumped: Result<i64, _> = self.redis.incr(&epoch_key).await;
        let expired: Result<bool, _> = self
            .redis
            .pexpire(&epoch_key, EPOCH_TTL.as_millis() as i64, None)
            .await;
        let keys: Vec<String> = hashes.iter().map(|hash| self.session_key(hash)).collect();
        let deleted: Result<i64, _> = if keys.is_empty() {
            Ok(0)
        } else {
            self.redis.del(keys).await
        };
        if let Some(error) = bumped.err().or(expired.err()).or(deleted.err()) {
            tracing::error!(%error, "could not drop cached sessions; they lapse within the cache TTL");
        }
    }
}

//! Sessions: opaque random tokens, stored only as SHA-256 hashes in PostgreSQL (the
//! truth), with the resolved [`Principal`] cached in Redis so that a request costs one
//! Redis GET and no database query.
//!
//! Revocation takes effect at once: every change to a session or an account drops the
//! cached entries, and a per-account epoch stops a lookup that started before the change
//! from caching what it read (the cache is filled only if the epoch is unchanged). When
//! Redis is down, every lookup goes to PostgreSQL; nothing is ever accepted on Redis's
//! word alone when it cannot answer.

mod cache;
mod token;

use std::time::Duration;

use anyhow::Context;
use carneau_domain::account::Account;
use carneau_domain::ids::AccountId;
use chrono::{DateTime, Utc};
use fred::prelude::Client;
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

use super::principal::Principal;
use crate::aggregate_store::AggregateStore;
use cache::{Lookup, SessionCache};

pub use cache::{SESSION_CACHE_TTL, UNKNOWN_TOKEN_CACHE_TTL};
pub use token::{SessionHash, SessionToken};

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

/// Issues, resolves and revokes sessions.
pub struct Sessions {
    pool: PgPool,
    cache: SessionCache,
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
            cache: SessionCache::new(redis, prefix),
            lifetime,
        }
    }

    /// How long a new session lasts.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
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
        .bind(token.hash().as_bytes())
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
        match self.cache.get(hash, Utc::now()).await {
            Lookup::Hit(session) => Ok(session),
            Lookup::Miss => self.load_and_cache(hash).await,
            Lookup::Unavailable => self.load(hash).await,
        }
    }

    /// The session from PostgreSQL and the account's history, without caching.
    async fn load(&self, hash: SessionHash) -> anyhow::Result<Option<Session>> {
        let row: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT account_id, expires_at FROM sessions \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
        )
        .bind(hash.as_bytes())
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

    async fn load_and_cache(&self, hash: SessionHash) -> anyhow::Result<Option<Session>> {
        let owner: Option<(Uuid,)> =
            sqlx::query_as("SELECT account_id FROM sessions WHERE token_hash = $1")
                .bind(hash.as_bytes())
                .fetch_optional(&self.pool)
                .await
                .context("reading a session")?;
        let Some((account_id,)) = owner else {
            self.cache.remember_invalid(&hash).await;
            return Ok(None);
        };
        // The epoch is read before the session's state: a change committed after this
        // read bumps the epoch after its commit, and the fill below then refuses to cache
        // what we read; a change committed before it is what we read.
        let epoch = self.cache.epoch(AccountId::from_uuid(account_id)).await;
        let loaded = self.load(hash).await?;
        let Some(session) = &loaded else {
            // Revoked or expired: it can never be valid again.
            self.cache.remember_invalid(&hash).await;
            return Ok(None);
        };
        if let Some(epoch) = epoch {
            self.cache.fill(session, epoch).await?;
        }
        Ok(loaded)
    }

    /// Ends one session (logout). Takes effect on the next request.
    #[instrument(skip_all, fields(account_id = %session.principal.account_id))]
    pub async fn revoke(&self, session: &Session) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(session.hash.as_bytes())
        .execute(&self.pool)
        .await
        .context("revoking a session")?;
        self.cache
            .forget(session.principal.account_id, &[session.hash])
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
        let keep = keep
            .map(|hash| hash.as_bytes().to_vec())
            .unwrap_or_default();
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
            .filter_map(|(bytes,)| SessionHash::from_stored(bytes))
            .collect();
        self.cache.forget(account_id, &hashes).await;
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
            .filter_map(|(bytes,)| SessionHash::from_stored(bytes))
            .collect();
        self.cache.forget(account_id, &hashes).await;
        Ok(())
    }
}

//! One load per burst of misses across processes: the process that takes a short Redis
//! lock on the key loads from PostgreSQL and stores; the others poll for its result.

use std::future::Future;
use std::time::Duration;

use fred::prelude::{Expiration, KeysInterface, LuaInterface, SetOptions};

use super::{ResponseCache, Unavailable};

/// Deletes the load lock (KEYS[1]) only if it still holds this process's value (ARGV[1]).
const RELEASE_LOCK_IF_OURS: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
     return redis.call('DEL', KEYS[1]) else return 0 end";

/// How long a process may hold the lock that makes it the one loading a key.
const LOAD_LOCK_TTL: Duration = Duration::from_secs(5);
/// How long a process waits for another one's load before loading itself.
const LOAD_WAIT: Duration = Duration::from_millis(1_000);
/// How often a waiting process looks for the other one's result.
const LOAD_POLL_INTERVAL: Duration = Duration::from_millis(20);

impl ResponseCache {
    /// Loads under a Redis lock so that only one process queries PostgreSQL for a key;
    /// the others wait briefly for its result, then load themselves rather than fail.
    pub(super) async fn load_once_across_processes<F, Fut>(
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
}

//! Coalesces concurrent loads of one key within a process: the first caller loads, the
//! others wait for its outcome.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// The outcome of one load, shared by every request that waited for it.
type SharedLoad = Arc<OnceCell<Result<Option<String>, String>>>;

/// Loads in progress in this process, by key.
#[derive(Clone, Default)]
pub(super) struct SingleFlight {
    loads: Arc<Mutex<HashMap<String, SharedLoad>>>,
}

impl SingleFlight {
    /// Runs `load` once for all concurrent callers asking for `key`.
    ///
    /// A caller arriving after the load finished starts a new one, so callers must have
    /// looked in the cache first.
    pub(super) async fn run<F, Fut>(&self, key: String, load: F) -> anyhow::Result<Option<String>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Option<String>>>,
    {
        let cell = self.lock().entry(key.clone()).or_default().clone();
        // If the loading caller is cancelled, `get_or_init` hands the load to a waiter.
        let outcome = cell
            .get_or_init(|| async { load().await.map_err(|error| format!("{error:#}")) })
            .await
            .clone();
        {
            let mut loads = self.lock();
            if loads
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &cell))
            {
                loads.remove(&key);
            }
        }
        outcome.map_err(anyhow::Error::msg)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SharedLoad>> {
        // A panic while holding the map leaves it consistent: every change is one call.
        self.loads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

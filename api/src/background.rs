//! The projectors this process runs. Each is active in one process at a time (the
//! runner's advisory lock), so every `carneau serve` can start all of them.

use std::sync::Arc;

use carneau_projections::catalogue::CatalogueProjector;
use carneau_projections::ProjectorRunner;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// Starts every projector; they stop when `shutdown` is cancelled.
pub fn spawn_projectors(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let catalogue = Arc::new(CatalogueProjector::new(Some(state.cache.clone())));
    vec![ProjectorRunner::default().spawn(state.pool.clone(), catalogue, shutdown)]
}

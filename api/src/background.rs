//! The background tasks of a `carneau` process: projectors, the hold sweeper and the
//! payments process manager. Each
//! projector is active in one process at a time (the runner's advisory lock), and sweeps
//! are safe to run everywhere, so every `carneau serve` starts all of them.

use std::sync::Arc;

use carneau_commands::reservations::sweeper::run_sweeper;
use carneau_projections::catalogue::CatalogueProjector;
use carneau_projections::inventory::InventoryProjector;
use carneau_projections::orders::OrdersProjector;
use carneau_projections::ProjectorRunner;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::payments_process::run_payments_process;
use crate::state::AppState;

/// Starts every background task; they stop when `shutdown` is cancelled.
pub fn spawn_background(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let cache = Some(state.cache.clone());
    vec![
        ProjectorRunner::default().spawn(
            state.pool.clone(),
            Arc::new(CatalogueProjector::new(cache.clone())),
            shutdown.clone(),
        ),
        ProjectorRunner::default().spawn(
            state.pool.clone(),
            Arc::new(InventoryProjector::new(cache)),
            shutdown.clone(),
        ),
        ProjectorRunner::default().spawn(
            state.pool.clone(),
            Arc::new(OrdersProjector),
            shutdown.clone(),
        ),
        tokio::spawn(run_sweeper(
            state.pool.clone(),
            state.reservations.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(run_payments_process(
            state.pool.clone(),
            state.payments.clone(),
            state.config.payments.process_interval,
            shutdown,
        )),
    ]
}

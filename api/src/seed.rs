//! Demo data for a fresh install (`carneau serve --seed`).

use crate::state::AppState;

/// Loads the demo catalogue into `state`. Not written yet: for now it only says so.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    let _ = state;
    tracing::info!("no demo data to seed yet");
    Ok(())
}

//! `carneau audit reconcile --event ID`: one event's figures computed from the event log
//! alone, set against its sales page (`carneau_projections::reconcile`), printed as a
//! table or as JSON. Exits 0 when they match; a difference ends in [`Differs`].

mod table;

use std::io::Write;

use anyhow::Context;
use carneau_projections::reconcile::reconcile_event;
use uuid::Uuid;

use crate::config::Config;
use crate::database;

pub use table::render;

/// The exit status of `carneau audit reconcile` when the log and the sales page differ.
pub const DIFFERS_EXIT_CODE: u8 = super::FINDING_EXIT_CODE;

/// The log and the sales page disagree: the report is printed, the process fails.
#[derive(Debug, thiserror::Error)]
#[error("the event log and the sales page differ on {differences} figure(s)")]
pub struct Differs {
    /// How many figures differ.
    pub differences: usize,
}

/// Reconciles `event_id` on the database of `config` and prints the report to standard
/// output (`json`: the whole [`carneau_projections::reconcile::Reconciliation`]).
///
/// It never migrates and never writes to the log or a read model: safe on a live database.
pub async fn run(config: &Config, event_id: Uuid, json: bool) -> anyhow::Result<()> {
    let pool = database::connect_existing(config).await?;
    let reconciliation = reconcile_event(&pool, event_id).await;
    pool.close().await;
    let reconciliation = reconciliation
        .context("reconciling the event")?
        .ok_or_else(|| anyhow::anyhow!("no event {event_id} in the event log or the catalogue"))?;
    let report = if json {
        let mut text = serde_json::to_string_pretty(&reconciliation)
            .context("serialising the reconciliation")?;
        text.push('\n');
        text
    } else {
        render(&reconciliation)
    };
    std::io::stdout()
        .write_all(report.as_bytes())
        .context("writing to standard output")?;
    if reconciliation.matches {
        Ok(())
    } else {
        Err(Differs {
            differences: reconciliation.comparison.differences.len(),
        }
        .into())
    }
}

//! `carneau images sweep`: deletes the stored bytes no image of any event names (removed
//! images whose bytes were too fresh to delete at once, uploads cut off before their
//! fact, deletions a store outage stopped), keeping what was stored in the last 15
//! minutes. Every `carneau serve` does it hourly; this is for an operator who wants it
//! now, after an outage or a bulk clean-up.

use std::io::Write;

use anyhow::Context;
use carneau_commands::event_images::{grace_cutoff, sweep};
use clap::Subcommand;
use sqlx::PgPool;

use crate::config::ImagesConfig;
use crate::image_store::image_store;

/// What `carneau images` does.
#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Deletes the renditions no current image names, stored over 15 minutes ago.
    Sweep,
}

/// Runs `command` on the store `images` configures, printing for a person to `out`.
pub async fn run(
    pool: &PgPool,
    images: &ImagesConfig,
    command: ImagesCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command {
        ImagesCommand::Sweep => {
            let store = image_store(images, pool)?;
            let outcome = sweep(pool, store.as_ref(), grace_cutoff(chrono::Utc::now()))
                .await
                .context("sweeping the image store")?;
            writeln!(
                out,
                "{} stored image(s) examined, {} no longer used: {} rendition(s) deleted",
                outcome.examined, outcome.released, outcome.deleted
            )
            .context("writing the report")?;
        }
    }
    Ok(())
}

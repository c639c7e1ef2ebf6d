//! `carneau projections list` and `carneau projections rebuild NAME`: one live read model
//! rebuilt beside itself and swapped in while the API keeps serving the old one.

use std::io::Write;

use anyhow::{bail, Context};
use carneau_projections::cache::ResponseCache;
use carneau_projections::read_models::{read_model, read_models};
use carneau_projections::replay::start_rebuild;
use clap::Subcommand;
use sqlx::PgPool;

use super::progress_on_stderr;
use super::replay::print_replays;

/// What `carneau projections` does.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Lists the read models (projector names) and the tables each one writes.
    List,
    /// Rebuilds one read model from the start of the log without taking the API down:
    /// readers see the old one until the rebuilt one has caught up and is swapped in.
    Rebuild {
        /// The projector's name, as `projections list` prints it.
        name: String,
    },
}

/// Runs `command`; `cache` gets the changed events' cached responses invalidated.
pub async fn run(
    pool: &PgPool,
    cache: Option<ResponseCache>,
    command: ProjectionsCommand,
) -> anyhow::Result<()> {
    let models = read_models(cache.clone());
    let mut out = std::io::stdout();
    match command {
        ProjectionsCommand::List => {
            for model in &models {
                writeln!(out, "{:<12} {}", model.name(), model.tables.join(", "))
                    .context("writing the list")?;
            }
        }
        ProjectionsCommand::Rebuild { name } => {
            let Some(model) = read_model(&models, &name) else {
                let known: Vec<&str> = models.iter().map(|m| m.name()).collect();
                bail!(
                    "no read model is called {name:?}; there are {}",
                    known.join(", ")
                );
            };
            super::replay::drop_abandoned(pool).await?;
            eprintln!("{name}: building beside the live read model");
            let building = start_rebuild(pool, &model, &progress_on_stderr).await?;
            eprintln!("{name}: built to {}; swapping it in", building.position());
            let report = building
                .swap_in(cache.as_ref(), &progress_on_stderr)
                .await?;
            print_replays(&mut out, std::slice::from_ref(&report.replay))
                .context("writing the report")?;
            writeln!(
                out,
                "{name}: swapped in at {} ({} events caught up in the swap, {} value(s) changed)",
                report.position,
                report.caught_up,
                report.changed.len()
            )
            .context("writing the report")?;
            for changed in &report.changed {
                writeln!(out, "changed: {changed}").context("writing the report")?;
            }
        }
    }
    Ok(())
}

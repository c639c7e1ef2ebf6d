//! The operator's and auditor's commands of the `carneau` binary that are more than a
//! line of wiring in `main.rs`, in the library so tests can call them without spawning
//! the binary: each reads the configuration it is given, does its one job and prints for
//! a person (or for a machine with `--json`): [`replay`] (`carneau replay [--verify]`),
//! [`projections`] (`carneau projections list|rebuild NAME`), [`reconcile`] (`carneau
//! audit reconcile --event ID`), [`log_export`] (`carneau log export`), [`log_verify`]
//! (`carneau log verify`), [`log_checkpoint`] (`carneau log checkpoint|public-key`) and
//! [`mail`] (`carneau mail dead-letters|retry`), [`images`] (`carneau images sweep`);
//! [`log`] gathers the `carneau log` subcommands.

pub mod images;
pub mod log;
pub mod log_checkpoint;
pub mod log_export;
pub mod log_verify;
pub mod mail;
pub mod projections;
pub mod reconcile;
pub mod replay;

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use carneau_projections::replay::ReplayProgress;

/// The exit status of a command that ran and found something wrong (a log that does not
/// verify, figures that differ): neither 1 (could not run) nor 2 (clap's bad arguments),
/// so auditors' scripts tell a finding from a failure.
pub const FINDING_EXIT_CODE: u8 = 3;

/// Whether `error` is a finding of an audit command rather than a failure to run one.
pub fn is_finding(error: &anyhow::Error) -> bool {
    error.is::<reconcile::Differs>() || error.is::<log_verify::LogBroken>()
}

/// Writes `text` to the file at `output`, or to standard output without one.
pub fn write_output(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("writing to standard output"),
    }
}

/// Progress on standard error, one line per 50 000 events and at the end of a stretch,
/// so standard output carries only the report.
fn progress_on_stderr(progress: ReplayProgress<'_>) {
    const EVERY_EVENTS: u64 = 50_000;
    let reached = progress.position >= progress.until;
    let crossed = progress.events_read % EVERY_EVENTS
        < u64::from(carneau_projections::replay::REPLAY_BATCH_SIZE);
    if reached || crossed {
        eprintln!(
            "{}: {} events read, at {} of {}",
            progress.projector, progress.events_read, progress.position, progress.until
        );
    }
}

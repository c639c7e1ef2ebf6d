//! The operator's and auditor's commands of the `carneau` binary that are more than a
//! line of wiring in `main.rs`: each reads the configuration it is given, does its one
//! job and prints for a person (or for a machine with `--json`): [`replay`] (`carneau
//! replay [--verify]`), [`projections`] (`carneau projections list|rebuild NAME`) and
//! [`reconcile`] (`carneau audit reconcile --event ID`) and [`log_export`] (`carneau log
//! export`).

pub mod log_export;
pub mod projections;
pub mod reconcile;
pub mod replay;

use carneau_projections::replay::ReplayProgress;

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

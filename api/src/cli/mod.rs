//! The auditors' and operators' subcommands of `carneau` that work on the read models:
//! [`replay`] (`carneau replay [--verify]`) and [`projections`] (`carneau projections
//! list|rebuild NAME`). The machinery is `carneau_projections::replay`; this prints it.

pub mod projections;
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

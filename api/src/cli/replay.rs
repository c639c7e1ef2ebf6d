//! `carneau replay [--verify]`: every read model rebuilt from position zero in a scratch
//! schema, timed per projector; with `--verify`, compared row by row with the live ones.

use std::io::Write;

use anyhow::{bail, Context};
use carneau_projections::cache::ResponseCache;
use carneau_projections::read_models::read_models;
use carneau_projections::replay::{
    drop_abandoned_scratch_schemas, replay, Check, ProjectorReplay, ReplayReport,
};
use sqlx::PgPool;

use super::progress_on_stderr;

/// Replays the log into scratch read models and prints what each projector did; with
/// `verify`, prints every difference from the live read models and fails if there is one.
///
/// `cache` is only used by the live projectors' catch-up before the comparison (the
/// scratch replay never touches it).
pub async fn run(pool: &PgPool, cache: Option<ResponseCache>, verify: bool) -> anyhow::Result<()> {
    drop_abandoned(pool).await?;
    let models = read_models(cache);
    let check = if verify {
        Check::AgainstLive
    } else {
        Check::ReplayOnly
    };
    let report = replay(pool, &models, check, &progress_on_stderr).await?;
    print_report(&report, verify).context("writing the report")?;
    if !report.differences.is_empty() {
        bail!(
            "{} difference(s) between the live read models and the log",
            report.differences.len()
        );
    }
    Ok(())
}

/// Drops the scratch schemas of replays that are gone (killed), saying so on standard
/// error.
pub async fn drop_abandoned(pool: &PgPool) -> anyhow::Result<()> {
    for name in drop_abandoned_scratch_schemas(pool).await? {
        eprintln!("dropped scratch schema {name}, left by a replay that is gone");
    }
    Ok(())
}

fn print_report(report: &ReplayReport, verify: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "replayed the log to {}", report.head)?;
    print_replays(&mut out, &report.replays)?;
    if !verify {
        return Ok(());
    }
    for difference in &report.differences {
        writeln!(out, "difference: {difference}")?;
    }
    if report.differences.is_empty() {
        writeln!(out, "every read model equals its replay")?;
    }
    Ok(())
}

/// The per-projector table: events read, rows written, seconds, events/s.
pub fn print_replays(out: &mut impl Write, replays: &[ProjectorReplay]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<12} {:>12} {:>12} {:>9} {:>10}",
        "projector", "events read", "rows written", "seconds", "events/s"
    )?;
    for replay in replays {
        writeln!(
            out,
            "{:<12} {:>12} {:>12} {:>9.2} {:>10.0}",
            replay.projector,
            replay.events_read,
            replay.rows_written,
            replay.elapsed.as_secs_f64(),
            replay.events_per_second()
        )?;
    }
    Ok(())
}

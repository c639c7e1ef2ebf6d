//! `carneau log export`: the event log (or one event's part of it) as NDJSON on standard
//! output, the same lines `GET /audit/log` streams, in the same order; a progress bar on
//! standard error when it is a terminal.

use std::io::{IsTerminal, Write};

use anyhow::Context;
use carneau_projections::{count_matching, LogFilter, LogPosition};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

use crate::audit_export::{log_pages, ndjson_page};

/// Which part of the log to export.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// Only the streams of this ticketing event (its own, its inventory's, its orders'
    /// and its admissions').
    pub event: Option<Uuid>,
    /// Only events recorded at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only events recorded before this instant.
    pub until: Option<DateTime<Utc>>,
}

impl From<&ExportRequest> for LogFilter {
    fn from(request: &ExportRequest) -> Self {
        LogFilter {
            ticketing_event: request.event,
            since: request.since,
            until: request.until,
            ..LogFilter::default()
        }
    }
}

/// A progress bar on standard error of `total` events, hidden when standard error is not
/// a terminal (a redirected export stays clean).
pub fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} events ({per_sec}, {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// Writes every event of `request` to `out`, one NDJSON line each, in log order, and
/// returns how many. `progress` advances per page; pass [`ProgressBar::hidden`] to show
/// nothing.
#[instrument(skip_all, fields(event = ?request.event))]
pub async fn export_log(
    pool: &PgPool,
    request: &ExportRequest,
    out: &mut impl Write,
    progress: &ProgressBar,
) -> anyhow::Result<u64> {
    let filter = LogFilter::from(request);
    let mut pages = std::pin::pin!(log_pages(pool.clone(), filter, LogPosition::START));
    let mut written = 0_u64;
    while let Some(page) = pages.try_next().await.context("reading the event log")? {
        out.write_all(&ndjson_page(&page)?)
            .context("writing the export")?;
        written += page.len() as u64;
        progress.inc(page.len() as u64);
    }
    out.flush().context("writing the export")?;
    progress.finish_and_clear();
    Ok(written)
}

/// The export as the binary runs it: counts the matching events for the progress bar,
/// then writes them to standard output.
pub async fn export_to_stdout(pool: &PgPool, request: &ExportRequest) -> anyhow::Result<u64> {
    let total = count_matching(pool, &LogFilter::from(request))
        .await
        .context("counting the events to export")?;
    let progress = progress_bar(total);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    export_log(pool, request, &mut out, &progress).await
}

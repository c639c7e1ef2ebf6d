//! The matching part of the event log, page after page, as NDJSON: what
//! `GET /audit/log` streams with `Accept: application/x-ndjson` and what
//! `carneau log export` writes. One page is in memory at a time, however long the log.

use carneau_projections::{read_matching, LogError, LogFilter, LogPosition, RecordedEvent};
use futures::Stream;
use sqlx::PgPool;

use crate::routes::audit::entry::ndjson_line;

/// How many events an export reads per statement: large enough to amortise the round
/// trip, small enough to keep a page's memory low.
pub const EXPORT_PAGE_EVENTS: u32 = 500;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The log could not be read.
    #[error(transparent)]
    Log(#[from] LogError),
    /// An event could not be written as JSON (its stored JSON is always valid; this is a bug).
    #[error("writing an event as JSON")]
    Json(#[from] serde_json::Error),
}

/// The events `filter` matches after `after`, one page per item, in log order, ending at
/// the horizon of the last read (a commit still in flight then is not waited for).
pub fn log_pages(
    pool: PgPool,
    filter: LogFilter,
    after: LogPosition,
) -> impl Stream<Item = Result<Vec<RecordedEvent>, LogError>> + Send + 'static {
    futures::stream::try_unfold(Some(after), move |cursor| {
        let pool = pool.clone();
        let filter = filter.clone();
        async move {
            let Some(after) = cursor else {
                return Ok(None);
            };
            let page = read_matching(&pool, after, EXPORT_PAGE_EVENTS, &filter).await?;
            let full = page.len() == EXPORT_PAGE_EVENTS as usize;
            let next = match page.last() {
                Some(last) if full => Some(last.position),
                Some(_) => None,
                None => return Ok(None),
            };
            Ok(Some((page, next)))
        }
    })
}

/// A page as NDJSON lines.
pub fn ndjson_page(page: &[RecordedEvent]) -> Result<Vec<u8>, ExportError> {
    let mut lines = Vec::new();
    for event in page {
        lines.extend(ndjson_line(event)?);
    }
    Ok(lines)
}

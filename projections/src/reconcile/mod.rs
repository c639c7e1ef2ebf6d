//! Reconciliation: what one event sold, refunded, admitted and took in, computed from
//! the event log alone, then compared with the organiser's sales page (the read models
//! behind `GET /organiser/events/{id}/sales`, read by [`crate::orders::event_sales`]
//! itself, never by a copy of its SQL).
//!
//! [`event_log`] reads the event's streams in the log's order, [`ledger`] folds the
//! decoded facts (pure, no I/O), [`comparison`] sets its figures against the page's, and
//! [`reconcile_event`] does the three. What each figure means, and where the log and the
//! page define a word differently, is in `docs/audit.md` ("Reconciling money").

mod comparison;
mod event_log;
mod figures;
mod ledger;
mod notes;

#[cfg(test)]
mod tests;

use serde::Serialize;
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

pub use comparison::{compare, Comparison, Difference};
pub use event_log::{fold_event_log, projectors_behind, ProjectorBehind};
pub use figures::{CurrencyFigures, LogFigures, OrderFigures, TicketTypeFigures};
pub use ledger::{EventLedger, Fact};
pub use notes::notes;

use crate::orders::{event_sales, EventSales};

/// One event's reconciliation: the log's figures, the sales page, and how they compare.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    /// The event.
    pub event_id: Uuid,
    /// What the log says.
    pub log: LogFigures,
    /// What the sales page showed (`None`: the catalogue does not list the event).
    pub sales_page: Option<EventSales>,
    /// The figures compared and those that differ.
    pub comparison: Comparison,
    /// The sales page's projectors that had not applied the last fact read yet.
    pub sales_page_behind: Vec<ProjectorBehind>,
    /// What explains a figure or a difference (in-flight refunds, lag), in words.
    pub notes: Vec<String>,
    /// Whether every figure compared is equal.
    pub matches: bool,
}

/// Reconciles event `event_id`; `None` when neither the log nor the catalogue knows it.
///
/// The log is read first, then the page: a fact appended in between shows on the page
/// only, and is reported as a difference (the notes say when the page was behind).
#[instrument(skip_all, fields(event_id = %event_id))]
pub async fn reconcile_event(
    pool: &PgPool,
    event_id: Uuid,
) -> anyhow::Result<Option<Reconciliation>> {
    let log = fold_event_log(pool, event_id).await?.figures();
    let sales_page = event_sales(pool, event_id).await?;
    if log.facts_read == 0 && sales_page.is_none() {
        return Ok(None);
    }
    let comparison = match &sales_page {
        Some(page) => compare(&log, page),
        None => Comparison {
            compared: 1,
            differences: vec![Difference {
                subject: "event".to_owned(),
                figure: "listed".to_owned(),
                log: Some(format!("{} facts", log.facts_read)),
                sales_page: None,
            }],
        },
    };
    let sales_page_behind = match log.read_up_to {
        Some(position) => projectors_behind(pool, position).await?,
        None => Vec::new(),
    };
    let notes = notes(&log, &sales_page_behind);
    let matches = comparison.differences.is_empty();
    tracing::info!(
        matches,
        differences = comparison.differences.len(),
        "event reconciled"
    );
    Ok(Some(Reconciliation {
        event_id,
        log,
        sales_page,
        comparison,
        sales_page_behind,
        notes,
        matches,
    }))
}

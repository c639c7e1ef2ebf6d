//! The `catalogue` projector: `Event` aggregate events into `catalogue_events` and
//! `catalogue_ticket_types`, then the response cache invalidated.

use async_trait::async_trait;
use carneau_domain::event::Event;
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};

use super::fold::fold;
use super::store;
use crate::cache::{CacheScope, ResponseCache};
use crate::log::{changed_aggregates, Interest, RecordedEvent};
use crate::runner::{Batch, Projector};

/// Builds the catalogue read models; invalidates cached responses after each commit.
pub struct CatalogueProjector {
    cache: Option<ResponseCache>,
}

impl CatalogueProjector {
    /// A projector that invalidates `cache` (if any) after each batch it commits.
    pub fn new(cache: Option<ResponseCache>) -> Self {
        Self { cache }
    }
}

#[async_trait]
impl Projector for CatalogueProjector {
    fn name(&self) -> &'static str {
        "catalogue"
    }

    /// Only the catalogue's events.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Event::TYPE],
            event_types: &[],
            metadata: false,
        })
    }

    /// A reconciliation reads its checkpoint as how far the sales page applied the log.
    fn stores_every_stretch(&self) -> bool {
        true
    }

    /// Loads the versions and ticket type places of the events the batch touches, folds
    /// it in memory and writes it in a few statements (see [`fold`]).
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let mut events = Vec::with_capacity(batch.events.len());
        for recorded in batch.events {
            if let Some((event_id, event)) = recorded.decode_of::<Event>()? {
                events.push((event_id, recorded.sequence, event));
            }
        }
        if events.is_empty() {
            return Ok(());
        }
        let known = store::load_known(tx, &events).await?;
        store::write(tx, &fold(events, &known)).await
    }

    async fn after_commit(&self, events: &[RecordedEvent]) {
        let Some(cache) = &self.cache else { return };
        let changed = changed_aggregates(events, Event::TYPE);
        if changed.is_empty() {
            return;
        }
        let scopes = changed.into_iter().map(CacheScope::Event);
        cache
            .invalidate_all(scopes.chain([CacheScope::Listing]))
            .await;
    }
}

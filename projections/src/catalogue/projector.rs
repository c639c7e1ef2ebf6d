//! The `catalogue` projector: `Event` aggregate events into `catalogue_events` and
//! `catalogue_ticket_types`, then the response cache invalidated.

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::event::{Event, EventCatalogueEvent, EventDetails, TicketType};
use cqrs_es::Aggregate;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

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
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        for recorded in events {
            if let Some((event_id, event)) = recorded.decode_of::<Event>()? {
                apply_one(tx, event_id, recorded.sequence, event).await?;
            }
        }
        Ok(())
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

/// Applies one event unless the read model already reflects its sequence, so that a
/// replayed batch changes nothing.
async fn apply_one(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    sequence: i64,
    event: EventCatalogueEvent,
) -> anyhow::Result<()> {
    if let EventCatalogueEvent::EventDrafted {
        details,
        currency,
        organiser,
        ..
    } = &event
    {
        let organiser = organiser.map(|id| id.as_uuid());
        insert_draft(
            tx,
            event_id,
            sequence,
            details,
            currency.as_str(),
            organiser,
        )
        .await?;
        return Ok(());
    }
    if !claim_sequence(tx, event_id, sequence).await? {
        return Ok(());
    }
    match event {
        EventCatalogueEvent::EventDrafted { .. } => {}
        EventCatalogueEvent::EventDetailsEdited { details } => {
            update_details(tx, event_id, &details).await?;
        }
        EventCatalogueEvent::TicketTypeAdded { ticket_type }
        | EventCatalogueEvent::TicketTypeChanged { ticket_type } => {
            upsert_ticket_type(tx, event_id, &ticket_type).await?;
        }
        EventCatalogueEvent::TicketTypeRemoved { ticket_type_id } => {
            sqlx::query(
                "DELETE FROM catalogue_ticket_types WHERE ticket_type_id = $1 AND event_id = $2",
            )
            .bind(ticket_type_id.as_uuid())
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
        }
        EventCatalogueEvent::EventPublished { published_at } => {
            sqlx::query(
                "UPDATE catalogue_events SET status = 'published', published_at = $2 \
                 WHERE event_id = $1",
            )
            .bind(event_id)
            .bind(published_at)
            .execute(&mut **tx)
            .await?;
        }
        EventCatalogueEvent::EventCancelled {
            cancelled_at,
            reason,
        } => {
            sqlx::query(
                "UPDATE catalogue_events SET status = 'cancelled', cancelled_at = $2, \
                 cancellation_reason = $3 WHERE event_id = $1",
            )
            .bind(event_id)
            .bind(cancelled_at)
            .bind(reason)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Moves `catalogue_events.version` to `sequence`; false when it was already there.
async fn claim_sequence(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    sequence: i64,
) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "UPDATE catalogue_events SET version = $2, updated_at = now() \
         WHERE event_id = $1 AND version < $2",
    )
    .bind(event_id)
    .bind(sequence)
    .execute(&mut **tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Binds `$1` to the event id and `$2`..`$8` to its details, in the column order both
/// `insert_draft` and `update_details` use.
fn bind_details<'q>(
    query: Query<'q, Postgres, PgArguments>,
    event_id: Uuid,
    details: &'q EventDetails,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(event_id)
        .bind(details.title.as_str())
        .bind(details.description.as_str())
        .bind(details.venue.name.as_str())
        .bind(details.venue.address.as_str())
        .bind(details.starts_at)
        .bind(details.ends_at)
        .bind(details.time_zone.as_str())
}

async fn insert_draft(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    sequence: i64,
    details: &EventDetails,
    currency: &str,
    organiser: Option<Uuid>,
) -> anyhow::Result<()> {
    let query = sqlx::query(
        r#"
        INSERT INTO catalogue_events
            (event_id, status, title, description, venue_name, venue_address, starts_at,
             ends_at, time_zone, currency, version, organiser_id)
        VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (event_id) DO NOTHING
        "#,
    );
    bind_details(query, event_id, details)
        .bind(currency)
        .bind(sequence)
        .bind(organiser)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn update_details(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    details: &EventDetails,
) -> anyhow::Result<()> {
    let query = sqlx::query(
        r#"
        UPDATE catalogue_events
           SET title = $2, description = $3, venue_name = $4, venue_address = $5,
               starts_at = $6, ends_at = $7, time_zone = $8
         WHERE event_id = $1
        "#,
    );
    bind_details(query, event_id, details)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes a ticket type as it now is; a new one goes after the event's others, a changed
/// one keeps its place.
async fn upsert_ticket_type(
    tx: &mut Transaction<'_, Postgres>,
    event_id: Uuid,
    ticket_type: &TicketType,
) -> anyhow::Result<()> {
    sqlx::query(
        r#"
        INSERT INTO catalogue_ticket_types
            (event_id, ticket_type_id, position, name, price_minor, currency, capacity,
             sale_opens_at, sale_closes_at, max_per_order)
        VALUES ($1, $2,
                (SELECT coalesce(max(position), 0) + 1 FROM catalogue_ticket_types
                  WHERE event_id = $1),
                $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (event_id, ticket_type_id) DO UPDATE
           SET name = excluded.name, price_minor = excluded.price_minor,
               currency = excluded.currency, capacity = excluded.capacity,
               sale_opens_at = excluded.sale_opens_at, sale_closes_at = excluded.sale_closes_at,
               max_per_order = excluded.max_per_order
        "#,
    )
    .bind(event_id)
    .bind(ticket_type.id.as_uuid())
    .bind(ticket_type.name.as_str())
    .bind(ticket_type.price.amount_minor)
    .bind(ticket_type.price.currency.as_str())
    .bind(i32::try_from(ticket_type.capacity.get()).context("capacity out of range")?)
    .bind(ticket_type.sale_window.opens_at())
    .bind(ticket_type.sale_window.closes_at())
    .bind(i32::from(ticket_type.max_per_order.get()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

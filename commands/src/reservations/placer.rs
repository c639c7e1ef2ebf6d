//! Who placed a hold: the actor of the `HoldsPlaced` fact that placed it, read from the
//! log. So a hold's owner is known from the instant the hold exists, with no read model
//! in between (commands never depend on projections).

use carneau_domain::ids::{AccountId, EventId, ReservationId};
use carneau_domain::{Actor, EventMetadata};
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use super::ReservationError;
use crate::event_store::StoreError;

/// Where a hold was placed, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldPlacer {
    /// The event whose inventory holds it.
    pub event_id: EventId,
    /// The signed-in account that placed it; `None` for a guest's hold.
    pub account_id: Option<AccountId>,
}

/// The event and placer of `reservation_id`'s hold; `None` if no hold of that id was ever
/// placed.
///
/// Reads `events`: a hold's placing fact carries its purchase's correlation id (the id of
/// the order derived from the reservation), which the partial index
/// `events_hold_placed_correlation` finds without scanning the log; the payload check
/// makes sure it is this hold's fact.
pub(super) async fn find_placer(
    pool: &PgPool,
    reservation_id: ReservationId,
) -> Result<Option<HoldPlacer>, ReservationError> {
    let correlation_id = carneau_domain::ids::OrderId::for_reservation(reservation_id)
        .correlation_id()
        .to_string();
    let row: Option<(String, Json<EventMetadata>)> = sqlx::query_as(
        "SELECT aggregate_id, metadata \
           FROM events \
          WHERE aggregate_type = 'Inventory' \
            AND event_type = 'HoldsPlaced' \
            AND metadata ->> 'correlation_id' = $1 \
            AND payload::jsonb -> 'HoldsPlaced' -> 'holds' \
                @> jsonb_build_array(jsonb_build_object('reservation_id', $2::text)) \
          ORDER BY global_position \
          LIMIT 1",
    )
    .bind(correlation_id)
    .bind(reservation_id.to_string())
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from)?;
    let Some((aggregate_id, Json(metadata))) = row else {
        return Ok(None);
    };
    let event_id = Uuid::parse_str(&aggregate_id)
        .map(EventId::from_uuid)
        .map_err(|source| StoreError::MalformedAggregateId {
            aggregate_id,
            source,
        })?;
    let account_id = match metadata.actor {
        Actor::Account { account_id } => Some(account_id),
        _ => None,
    };
    Ok(Some(HoldPlacer {
        event_id,
        account_id,
    }))
}

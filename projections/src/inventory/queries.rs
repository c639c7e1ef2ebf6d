//! Reads of the inventory read model (`inventory_holds`, with `catalogue_ticket_types` and
//! the capacity pools of `catalogue_events`).

use std::collections::HashMap;

use anyhow::Context;
use carneau_domain::event::CapacityPool;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::catalogue::{CapacityPoolView, TicketAvailability};

/// An event's stock as buyers see it: per ticket type, and per capacity pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventStock {
    /// Capacity, held, sold and available tickets of each ticket type, by its id;
    /// `available` is already the smaller of the type's and its pool's.
    pub ticket_types: HashMap<Uuid, TicketAvailability>,
    /// The event's capacity pools with their own counts, in the organiser's order.
    pub capacity_pools: Vec<CapacityPoolView>,
}

/// Capacity, held, sold and available tickets of each ticket type of `event_id`. Held
/// counts only holds that have not lapsed, whether or not their expiry is recorded yet.
/// A ticket type in a capacity pool has no more available than the pool has left.
pub async fn availability(
    pool: &PgPool,
    event_id: Uuid,
) -> anyhow::Result<HashMap<Uuid, TicketAvailability>> {
    Ok(stock(pool, event_id).await?.ticket_types)
}

/// The stock of `event_id` per ticket type and per capacity pool (see [`availability`]).
pub async fn stock(pool: &PgPool, event_id: Uuid) -> anyhow::Result<EventStock> {
    let rows = sqlx::query(
        r#"
        SELECT t.ticket_type_id, t.capacity,
               coalesce(sum(h.quantity) FILTER (WHERE h.expires_at > now()), 0)::bigint AS held,
               coalesce(max(s.sold), 0)::bigint AS sold,
               coalesce((SELECT sum(w.quantity)
                           FROM waiting_list_entries w
                           JOIN catalogue_events c ON c.event_id = w.event_id
                          WHERE w.event_id = t.event_id AND w.ticket_type_id = t.ticket_type_id
                            AND w.status = 'waiting' AND c.waiting_list_open), 0)::bigint
                   AS waiting
          FROM catalogue_ticket_types t
          LEFT JOIN inventory_holds h
                 ON h.event_id = t.event_id AND h.ticket_type_id = t.ticket_type_id
                AND h.status = 'held'
          LEFT JOIN inventory_sold s
                 ON s.event_id = t.event_id AND s.ticket_type_id = t.ticket_type_id
         WHERE t.event_id = $1
         GROUP BY t.event_id, t.ticket_type_id, t.capacity
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's availability")?;
    let mut ticket_types = HashMap::with_capacity(rows.len());
    for row in rows {
        let capacity = i64::from(row.try_get::<i32, _>("capacity")?);
        let held: i64 = row.try_get("held")?;
        let sold: i64 = row.try_get("sold")?;
        let waiting: i64 = row.try_get("waiting")?;
        ticket_types.insert(
            row.try_get("ticket_type_id")?,
            TicketAvailability {
                capacity,
                held,
                sold,
                waiting,
                available: (capacity - held - sold - waiting).max(0),
            },
        );
    }
    let pools: Option<sqlx::types::Json<Vec<CapacityPool>>> =
        sqlx::query_scalar("SELECT capacity_pools FROM catalogue_events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(pool)
            .await
            .context("reading an event's capacity pools")?;
    let pools = pools.map(|pools| pools.0).unwrap_or_default();
    let capacity_pools = share_pools(&mut ticket_types, &pools);
    Ok(EventStock {
        ticket_types,
        capacity_pools,
    })
}

/// Counts each pool from its ticket types and lowers each type's `available` to what its
/// pool has left: buyers are shown the smaller of the two limits.
pub fn share_pools(
    ticket_types: &mut HashMap<Uuid, TicketAvailability>,
    pools: &[CapacityPool],
) -> Vec<CapacityPoolView> {
    let views: Vec<CapacityPoolView> = pools
        .iter()
        .map(|pool| {
            let members: Vec<Uuid> = pool.ticket_types.iter().map(|id| id.as_uuid()).collect();
            let (held, sold, waiting) = members.iter().filter_map(|id| ticket_types.get(id)).fold(
                (0, 0, 0),
                |(held, sold, waiting), stock| {
                    (
                        held + stock.held,
                        sold + stock.sold,
                        waiting + stock.waiting,
                    )
                },
            );
            let capacity = i64::from(pool.capacity.get());
            CapacityPoolView {
                id: pool.id.as_uuid(),
                name: pool.name.as_str().to_owned(),
                capacity,
                ticket_type_ids: members,
                held,
                sold,
                waiting,
                available: (capacity - held - sold - waiting).max(0),
            }
        })
        .collect();
    for view in &views {
        for id in &view.ticket_type_ids {
            if let Some(stock) = ticket_types.get_mut(id) {
                stock.available = stock.available.min(view.available);
            }
        }
    }
    views
}

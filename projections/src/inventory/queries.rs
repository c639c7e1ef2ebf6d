//! Reads of the inventory read model (`inventory_holds`, with `catalogue_ticket_types`).

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::catalogue::TicketAvailability;

/// Capacity, held, sold and available tickets of each ticket type of `event_id`. Held
/// counts only holds that have not lapsed, whether or not their expiry is recorded yet.
pub async fn availability(
    pool: &PgPool,
    event_id: Uuid,
) -> anyhow::Result<HashMap<Uuid, TicketAvailability>> {
    let rows = sqlx::query(
        r#"
        SELECT t.ticket_type_id, t.capacity,
               coalesce(sum(h.quantity) FILTER (WHERE h.expires_at > now()), 0)::bigint AS held,
               coalesce(max(s.sold), 0)::bigint AS sold
          FROM catalogue_ticket_types t
          LEFT JOIN inventory_holds h
                 ON h.event_id = t.event_id AND h.ticket_type_id = t.ticket_type_id
                AND h.status = 'held'
          LEFT JOIN inventory_sold s
                 ON s.event_id = t.event_id AND s.ticket_type_id = t.ticket_type_id
         WHERE t.event_id = $1
         GROUP BY t.ticket_type_id, t.capacity
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's availability")?;
    let mut availability = HashMap::with_capacity(rows.len());
    for row in rows {
        let capacity = i64::from(row.try_get::<i32, _>("capacity")?);
        let held: i64 = row.try_get("held")?;
        let sold: i64 = row.try_get("sold")?;
        availability.insert(
            row.try_get("ticket_type_id")?,
            TicketAvailability {
                capacity,
                held,
                sold,
                available: (capacity - held - sold).max(0),
            },
        );
    }
    Ok(availability)
}

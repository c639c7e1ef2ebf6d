//! Which order issued a ticket, read from the event log (table `events`).
//!
//! Ticket ids are random (one per seat, chosen when the order is paid), so only the
//! order's `TicketsIssued` fact links a ticket to its order. The door reads that fact
//! itself instead of the tickets read model, so a ticket issued a moment ago is found
//! too; migration `issued_tickets_index` indexes exactly these rows.

use std::collections::HashMap;

use carneau_domain::{OrderId, TicketId};
use sqlx::PgPool;

use crate::event_store::StoreError;

/// The order whose committed `TicketsIssued` fact lists `ticket_id`, if any. A ticket is
/// issued once, by one order, so there is at most one such fact.
pub(super) async fn issuing_order(
    pool: &PgPool,
    ticket_id: TicketId,
) -> Result<Option<OrderId>, StoreError> {
    // Literal type names and the same expression as the partial index, so that every
    // plan (generic ones too) can use it.
    let aggregate_id: Option<String> = sqlx::query_scalar(
        r#"
        SELECT aggregate_id
          FROM events
         WHERE aggregate_type = 'Order'
           AND event_type = 'TicketsIssued'
           AND ((payload::jsonb) -> 'TicketsIssued' -> 'tickets')
               @> jsonb_build_array(jsonb_build_object('ticket_id', $1::text))
         LIMIT 1
        "#,
    )
    .bind(ticket_id.to_string())
    .fetch_optional(pool)
    .await?;
    aggregate_id.map(parse_id).transpose()
}

/// [`issuing_order`] of many tickets in one statement: each ticket's lookup uses the
/// index on its own (a lateral subquery per ticket). Tickets no order issued are absent.
pub(super) async fn issuing_orders(
    pool: &PgPool,
    ticket_ids: &[TicketId],
) -> Result<HashMap<TicketId, OrderId>, StoreError> {
    let ids: Vec<String> = ticket_ids.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = sqlx::query_as(
        r#"
        SELECT wanted.ticket_id, issued.aggregate_id
          FROM unnest($1::text[]) AS wanted(ticket_id)
         CROSS JOIN LATERAL (
               SELECT aggregate_id
                 FROM events
                WHERE aggregate_type = 'Order'
                  AND event_type = 'TicketsIssued'
                  AND ((payload::jsonb) -> 'TicketsIssued' -> 'tickets')
                      @> jsonb_build_array(jsonb_build_object('ticket_id', wanted.ticket_id))
                LIMIT 1
               ) AS issued
        "#,
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(ticket, order)| Ok((parse_id(ticket)?, parse_id(order)?)))
        .collect()
}

fn parse_id<T: std::str::FromStr<Err = uuid::Error>>(id: String) -> Result<T, StoreError> {
    id.parse()
        .map_err(|source| StoreError::MalformedAggregateId {
            aggregate_id: id,
            source,
        })
}

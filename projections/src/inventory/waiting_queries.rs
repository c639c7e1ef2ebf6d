//! Reads of the waiting lists' read model (`waiting_list_entries`, with the offers' holds in
//! `inventory_holds` and the ticket types' names in `catalogue_ticket_types`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

/// One place on a waiting list, as the buyer and the organiser see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, ToSchema)]
pub struct WaitingPlaceView {
    /// The place's id; its offer is the reservation with the same id.
    pub id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// The ticket type waited for.
    pub ticket_type_id: Uuid,
    /// Its name ("" once the type is removed).
    pub ticket_type_name: String,
    /// How many tickets.
    pub quantity: i32,
    /// Where the offer goes.
    pub email: String,
    /// `waiting` in line; `offered` (tickets held for them now); `bought`; `lapsed` (the
    /// offer ran out unpaid); `declined` (the buyer gave the offered tickets back); `left`
    /// (the buyer left the line).
    #[schema(example = "waiting")]
    pub status: String,
    /// Place in its ticket type's line, 1 being next; only while waiting.
    pub position: Option<i64>,
    /// When the buyer joined.
    pub joined_at: DateTime<Utc>,
    /// When the tickets were offered.
    pub offered_at: Option<DateTime<Utc>>,
    /// When the offer lapses if not paid (its hold's expiry).
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// When the buyer left the line.
    pub left_at: Option<DateTime<Utc>>,
}

const SELECT_PLACES: &str = r#"
    SELECT w.entry_id AS id, w.event_id, w.ticket_type_id,
           coalesce(y.name, '') AS ticket_type_name, w.quantity, w.email,
           CASE
               WHEN w.status <> 'offered' THEN w.status
               WHEN h.status = 'sold' THEN 'bought'
               WHEN h.status = 'released' THEN 'declined'
               WHEN h.status = 'expired' OR h.expires_at <= now() THEN 'lapsed'
               ELSE 'offered'
           END AS status,
           CASE WHEN w.status = 'waiting' THEN
               count(*) FILTER (WHERE w.status = 'waiting')
                   OVER (PARTITION BY w.event_id, w.ticket_type_id, w.status
                         ORDER BY w.joined_sequence)
           END AS position,
           w.joined_at, w.offered_at,
           coalesce(h.expires_at, w.offer_expires_at) AS offer_expires_at, w.left_at
      FROM waiting_list_entries w
      LEFT JOIN catalogue_ticket_types y
             ON y.event_id = w.event_id AND y.ticket_type_id = w.ticket_type_id
      LEFT JOIN inventory_holds h
             ON h.event_id = w.event_id AND h.reservation_id = w.entry_id
            AND h.ticket_type_id = w.ticket_type_id
"#;

/// Every place on the event's waiting lists, in the order they joined.
pub async fn waiting_list(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<WaitingPlaceView>> {
    sqlx::query_as(&format!(
        "{SELECT_PLACES} WHERE w.event_id = $1 ORDER BY w.joined_sequence"
    ))
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's waiting list")
}

//! What the door reads of the tickets read model: the lists a scanner downloads, the
//! live counts and the double entries (`tickets`, `ticket_double_entries`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// A ticket of the event that is revoked or admitted, as a scanner keeps it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DoorTicket {
    /// The ticket.
    pub ticket_id: Uuid,
    /// When its code was revoked (refunded), if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was admitted, if it was.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The device of an offline admission.
    pub checked_in_device: Option<String>,
}

/// The tickets of `event_id` a scanner must know about (revoked or admitted), by id:
/// one index scan of `tickets`.
pub async fn door_tickets(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<DoorTicket>> {
    sqlx::query_as(
        r#"
        SELECT ticket_id, revoked_at, checked_in_at, checked_in_device
          FROM tickets
         WHERE event_id = $1
           AND (revoked_at IS NOT NULL OR checked_in_at IS NOT NULL)
         ORDER BY ticket_id
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's revoked and admitted tickets")
}

/// Who a valid ticket of the event is for, as a scanner calls it out offline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DoorAttendee {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its attendee's name.
    pub name: String,
}

/// The names of `event_id`'s tickets not refunded, by ticket id: one index scan of
/// `tickets` (`tickets_of_event`). Emails stay out: the door needs a name to call, not
/// an address to keep on a device.
pub async fn door_attendees(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<DoorAttendee>> {
    sqlx::query_as(
        r#"
        SELECT ticket_id, attendee_name AS name
          FROM tickets
         WHERE event_id = $1
           AND attendee_name IS NOT NULL
           AND revoked_at IS NULL
         ORDER BY ticket_id
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading the names of an event's tickets")
}

/// Admissions against tickets sold for one ticket type.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketTypeCount {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Tickets issued and not refunded.
    pub sold: i64,
    /// Tickets admitted (refunded since or not: their holders are inside).
    pub admitted: i64,
}

/// Sold and admitted tickets of `event_id` per ticket type (types with none are absent).
pub async fn check_in_counts(
    pool: &PgPool,
    event_id: Uuid,
) -> anyhow::Result<Vec<TicketTypeCount>> {
    sqlx::query_as(
        r#"
        SELECT ticket_type_id,
               count(*) FILTER (WHERE revoked_at IS NULL)        AS sold,
               count(*) FILTER (WHERE checked_in_at IS NOT NULL) AS admitted
          FROM tickets
         WHERE event_id = $1
         GROUP BY ticket_type_id
         ORDER BY ticket_type_id
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("counting an event's admissions")
}

/// A second entry on an admitted ticket.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DoubleEntryView {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its type (`None` if the ticket is not projected yet).
    pub ticket_type_id: Option<Uuid>,
    /// The type's name (empty if unknown).
    pub ticket_type_name: String,
    /// The device of the duplicate scan.
    pub device_id: String,
    /// When it scanned the ticket.
    pub scanned_at: DateTime<Utc>,
    /// Who sent that scan (an `Actor` as JSON).
    pub scanned_by: serde_json::Value,
    /// When the server received it.
    pub synced_at: DateTime<Utc>,
    /// When the admission of record scanned the ticket.
    pub admitted_at: DateTime<Utc>,
    /// Who scanned the admission of record (an `Actor` as JSON).
    pub admitted_by: serde_json::Value,
    /// The device of the admission of record, when it was offline.
    pub admitted_device_id: Option<String>,
}

/// The double entries of `event_id`, in the order they were scanned.
pub async fn double_entries(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<DoubleEntryView>> {
    sqlx::query_as(
        r#"
        SELECT d.ticket_id, t.ticket_type_id, coalesce(y.name, '') AS ticket_type_name,
               d.device_id, d.scanned_at, d.scanned_by, d.synced_at,
               d.admitted_at, d.admitted_by, d.admitted_device_id
          FROM ticket_double_entries d
          LEFT JOIN tickets t USING (ticket_id)
          LEFT JOIN catalogue_ticket_types y
                 ON y.event_id = d.event_id AND y.ticket_type_id = t.ticket_type_id
         WHERE d.event_id = $1
         ORDER BY d.scanned_at, d.ticket_id, d.device_id
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's double entries")
}

//! Reads of the tickets read model (`tickets`, with `catalogue_events` and
//! `catalogue_ticket_types` for names).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// One ticket as its holder and the door see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TicketView {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// Its event.
    pub event_id: Uuid,
    /// The event's title (empty if the catalogue has not caught up).
    pub event_title: String,
    /// When the event starts.
    pub starts_at: Option<DateTime<Utc>>,
    /// The venue's name.
    pub venue_name: String,
    /// Its ticket type.
    pub ticket_type_id: Uuid,
    /// The ticket type's name.
    pub ticket_type_name: String,
    /// The buyer's account, when signed in at checkout.
    pub account_id: Option<Uuid>,
    /// Where the tickets were sent.
    pub buyer_email: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When its code was revoked (refunded), if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was checked in, if it was.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Who checked it in, as a label for people (`account 0190…`).
    pub checked_in_by: Option<String>,
    /// Who it is for, when the event asks and the buyer said.
    pub attendee_name: Option<String>,
    /// The attendee's email, when the event asks and the buyer said.
    pub attendee_email: Option<String>,
}

const SELECT_TICKETS: &str = r#"
    SELECT t.ticket_id, t.order_id, t.event_id,
           coalesce(e.title, '') AS event_title, e.starts_at,
           coalesce(e.venue_name, '') AS venue_name,
           t.ticket_type_id, coalesce(y.name, 'Ticket') AS ticket_type_name,
           t.account_id, t.buyer_email, t.issued_at, t.revoked_at,
           t.checked_in_at, t.checked_in_by, t.attendee_name, t.attendee_email
      FROM tickets t
      LEFT JOIN catalogue_events e ON e.event_id = t.event_id
      LEFT JOIN catalogue_ticket_types y
             ON y.event_id = t.event_id AND y.ticket_type_id = t.ticket_type_id
"#;

/// One ticket of `tickets`, if issued (and projected).
pub async fn ticket(pool: &PgPool, ticket_id: Uuid) -> anyhow::Result<Option<TicketView>> {
    sqlx::query_as(&format!("{SELECT_TICKETS} WHERE t.ticket_id = $1"))
        .bind(ticket_id)
        .fetch_optional(pool)
        .await
        .context("reading a ticket")
}

/// The tickets of one order, in the order they were issued.
pub async fn tickets_of_order(pool: &PgPool, order_id: Uuid) -> anyhow::Result<Vec<TicketView>> {
    sqlx::query_as(&format!(
        "{SELECT_TICKETS} WHERE t.order_id = $1 ORDER BY t.issued_at, t.ticket_id"
    ))
    .bind(order_id)
    .fetch_all(pool)
    .await
    .context("reading an order's tickets")
}

/// The tickets of an account: bought while signed in, or sent to `verified_email` (an
/// address the account has proven it owns; `None` when it has not).
pub async fn tickets_of_account(
    pool: &PgPool,
    account_id: Uuid,
    verified_email: Option<&str>,
) -> anyhow::Result<Vec<TicketView>> {
    sqlx::query_as(&format!(
        "{SELECT_TICKETS} WHERE t.account_id = $1 \
            OR ($2::text IS NOT NULL AND lower(t.buyer_email) = lower($2)) \
         ORDER BY e.starts_at NULLS LAST, t.issued_at, t.ticket_id"
    ))
    .bind(account_id)
    .bind(verified_email)
    .fetch_all(pool)
    .await
    .context("reading an account's tickets")
}

/// The ids of `event_id`'s revoked tickets: the offline revocation list.
pub async fn revoked_tickets(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT ticket_id FROM tickets WHERE event_id = $1 AND revoked_at IS NOT NULL \
         ORDER BY ticket_id",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's revoked tickets")
}

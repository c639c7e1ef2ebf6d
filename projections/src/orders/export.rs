//! The rows of an event's exports, streamed from one statement each so that any number
//! of orders leaves in constant memory: its orders (table `orders`), and its attendees,
//! one per ticket (tables `order_tickets`, `orders`, `order_lines`,
//! `catalogue_ticket_types`, `tickets`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::StreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::status::{OrderStatus, OrderTicketStatus, PaymentProvider};

/// One order of the orders export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderExportRow {
    /// The order.
    pub order_id: Uuid,
    /// When checkout started.
    pub placed_at: DateTime<Utc>,
    /// When the payment was recorded.
    pub paid_at: Option<DateTime<Utc>>,
    /// Where it stands.
    pub status: OrderStatus,
    /// Where its tickets go.
    pub buyer_email: String,
    /// Tickets bought (the lines' quantities).
    pub tickets: i64,
    /// The sum of the lines, in minor units.
    pub total_minor: i64,
    /// Refunded so far, in minor units.
    pub refunded_minor: i64,
    /// The currency of both amounts.
    pub currency: String,
    /// Who takes the payment.
    pub provider: PaymentProvider,
    /// The promo code the order was priced with, when it was.
    pub code: Option<String>,
    /// What the code took off the lines' list prices, in minor units (0 without one).
    pub discount_minor: i64,
}

/// One ticket of the attendees export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeExportRow {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its type's name (as the organiser calls it now; as it was called when bought if
    /// the type is gone).
    pub ticket_type: String,
    /// Its order.
    pub order_id: Uuid,
    /// The buyer's email.
    pub buyer_email: String,
    /// Whether it still admits.
    pub status: OrderTicketStatus,
    /// When it was checked in at the door, if it was.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Who it is for, when the event asks and the buyer said.
    pub attendee_name: Option<String>,
    /// The attendee's email, when the event asks and the buyer said.
    pub attendee_email: Option<String>,
}

/// Every order of `event_id`, oldest first, as the database sends them (table `orders`).
pub fn order_export_rows(
    connection: &mut PgConnection,
    event_id: Uuid,
) -> BoxStream<'_, anyhow::Result<OrderExportRow>> {
    sqlx::query(
        "SELECT o.order_id, o.placed_at, o.paid_at, o.status, o.buyer_email, lines.tickets, \
                o.total_minor, o.refunded_minor, o.currency, o.provider, o.code, \
                lines.discount_minor \
           FROM orders o \
           CROSS JOIN LATERAL \
                (SELECT coalesce(sum(l.quantity), 0)::bigint AS tickets, \
                        coalesce(sum((l.list_price_minor - l.unit_price_minor) * l.quantity), \
                                 0)::bigint AS discount_minor \
                   FROM order_lines l WHERE l.order_id = o.order_id) AS lines \
          WHERE o.event_id = $1 \
          ORDER BY o.placed_at, o.order_id",
    )
    .bind(event_id)
    .fetch(connection)
    .map(|row| order_row(&row.context("reading the orders export")?))
    .boxed()
}

fn order_row(row: &PgRow) -> anyhow::Result<OrderExportRow> {
    Ok(OrderExportRow {
        order_id: row.try_get("order_id")?,
        placed_at: row.try_get("placed_at")?,
        paid_at: row.try_get("paid_at")?,
        status: row.try_get("status")?,
        buyer_email: row.try_get("buyer_email")?,
        tickets: row.try_get("tickets")?,
        total_minor: row.try_get("total_minor")?,
        refunded_minor: row.try_get("refunded_minor")?,
        currency: row.try_get("currency")?,
        provider: row.try_get("provider")?,
        code: row.try_get("code")?,
        discount_minor: row.try_get("discount_minor")?,
    })
}

/// Every ticket of `event_id`, by order (oldest first), then ticket, as the
/// database sends them. Only paid orders have tickets.
pub fn attendee_export_rows(
    connection: &mut PgConnection,
    event_id: Uuid,
) -> BoxStream<'_, anyhow::Result<AttendeeExportRow>> {
    sqlx::query(
        "SELECT ot.ticket_id, coalesce(ct.name, l.name) AS ticket_type, o.order_id, \
                o.buyer_email, ot.status, t.checked_in_at, t.attendee_name, t.attendee_email \
           FROM orders o \
           JOIN order_tickets ot ON ot.order_id = o.order_id \
           JOIN order_lines l ON l.order_id = o.order_id AND l.ticket_type_id = ot.ticket_type_id \
           LEFT JOIN catalogue_ticket_types ct \
                  ON ct.event_id = o.event_id AND ct.ticket_type_id = ot.ticket_type_id \
           LEFT JOIN tickets t ON t.ticket_id = ot.ticket_id \
          WHERE o.event_id = $1 \
          ORDER BY o.placed_at, o.order_id, ot.ticket_id",
    )
    .bind(event_id)
    .fetch(connection)
    .map(|row| attendee_row(&row.context("reading the attendees export")?))
    .boxed()
}

fn attendee_row(row: &PgRow) -> anyhow::Result<AttendeeExportRow> {
    Ok(AttendeeExportRow {
        ticket_id: row.try_get("ticket_id")?,
        ticket_type: row.try_get("ticket_type")?,
        order_id: row.try_get("order_id")?,
        buyer_email: row.try_get("buyer_email")?,
        status: row.try_get("status")?,
        checked_in_at: row.try_get("checked_in_at")?,
        attendee_name: row.try_get("attendee_name")?,
        attendee_email: row.try_get("attendee_email")?,
    })
}

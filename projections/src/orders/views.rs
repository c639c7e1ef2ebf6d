//! One order as its buyer or organiser sees it, and the lists of them: a buyer's orders
//! and an event's orders.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use utoipa::ToSchema;
use uuid::Uuid;

use super::order_attendees::fill_attendees;
use super::status::{OrderStatus, OrderTicketStatus, PaymentProvider};
use crate::catalogue::MoneyView;

/// Some tickets of one type in an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderLineView {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Its name when the order was placed.
    pub name: String,
    /// How many tickets.
    pub quantity: i32,
    /// The price of one: what the buyer paid, after a promo code.
    pub unit_price: MoneyView,
    /// The price of one before the order's promo code, when the code lowered it: the
    /// line's discount is this less `unit_price`, times `quantity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_unit_price: Option<MoneyView>,
}

/// One ticket of a paid order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderTicketView {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its type.
    pub ticket_type_id: Uuid,
    /// Whether it still admits.
    #[schema(example = "valid")]
    pub status: OrderTicketStatus,
    /// When it was checked in at the door, if it was (the buyer's `GET /orders/{id}`
    /// fills it in from the door's record, a moment behind the scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Its QR code as SVG, relative to the API: `/tickets/{id}/qr.svg`, with the order's
    /// `?key=` when the order was opened by its link. Only in the buyer's views
    /// (`GET /orders/{id}`, `GET /me/orders`); the API fills it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/tickets/0192f0c4-5d2e-7c1a-9b3e-1a2b3c4d5e6f/qr.svg?key=3q2-7w")]
    pub qr_svg_url: Option<String>,
    /// Its QR code as PNG, like `qr_svg_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/tickets/0192f0c4-5d2e-7c1a-9b3e-1a2b3c4d5e6f/qr.png?key=3q2-7w")]
    pub qr_png_url: Option<String>,
    /// Who it is for, when the event asks and the buyer said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Ada Lovelace")]
    pub attendee_name: Option<String>,
    /// The attendee's email, when the event asks and the buyer said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendee_email: Option<String>,
}

/// One ticket's attendee, by seat (0-based, in the order's line order: the order its
/// tickets are listed in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttendeeView {
    /// The seat.
    pub seat: usize,
    /// The attendee's name, if given.
    pub name: Option<String>,
    /// The attendee's email, if given.
    pub email: Option<String>,
}

/// An order as its buyer (and the event's organiser) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    /// The order.
    pub order_id: Uuid,
    /// The event the tickets are for.
    pub event_id: Uuid,
    /// The reservation it pays for.
    pub reservation_id: Uuid,
    /// Where the order stands.
    #[schema(example = "paid")]
    pub status: OrderStatus,
    /// Where the tickets go.
    pub email: String,
    /// What was bought.
    pub lines: Vec<OrderLineView>,
    /// The sum of the lines.
    pub total: MoneyView,
    /// How much has been refunded.
    pub refunded: MoneyView,
    /// One per seat once paid.
    pub tickets: Vec<OrderTicketView>,
    /// Where to pay, while payment is awaited.
    pub checkout_url: Option<String>,
    /// Who takes the payment.
    pub provider: PaymentProvider,
    /// When checkout started.
    pub created_at: DateTime<Utc>,
    /// When the payment was recorded.
    pub paid_at: Option<DateTime<Utc>>,
    /// Who each ticket is for, by seat, when the event asks: the buyer's
    /// `GET /orders/{id}` reads the order itself; the lists read `order_attendees` (a
    /// moment behind), and leave it out for an order given no attendee.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<AttendeeView>,
    /// The promo code the order was priced with, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

pub(super) const ORDER_COLUMNS: &str = "order_id, event_id, reservation_id, status, buyer_email, \
    total_minor, refunded_minor, currency, checkout_url, provider, placed_at, paid_at, account_id, \
    code";

/// The orders of a signed-in buyer, newest first (at most 200): those placed by the
/// account, and guest orders to `verified_email` (lower case) when given.
pub async fn orders_of_buyer(
    pool: &PgPool,
    account_id: Uuid,
    verified_email: Option<&str>,
) -> anyhow::Result<Vec<OrderView>> {
    let rows = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders \
          WHERE account_id = $1 OR ($2::text IS NOT NULL AND buyer_email = $2) \
          ORDER BY placed_at DESC LIMIT 200"
    ))
    .bind(account_id)
    .bind(verified_email)
    .fetch_all(pool)
    .await
    .context("reading a buyer's orders")?;
    with_details(pool, &rows).await
}

fn order_view(row: &PgRow) -> anyhow::Result<OrderView> {
    let order_id: Uuid = row.try_get("order_id")?;
    let currency: String = row.try_get("currency")?;
    let status: OrderStatus = row
        .try_get("status")
        .with_context(|| format!("reading the status of order {order_id}"))?;
    let checkout_url: String = row.try_get("checkout_url")?;
    Ok(OrderView {
        order_id,
        event_id: row.try_get("event_id")?,
        reservation_id: row.try_get("reservation_id")?,
        checkout_url: (status == OrderStatus::AwaitingPayment).then_some(checkout_url),
        status,
        email: row.try_get("buyer_email")?,
        lines: Vec::new(),
        total: MoneyView {
            amount_minor: row.try_get("total_minor")?,
            currency: currency.clone(),
        },
        refunded: MoneyView {
            amount_minor: row.try_get("refunded_minor")?,
            currency,
        },
        tickets: Vec::new(),
        provider: row
            .try_get("provider")
            .with_context(|| format!("reading the payment provider of order {order_id}"))?,
        created_at: row.try_get("placed_at")?,
        paid_at: row.try_get("paid_at")?,
        attendees: Vec::new(),
        code: row.try_get("code")?,
    })
}

/// The views of order `rows`, their lines and tickets filled in with one query each.
pub(super) async fn with_details(pool: &PgPool, rows: &[PgRow]) -> anyhow::Result<Vec<OrderView>> {
    let mut views = rows
        .iter()
        .map(order_view)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ids: Vec<Uuid> = views.iter().map(|view| view.order_id).collect();
    let mut lines: HashMap<Uuid, Vec<OrderLineView>> = HashMap::new();
    for row in sqlx::query(
        "SELECT l.order_id, l.ticket_type_id, l.name, l.quantity, l.unit_price_minor, \
                l.list_price_minor, o.currency \
           FROM order_lines l JOIN orders o USING (order_id) \
          WHERE l.order_id = ANY($1) ORDER BY l.name",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .context("reading order lines")?
    {
        let currency: String = row.try_get("currency")?;
        let list_price: Option<i64> = row.try_get("list_price_minor")?;
        lines
            .entry(row.try_get("order_id")?)
            .or_default()
            .push(OrderLineView {
                ticket_type_id: row.try_get("ticket_type_id")?,
                name: row.try_get("name")?,
                quantity: row.try_get("quantity")?,
                list_unit_price: list_price.map(|amount_minor| MoneyView {
                    amount_minor,
                    currency: currency.clone(),
                }),
                unit_price: MoneyView {
                    amount_minor: row.try_get("unit_price_minor")?,
                    currency,
                },
            });
    }
    let mut tickets: HashMap<Uuid, Vec<OrderTicketView>> = HashMap::new();
    for row in sqlx::query(
        "SELECT ot.order_id, ot.ticket_id, ot.ticket_type_id, ot.status, \
                t.attendee_name, t.attendee_email \
           FROM order_tickets ot LEFT JOIN tickets t ON t.ticket_id = ot.ticket_id \
          WHERE ot.order_id = ANY($1) ORDER BY ot.ticket_id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .context("reading order tickets")?
    {
        let ticket_id: Uuid = row.try_get("ticket_id")?;
        tickets
            .entry(row.try_get("order_id")?)
            .or_default()
            .push(OrderTicketView {
                ticket_id,
                ticket_type_id: row.try_get("ticket_type_id")?,
                status: row
                    .try_get("status")
                    .with_context(|| format!("reading the status of ticket {ticket_id}"))?,
                checked_in_at: None,
                qr_svg_url: None,
                qr_png_url: None,
                attendee_name: row.try_get("attendee_name")?,
                attendee_email: row.try_get("attendee_email")?,
            });
    }
    for view in &mut views {
        view.lines = lines.remove(&view.order_id).unwrap_or_default();
        view.tickets = tickets.remove(&view.order_id).unwrap_or_default();
    }
    fill_attendees(pool, &mut views).await?;
    Ok(views)
}

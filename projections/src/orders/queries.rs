//! Reads of the orders read model, and the shapes they answer with (served as JSON).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalogue::MoneyView;

// Enums rather than text so the OpenAPI document lists the values and clients can check
// their comparisons; read from the `orders` and `order_tickets` columns, whose text
// matches the wire names.
/// Where an order stands: `awaiting_payment`, `payment_pending` (a bank payment
/// settling), `payment_received` (tickets on their way), `paid`, `partially_refunded`,
/// `refunded`, `payment_refused` (paid after the hold lapsed with no tickets left;
/// refunded automatically), `expired` or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OrderStatus {
    /// Checkout started; the buyer has not paid yet.
    AwaitingPayment,
    /// The buyer completed checkout; a bank payment is settling.
    PaymentPending,
    /// The provider says paid; tickets are on their way.
    PaymentReceived,
    /// Paid, tickets issued.
    Paid,
    /// Some tickets were refunded.
    PartiallyRefunded,
    /// Every ticket (or the whole late payment) was refunded.
    Refunded,
    /// Paid after the hold lapsed with no tickets left; refunded automatically.
    PaymentRefused,
    /// The checkout session expired unpaid.
    Expired,
    /// The buyer cancelled, or the payment failed.
    Cancelled,
}

impl From<carneau_domain::order::OrderStatus> for OrderStatus {
    fn from(status: carneau_domain::order::OrderStatus) -> Self {
        use carneau_domain::order::OrderStatus as Domain;
        match status {
            Domain::AwaitingPayment => Self::AwaitingPayment,
            Domain::PaymentPending => Self::PaymentPending,
            Domain::PaymentReceived => Self::PaymentReceived,
            Domain::Paid => Self::Paid,
            Domain::PartiallyRefunded => Self::PartiallyRefunded,
            Domain::Refunded => Self::Refunded,
            Domain::PaymentRefused => Self::PaymentRefused,
            Domain::Expired => Self::Expired,
            Domain::Cancelled => Self::Cancelled,
        }
    }
}

/// Whether a ticket of an order still admits: `valid`, or `refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OrderTicketStatus {
    /// It admits its holder.
    Valid,
    /// It was refunded and no longer admits.
    Refunded,
}

/// Who takes an order's payment: `stripe`, or `simulated` (no Stripe keys configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum PaymentProvider {
    /// Stripe Checkout.
    Stripe,
    /// The built-in simulated checkout (no Stripe keys configured).
    Simulated,
}

impl From<carneau_domain::order::PaymentProvider> for PaymentProvider {
    fn from(provider: carneau_domain::order::PaymentProvider) -> Self {
        use carneau_domain::order::PaymentProvider as Domain;
        match provider {
            Domain::Stripe => Self::Stripe,
            Domain::Simulated => Self::Simulated,
        }
    }
}

/// Some tickets of one type in an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderLineView {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Its name when the order was placed.
    pub name: String,
    /// How many tickets.
    pub quantity: i32,
    /// The price of one.
    pub unit_price: MoneyView,
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
}

const ORDER_COLUMNS: &str = "order_id, event_id, reservation_id, status, buyer_email, \
    total_minor, refunded_minor, currency, checkout_url, provider, placed_at, paid_at, account_id";

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
    let views = rows
        .iter()
        .map(order_view)
        .collect::<anyhow::Result<Vec<_>>>()?;
    with_details(pool, views).await
}

/// Every order of an event, newest first (at most 500), for its organiser.
pub async fn orders_of_event(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Vec<OrderView>> {
    let rows = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE event_id = $1 ORDER BY placed_at DESC LIMIT 500"
    ))
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's orders")?;
    let views = rows
        .iter()
        .map(order_view)
        .collect::<anyhow::Result<Vec<_>>>()?;
    with_details(pool, views).await
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
    })
}

/// Fills in lines and tickets of `views` with one query each.
async fn with_details(pool: &PgPool, mut views: Vec<OrderView>) -> anyhow::Result<Vec<OrderView>> {
    let ids: Vec<Uuid> = views.iter().map(|view| view.order_id).collect();
    let mut lines: HashMap<Uuid, Vec<OrderLineView>> = HashMap::new();
    for row in sqlx::query(
        "SELECT l.order_id, l.ticket_type_id, l.name, l.quantity, l.unit_price_minor, o.currency \
           FROM order_lines l JOIN orders o USING (order_id) \
          WHERE l.order_id = ANY($1) ORDER BY l.name",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .context("reading order lines")?
    {
        lines
            .entry(row.try_get("order_id")?)
            .or_default()
            .push(OrderLineView {
                ticket_type_id: row.try_get("ticket_type_id")?,
                name: row.try_get("name")?,
                quantity: row.try_get("quantity")?,
                unit_price: MoneyView {
                    amount_minor: row.try_get("unit_price_minor")?,
                    currency: row.try_get("currency")?,
                },
            });
    }
    let mut tickets: HashMap<Uuid, Vec<OrderTicketView>> = HashMap::new();
    for row in sqlx::query(
        "SELECT order_id, ticket_id, ticket_type_id, status FROM order_tickets \
          WHERE order_id = ANY($1) ORDER BY ticket_id",
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
                qr_svg_url: None,
                qr_png_url: None,
            });
    }
    for view in &mut views {
        view.lines = lines.remove(&view.order_id).unwrap_or_default();
        view.tickets = tickets.remove(&view.order_id).unwrap_or_default();
    }
    Ok(views)
}

/// Sales of one ticket type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketTypeSales {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Its name.
    pub name: String,
    /// How many exist.
    pub capacity: i64,
    /// Held by buyers who have not paid (unlapsed holds).
    pub held: i64,
    /// Sold and not refunded.
    pub sold: i64,
    /// Still for sale.
    pub available: i64,
    /// Tickets refunded so far.
    pub refunded: i64,
    /// Money taken for it, less refunds.
    pub revenue: MoneyView,
}

/// An event's sales, for its organiser's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventSales {
    /// The event.
    pub event_id: Uuid,
    /// One entry per ticket type.
    pub ticket_types: Vec<TicketTypeSales>,
    /// Revenue of all ticket types.
    pub total_revenue: MoneyView,
    /// Orders paid (including those refunded since).
    pub orders_paid: i64,
}

/// The sales figures of `event_id`; `None` when the catalogue does not know the event.
pub async fn event_sales(pool: &PgPool, event_id: Uuid) -> anyhow::Result<Option<EventSales>> {
    let currency: Option<String> =
        sqlx::query_scalar("SELECT currency FROM catalogue_events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(pool)
            .await
            .context("reading the event's currency")?;
    let Some(currency) = currency else {
        return Ok(None);
    };
    let availability = crate::inventory::availability(pool, event_id).await?;
    let rows = sqlx::query(
        "SELECT t.ticket_type_id, t.name, coalesce(s.revenue_minor, 0) AS revenue_minor, \
                coalesce(s.tickets_refunded, 0) AS refunded \
           FROM catalogue_ticket_types t \
           LEFT JOIN ticket_type_sales s \
                  ON s.event_id = t.event_id AND s.ticket_type_id = t.ticket_type_id \
          WHERE t.event_id = $1 ORDER BY t.name",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading sales per ticket type")?;
    let mut ticket_types = Vec::with_capacity(rows.len());
    let mut total = 0;
    for row in rows {
        let ticket_type_id: Uuid = row.try_get("ticket_type_id")?;
        let counts = availability
            .get(&ticket_type_id)
            .copied()
            .unwrap_or_default();
        let revenue: i64 = row.try_get("revenue_minor")?;
        total += revenue;
        ticket_types.push(TicketTypeSales {
            ticket_type_id,
            name: row.try_get("name")?,
            capacity: counts.capacity,
            held: counts.held,
            sold: counts.sold,
            available: counts.available,
            refunded: i64::from(row.try_get::<i32, _>("refunded")?),
            revenue: MoneyView {
                amount_minor: revenue,
                currency: currency.clone(),
            },
        });
    }
    let orders_paid: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders WHERE event_id = $1 \
            AND status IN ('paid', 'partially_refunded', 'refunded') AND paid_at IS NOT NULL",
    )
    .bind(event_id)
    .fetch_one(pool)
    .await
    .context("counting paid orders")?;
    Ok(Some(EventSales {
        event_id,
        ticket_types,
        total_revenue: MoneyView {
            amount_minor: total,
            currency,
        },
        orders_paid,
    }))
}

/// What the payments process manager has to do next, as the read model sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentsWork {
    /// Orders awaiting payment whose hold has lapsed: expire the session, release.
    pub lapsed: Vec<Uuid>,
    /// Orders whose payment is recorded but not fulfilled (a crash or a failure between).
    pub unfulfilled: Vec<Uuid>,
    /// Orders with a refund requested and not carried out, or refunded tickets not back
    /// on sale yet.
    pub refunds: Vec<Uuid>,
    /// Paid orders of cancelled events.
    pub cancelled_event_orders: Vec<Uuid>,
}

/// Up to `limit` orders of each kind of pending work at `now`. Payments and refunds in
/// flight get 2 seconds to finish on their own path (the webhook or the organiser's
/// request) before the process manager takes them over.
pub async fn work(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> anyhow::Result<PaymentsWork> {
    let ids = |sql: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>(sql)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
            .with_context(|| format!("payments work: {sql}"))
    };
    Ok(PaymentsWork {
        lapsed: ids(
            "SELECT order_id FROM orders WHERE status = 'awaiting_payment' \
               AND payment_due_by <= $1 ORDER BY payment_due_by LIMIT $2",
        )
        .await?,
        unfulfilled: ids(
            "SELECT order_id FROM orders WHERE status = 'payment_received' \
               AND updated_at <= $1 - interval '2 seconds' ORDER BY updated_at LIMIT $2",
        )
        .await?,
        refunds: ids(
            "SELECT DISTINCT order_id FROM (SELECT order_id FROM order_refunds \
               WHERE (status = 'requested' OR (ticket_count > 0 AND NOT returned)) \
                 AND requested_at <= $1 - interval '2 seconds' \
               ORDER BY requested_at LIMIT $2) r",
        )
        .await?,
        cancelled_event_orders: ids(
            "SELECT o.order_id FROM orders o JOIN catalogue_events e USING (event_id) \
              WHERE e.status = 'cancelled' AND o.status IN ('paid', 'partially_refunded') \
                AND o.updated_at <= $1 \
                AND NOT EXISTS (SELECT 1 FROM order_refunds r WHERE r.order_id = o.order_id \
                                   AND r.reason = 'event_cancelled') \
              ORDER BY o.placed_at LIMIT $2",
        )
        .await?,
    })
}

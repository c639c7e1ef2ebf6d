//! An event's sales figures per ticket type, for its organiser's dashboard.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Row};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalogue::MoneyView;

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

//! The `orders` projector: Order events into `orders`, `order_lines`, `order_tickets`,
//! `order_refunds` and `ticket_type_sales`; the inventory's `TicketsReturned` marks a
//! refund's tickets as back on sale.

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::order::{Order, OrderEvent, OrderStatus, PlacedOrder};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::log::Interest;
use crate::runner::{Batch, Projector};

/// Builds the orders read model.
#[derive(Debug, Default)]
pub struct OrdersProjector;

#[async_trait]
impl Projector for OrdersProjector {
    fn name(&self) -> &'static str {
        "orders"
    }

    /// Inventory events: only `TicketsReturned` (a refund back on sale); every order event.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Order::TYPE],
            event_types: &["TicketsReturned"],
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        for recorded in events {
            // Only this one inventory event matters here: the others are not decoded.
            if recorded.event_type == "TicketsReturned" {
                if let Some((
                    _,
                    InventoryEvent::TicketsReturned {
                        order_id,
                        refund_number,
                        ..
                    },
                )) = recorded.decode_of::<Inventory>()?
                {
                    sqlx::query(
                        "UPDATE order_refunds SET returned = true \
                         WHERE order_id = $1 AND refund_number = $2",
                    )
                    .bind(order_id.as_uuid())
                    .bind(i64::from(refund_number) as i32)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            if let Some((order_id, event)) = recorded.decode_of::<Order>()? {
                apply_order_event(tx, order_id, event).await?;
            }
        }
        Ok(())
    }
}

async fn set_status(
    tx: &mut Transaction<'_, Postgres>,
    order_id: Uuid,
    status: OrderStatus,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE order_id = $1")
        .bind(order_id)
        .bind(status.as_str())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn apply_order_event(
    tx: &mut Transaction<'_, Postgres>,
    order_id: Uuid,
    event: OrderEvent,
) -> anyhow::Result<()> {
    match event {
        OrderEvent::OrderPlaced(PlacedOrder {
            event_id,
            reservation_id,
            buyer_email,
            account_id,
            lines,
            total,
            provider,
            session_id,
            checkout_url,
            payment_due_by,
            placed_at,
            ..
        }) => {
            sqlx::query(
                r#"
                INSERT INTO orders
                    (order_id, event_id, reservation_id, buyer_email, account_id, status,
                     total_minor, currency, provider, session_id, checkout_url, payment_due_by,
                     placed_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, 'awaiting_payment', $6, $7, $8, $9, $10, $11, $12, $12)
                ON CONFLICT (order_id) DO NOTHING
                "#,
            )
            .bind(order_id)
            .bind(event_id.as_uuid())
            .bind(reservation_id.as_uuid())
            .bind(buyer_email.as_str())
            .bind(account_id)
            .bind(total.amount_minor)
            .bind(total.currency.as_str())
            .bind(provider.as_str())
            .bind(&session_id)
            .bind(&checkout_url)
            .bind(payment_due_by)
            .bind(placed_at)
            .execute(&mut **tx)
            .await?;
            for line in &lines {
                sqlx::query(
                    "INSERT INTO order_lines (order_id, ticket_type_id, name, quantity, unit_price_minor) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(order_id)
                .bind(line.ticket_type_id.as_uuid())
                .bind(&line.name)
                .bind(i32::try_from(line.quantity.get()).context("quantity")?)
                .bind(line.unit_price.amount_minor)
                .execute(&mut **tx)
                .await?;
            }
        }
        OrderEvent::PaymentReceived { received_at, .. } => {
            sqlx::query(
                "UPDATE orders SET status = 'payment_received', paid_at = $2, updated_at = $2 \
                 WHERE order_id = $1",
            )
            .bind(order_id)
            .bind(received_at)
            .execute(&mut **tx)
            .await?;
        }
        OrderEvent::PaymentPending { pending_at, .. } => {
            set_status(tx, order_id, OrderStatus::PaymentPending, pending_at).await?;
        }
        OrderEvent::TicketsIssued {
            event_id,
            tickets,
            issued_at,
            ..
        } => {
            for ticket in &tickets {
                sqlx::query(
                    "INSERT INTO order_tickets (ticket_id, order_id, event_id, ticket_type_id, status) \
                     VALUES ($1, $2, $3, $4, 'valid') ON CONFLICT DO NOTHING",
                )
                .bind(ticket.ticket_id.as_uuid())
                .bind(order_id)
                .bind(event_id.as_uuid())
                .bind(ticket.ticket_type_id.as_uuid())
                .execute(&mut **tx)
                .await?;
            }
            // Revenue: every issued ticket at its line's price.
            sqlx::query(
                r#"
                INSERT INTO ticket_type_sales
                    (event_id, ticket_type_id, tickets_issued, revenue_minor, currency)
                SELECT o.event_id, l.ticket_type_id, l.quantity, l.quantity * l.unit_price_minor,
                       o.currency
                  FROM order_lines l JOIN orders o USING (order_id)
                 WHERE l.order_id = $1
                ON CONFLICT (event_id, ticket_type_id) DO UPDATE
                   SET tickets_issued = ticket_type_sales.tickets_issued + EXCLUDED.tickets_issued,
                       revenue_minor = ticket_type_sales.revenue_minor + EXCLUDED.revenue_minor
                "#,
            )
            .bind(order_id)
            .execute(&mut **tx)
            .await?;
            set_status(tx, order_id, OrderStatus::Paid, issued_at).await?;
        }
        OrderEvent::LatePaymentRefused { refused_at } => {
            set_status(tx, order_id, OrderStatus::PaymentRefused, refused_at).await?;
        }
        OrderEvent::OrderExpired { expired_at, .. } => {
            set_status(tx, order_id, OrderStatus::Expired, expired_at).await?;
        }
        OrderEvent::OrderCancelled { cancelled_at, .. } => {
            set_status(tx, order_id, OrderStatus::Cancelled, cancelled_at).await?;
        }
        OrderEvent::RefundRequested {
            refund_number,
            ticket_ids,
            amount,
            reason,
            requested_at,
        } => {
            let reason = serde_json::to_value(reason)?
                .as_str()
                .unwrap_or_default()
                .to_owned();
            sqlx::query(
                "INSERT INTO order_refunds \
                     (order_id, refund_number, amount_minor, reason, ticket_count, status, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, 'requested', $6) ON CONFLICT DO NOTHING",
            )
            .bind(order_id)
            .bind(i32::try_from(refund_number).context("refund number")?)
            .bind(amount.amount_minor)
            .bind(reason)
            .bind(i32::try_from(ticket_ids.len()).context("ticket count")?)
            .bind(requested_at)
            .execute(&mut **tx)
            .await?;
        }
        OrderEvent::TicketsRefunded {
            refund_number,
            ticket_ids,
            amount,
            refunded_at,
            ..
        } => {
            let ids: Vec<Uuid> = ticket_ids.iter().map(|id| id.as_uuid()).collect();
            sqlx::query(
                "UPDATE order_refunds SET status = 'completed', completed_at = $3 \
                 WHERE order_id = $1 AND refund_number = $2",
            )
            .bind(order_id)
            .bind(i32::try_from(refund_number).context("refund number")?)
            .bind(refunded_at)
            .execute(&mut **tx)
            .await?;
            // Revenue goes down by what each refunded ticket was sold for.
            sqlx::query(
                r#"
                UPDATE ticket_type_sales s
                   SET tickets_refunded = s.tickets_refunded + r.tickets,
                       revenue_minor = s.revenue_minor - r.amount
                  FROM (SELECT t.event_id, t.ticket_type_id, count(*)::int AS tickets,
                               sum(l.unit_price_minor)::bigint AS amount
                          FROM order_tickets t
                          JOIN order_lines l
                            ON l.order_id = t.order_id AND l.ticket_type_id = t.ticket_type_id
                         WHERE t.ticket_id = ANY($1) AND t.status = 'valid'
                         GROUP BY t.event_id, t.ticket_type_id) r
                 WHERE s.event_id = r.event_id AND s.ticket_type_id = r.ticket_type_id
                "#,
            )
            .bind(&ids)
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE order_tickets SET status = 'refunded' WHERE ticket_id = ANY($1)")
                .bind(&ids)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                r#"
                UPDATE orders o
                   SET refunded_minor = o.refunded_minor + $2,
                       updated_at = $3,
                       status = CASE
                           WHEN o.status = 'payment_refused' THEN 'refunded'
                           WHEN EXISTS (SELECT 1 FROM order_tickets t
                                         WHERE t.order_id = o.order_id AND t.status = 'valid')
                               THEN 'partially_refunded'
                           ELSE 'refunded' END
                 WHERE o.order_id = $1
                "#,
            )
            .bind(order_id)
            .bind(amount.amount_minor)
            .bind(refunded_at)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

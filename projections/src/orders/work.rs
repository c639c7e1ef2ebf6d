//! The orders that need the payments process manager's next step.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

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
    /// Orders whose asynchronous payment has been pending since before the limit: ask
    /// the provider once more, then take the payment or cancel.
    pub pending_too_long: Vec<Uuid>,
    /// Orders awaiting payment whose hold was sold to them at least 10 seconds ago: a
    /// payment sells the hold before the order records it, and stopped in between.
    pub sold_awaiting_payment: Vec<Uuid>,
}

/// Up to `limit` orders of each kind of pending work at `now`; payments pending since
/// before `pending_since` are due. Payments and refunds in flight get 2 seconds to finish
/// on their own path (the webhook or the organiser's request) before the process manager
/// takes them over.
pub async fn work(
    pool: &PgPool,
    now: DateTime<Utc>,
    limit: i64,
    pending_since: DateTime<Utc>,
) -> anyhow::Result<PaymentsWork> {
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
        // Index orders_payment_pending.
        pending_too_long: sqlx::query_scalar(
            "SELECT order_id FROM orders WHERE status = 'payment_pending' \
               AND updated_at <= $1 ORDER BY updated_at LIMIT $2",
        )
        .bind(pending_since)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("payments work: payments pending too long")?,
        // The sale's grace covers both read models' lag behind a payment in flight, whose
        // order append follows its sale by milliseconds.
        sold_awaiting_payment: ids("SELECT o.order_id FROM orders o \
              WHERE o.status IN ('awaiting_payment', 'payment_pending') \
                AND EXISTS (SELECT 1 FROM inventory_holds h \
                             WHERE h.event_id = o.event_id \
                               AND h.reservation_id = o.reservation_id \
                               AND h.status = 'sold' \
                               AND h.ended_at <= $1 - interval '10 seconds') \
              ORDER BY o.updated_at LIMIT $2")
        .await?,
    })
}

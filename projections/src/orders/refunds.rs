//! Writing a folded batch's refunds: the sales and tickets they take back, their
//! completion, and their tickets back on sale. Part of [`super::store`]'s write, in its
//! order.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// Refunded tickets: revenue goes down by what each still valid one was sold for, then
/// they turn refunded (a ticket refunded twice counts once, as it did event by event).
pub(super) async fn refund_tickets(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[Uuid],
) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
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
    .bind(ids)
    .execute(&mut **tx)
    .await
    .context("taking refunded tickets off the sales")?;
    sqlx::query("UPDATE order_tickets SET status = 'refunded' WHERE ticket_id = ANY($1)")
        .bind(ids)
        .execute(&mut **tx)
        .await
        .context("marking tickets refunded")?;
    Ok(())
}

/// Carried-out refunds, each with its (last) completion time.
pub(super) async fn complete_refunds(
    tx: &mut Transaction<'_, Postgres>,
    completed: &[(Uuid, i32, DateTime<Utc>)],
) -> anyhow::Result<()> {
    if completed.is_empty() {
        return Ok(());
    }
    let orders: Vec<Uuid> = completed.iter().map(|row| row.0).collect();
    let numbers: Vec<i32> = completed.iter().map(|row| row.1).collect();
    let at: Vec<DateTime<Utc>> = completed.iter().map(|row| row.2).collect();
    sqlx::query(
        "UPDATE order_refunds r SET status = 'completed', completed_at = c.at \
           FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS c(order_id, number, at) \
          WHERE r.order_id = c.order_id AND r.refund_number = c.number",
    )
    .bind(&orders)
    .bind(&numbers)
    .bind(&at)
    .execute(&mut **tx)
    .await
    .context("completing refunds")?;
    Ok(())
}

/// Refunds whose tickets the inventory put back on sale.
pub(super) async fn mark_returned(
    tx: &mut Transaction<'_, Postgres>,
    returned: &[(Uuid, i32)],
) -> anyhow::Result<()> {
    if returned.is_empty() {
        return Ok(());
    }
    let (orders, numbers): (Vec<Uuid>, Vec<i32>) = returned.iter().copied().unzip();
    sqlx::query(
        "UPDATE order_refunds r SET returned = true \
           FROM unnest($1::uuid[], $2::int[]) AS c(order_id, number) \
          WHERE r.order_id = c.order_id AND r.refund_number = c.number",
    )
    .bind(&orders)
    .bind(&numbers)
    .execute(&mut **tx)
    .await
    .context("marking refunds returned")?;
    Ok(())
}

//! Writing a folded batch of the orders read model: one statement per table and kind of
//! change, each over arrays (`unnest`), in the order the log's facts depend on each other
//! (rows before the changes to them, sales before the tickets they count turn refunded).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::fold::{KnownOrder, OrdersFold};
use super::order_attendees::write_attendees;
use super::refunds;

/// What the read model holds of `order_ids` before the batch: all the refund rule reads.
pub(super) async fn load_known(
    tx: &mut Transaction<'_, Postgres>,
    order_ids: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, KnownOrder>> {
    let mut known = HashMap::new();
    if order_ids.is_empty() {
        return Ok(known);
    }
    let refused: Vec<(Uuid, bool)> = sqlx::query_as(
        "SELECT order_id, status = 'payment_refused' FROM orders WHERE order_id = ANY($1)",
    )
    .bind(order_ids)
    .fetch_all(&mut **tx)
    .await
    .context("loading the refunded orders")?;
    for (order_id, refused) in refused {
        known.insert(
            order_id,
            KnownOrder {
                refused,
                tickets: HashMap::new(),
            },
        );
    }
    let tickets: Vec<(Uuid, Uuid, bool)> = sqlx::query_as(
        "SELECT order_id, ticket_id, status = 'valid' FROM order_tickets \
          WHERE order_id = ANY($1)",
    )
    .bind(order_ids)
    .fetch_all(&mut **tx)
    .await
    .context("loading the refunded orders' tickets")?;
    for (order_id, ticket_id, valid) in tickets {
        known
            .entry(order_id)
            .or_default()
            .tickets
            .insert(ticket_id, valid);
    }
    Ok(known)
}

/// Writes `fold` in the caller's transaction.
pub(super) async fn write(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    insert_placed(tx, fold).await?;
    write_attendees(tx, fold).await?;
    insert_tickets(tx, fold).await?;
    insert_requested(tx, fold).await?;
    add_issued_sales(tx, &fold.issued).await?;
    refunds::refund_tickets(tx, &fold.refunded_tickets).await?;
    refunds::complete_refunds(tx, &fold.completed).await?;
    refunds::mark_returned(tx, &fold.returned).await?;
    change_orders(tx, fold).await?;
    Ok(())
}

/// Placed orders and their lines; an order already there keeps its rows.
async fn insert_placed(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    if fold.placed.is_empty() {
        return Ok(());
    }
    let rows = &fold.placed;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.order_id).collect();
    let events: Vec<Uuid> = rows
        .iter()
        .map(|row| row.order.event_id.as_uuid())
        .collect();
    let reservations: Vec<Uuid> = rows
        .iter()
        .map(|row| row.order.reservation_id.as_uuid())
        .collect();
    let emails: Vec<String> = rows
        .iter()
        .map(|row| row.order.buyer_email.as_str().to_owned())
        .collect();
    let accounts: Vec<Option<Uuid>> = rows.iter().map(|row| row.order.account_id).collect();
    let totals: Vec<i64> = rows
        .iter()
        .map(|row| row.order.total.amount_minor)
        .collect();
    let currencies: Vec<String> = rows
        .iter()
        .map(|row| row.order.total.currency.as_str().to_owned())
        .collect();
    let providers: Vec<&str> = rows.iter().map(|row| row.order.provider.as_str()).collect();
    let sessions: Vec<&str> = rows
        .iter()
        .map(|row| row.order.session_id.as_str())
        .collect();
    let urls: Vec<&str> = rows
        .iter()
        .map(|row| row.order.checkout_url.as_str())
        .collect();
    let due: Vec<DateTime<Utc>> = rows.iter().map(|row| row.order.payment_due_by).collect();
    let placed: Vec<DateTime<Utc>> = rows.iter().map(|row| row.order.placed_at).collect();
    let codes: Vec<Option<String>> = rows
        .iter()
        .map(|row| {
            row.order
                .code
                .as_ref()
                .map(|claim| claim.code_use.code.to_string())
        })
        .collect();
    // `WITH ORDINALITY` keeps the log's order, so a repeated order keeps its first row.
    sqlx::query(
        r#"
        INSERT INTO orders
            (order_id, event_id, reservation_id, buyer_email, account_id, status,
             total_minor, currency, provider, session_id, checkout_url, payment_due_by,
             placed_at, updated_at, code)
        SELECT i, e, r, m, a, 'awaiting_payment', t, c, p, s, u, d, pl, pl, k
          FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::bigint[],
                      $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                      $12::timestamptz[], $13::text[])
               WITH ORDINALITY AS placed(i, e, r, m, a, t, c, p, s, u, d, pl, k, n)
         ORDER BY n
        ON CONFLICT (order_id) DO NOTHING
        "#,
    )
    .bind(&ids)
    .bind(&events)
    .bind(&reservations)
    .bind(&emails)
    .bind(&accounts)
    .bind(&totals)
    .bind(&currencies)
    .bind(&providers)
    .bind(&sessions)
    .bind(&urls)
    .bind(&due)
    .bind(&placed)
    .bind(&codes)
    .execute(&mut **tx)
    .await
    .context("inserting placed orders")?;

    let mut line_orders = Vec::new();
    let mut ticket_types = Vec::new();
    let mut names = Vec::new();
    let mut quantities = Vec::new();
    let mut prices = Vec::new();
    let mut list_prices = Vec::new();
    for row in rows {
        for line in &row.order.lines {
            line_orders.push(row.order_id);
            ticket_types.push(line.ticket_type_id.as_uuid());
            names.push(line.name.as_str());
            quantities.push(i32::try_from(line.quantity.get()).context("quantity")?);
            prices.push(line.unit_price.amount_minor);
            list_prices.push(line.list_price.map(|price| price.amount_minor));
        }
    }
    sqlx::query(
        "INSERT INTO order_lines \
                (order_id, ticket_type_id, name, quantity, unit_price_minor, list_price_minor) \
         SELECT o, t, n, q, p, l FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], \
                $5::bigint[], $6::bigint[]) WITH ORDINALITY AS lines(o, t, n, q, p, l, k) \
          ORDER BY k \
         ON CONFLICT DO NOTHING",
    )
    .bind(&line_orders)
    .bind(&ticket_types)
    .bind(&names)
    .bind(&quantities)
    .bind(&prices)
    .bind(&list_prices)
    .execute(&mut **tx)
    .await
    .context("inserting order lines")?;
    Ok(())
}

/// Issued tickets, valid; a ticket already there keeps its row.
async fn insert_tickets(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    if fold.tickets.is_empty() {
        return Ok(());
    }
    let rows = &fold.tickets;
    let tickets: Vec<Uuid> = rows.iter().map(|row| row.ticket_id).collect();
    let orders: Vec<Uuid> = rows.iter().map(|row| row.order_id).collect();
    let events: Vec<Uuid> = rows.iter().map(|row| row.event_id).collect();
    let types: Vec<Uuid> = rows.iter().map(|row| row.ticket_type_id).collect();
    sqlx::query(
        "INSERT INTO order_tickets (ticket_id, order_id, event_id, ticket_type_id, status) \
         SELECT t, o, e, y, 'valid' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[]) \
                WITH ORDINALITY AS tickets(t, o, e, y, k) ORDER BY k \
         ON CONFLICT DO NOTHING",
    )
    .bind(&tickets)
    .bind(&orders)
    .bind(&events)
    .bind(&types)
    .execute(&mut **tx)
    .await
    .context("inserting issued tickets")?;
    Ok(())
}

/// Requested refunds; a refund already there keeps its row.
async fn insert_requested(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    if fold.requested.is_empty() {
        return Ok(());
    }
    let rows = &fold.requested;
    let orders: Vec<Uuid> = rows.iter().map(|row| row.order_id).collect();
    let numbers: Vec<i32> = rows.iter().map(|row| row.refund_number).collect();
    let amounts: Vec<i64> = rows.iter().map(|row| row.amount_minor).collect();
    let reasons: Vec<&str> = rows.iter().map(|row| row.reason.as_str()).collect();
    let counts: Vec<i32> = rows.iter().map(|row| row.ticket_count).collect();
    let requested: Vec<DateTime<Utc>> = rows.iter().map(|row| row.requested_at).collect();
    sqlx::query(
        "INSERT INTO order_refunds \
             (order_id, refund_number, amount_minor, reason, ticket_count, status, requested_at) \
         SELECT o, r, a, why, c, 'requested', at \
           FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::text[], $5::int[], \
                       $6::timestamptz[]) WITH ORDINALITY AS refunds(o, r, a, why, c, at, k) \
          ORDER BY k \
         ON CONFLICT DO NOTHING",
    )
    .bind(&orders)
    .bind(&numbers)
    .bind(&amounts)
    .bind(&reasons)
    .bind(&counts)
    .bind(&requested)
    .execute(&mut **tx)
    .await
    .context("inserting requested refunds")?;
    Ok(())
}

/// Revenue: every issue adds its order's lines at their price, once per issue.
async fn add_issued_sales(
    tx: &mut Transaction<'_, Postgres>,
    issued: &[(Uuid, i32)],
) -> anyhow::Result<()> {
    if issued.is_empty() {
        return Ok(());
    }
    let (orders, times): (Vec<Uuid>, Vec<i32>) = issued.iter().copied().unzip();
    // Grouped per ticket type: one statement may not update a row twice. The currency is
    // the event's, the same on every order of it.
    sqlx::query(
        r#"
        INSERT INTO ticket_type_sales
            (event_id, ticket_type_id, tickets_issued, revenue_minor, currency)
        SELECT o.event_id, l.ticket_type_id, sum(l.quantity * i.times)::int,
               sum(l.quantity * l.unit_price_minor * i.times)::bigint, min(o.currency)
          FROM unnest($1::uuid[], $2::int[]) AS i(order_id, times)
          JOIN order_lines l ON l.order_id = i.order_id
          JOIN orders o ON o.order_id = i.order_id
         GROUP BY o.event_id, l.ticket_type_id
        ON CONFLICT (event_id, ticket_type_id) DO UPDATE
           SET tickets_issued = ticket_type_sales.tickets_issued + EXCLUDED.tickets_issued,
               revenue_minor = ticket_type_sales.revenue_minor + EXCLUDED.revenue_minor
        "#,
    )
    .bind(&orders)
    .bind(&times)
    .execute(&mut **tx)
    .await
    .context("adding issued tickets to the sales")?;
    Ok(())
}

/// Existing orders' last status, change time and payment, and their refunds' total.
async fn change_orders(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    if fold.changes.is_empty() {
        return Ok(());
    }
    let rows = &fold.changes;
    let orders: Vec<Uuid> = rows.iter().map(|row| row.order_id).collect();
    let statuses: Vec<&str> = rows.iter().map(|row| row.status).collect();
    let updated: Vec<DateTime<Utc>> = rows.iter().map(|row| row.updated_at).collect();
    let paid: Vec<Option<DateTime<Utc>>> = rows.iter().map(|row| row.paid_at).collect();
    let refunded: Vec<i64> = rows.iter().map(|row| row.refunded_minor).collect();
    sqlx::query(
        r#"
        UPDATE orders o
           SET status = c.status, updated_at = c.updated_at,
               paid_at = coalesce(c.paid_at, o.paid_at),
               refunded_minor = o.refunded_minor + c.refunded
          FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[],
                      $5::bigint[]) AS c(order_id, status, updated_at, paid_at, refunded)
         WHERE o.order_id = c.order_id
        "#,
    )
    .bind(&orders)
    .bind(&statuses)
    .bind(&updated)
    .bind(&paid)
    .bind(&refunded)
    .execute(&mut **tx)
    .await
    .context("changing orders")?;
    Ok(())
}

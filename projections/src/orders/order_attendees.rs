//! Who each seat of every order is for, whatever the order's status (table
//! `order_attendees`): the details given at checkout (`OrderPlaced`) and each correction
//! (`AttendeeCorrected`), one row per seat with a name or an email. The organiser's
//! orders search reads the names (issued tickets carry names too, in `tickets`, but an
//! unpaid order has no tickets), and the organiser's list shows the details.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

use super::fold::{AttendeeRow, OrdersFold};
use super::views::{AttendeeView, OrderView};

/// The rows as the statements' arrays.
struct Columns<'a> {
    orders: Vec<Uuid>,
    seats: Vec<i32>,
    events: Vec<Uuid>,
    names: Vec<Option<&'a str>>,
    emails: Vec<Option<&'a str>>,
}

impl<'a> Columns<'a> {
    fn of(rows: &'a [AttendeeRow]) -> Self {
        Self {
            orders: rows.iter().map(|row| row.order_id).collect(),
            seats: rows.iter().map(|row| row.seat).collect(),
            events: rows.iter().map(|row| row.event_id).collect(),
            names: rows.iter().map(|row| row.name.as_deref()).collect(),
            emails: rows.iter().map(|row| row.email.as_deref()).collect(),
        }
    }
}

/// Writes the batch's attendees: those given at checkout first (a seat with a row keeps
/// it, so a replayed `OrderPlaced` cannot undo a later correction), then the corrections
/// (a seat left with neither detail loses its row).
pub(super) async fn write_attendees(
    tx: &mut Transaction<'_, Postgres>,
    fold: &OrdersFold,
) -> anyhow::Result<()> {
    if !fold.named.is_empty() {
        upsert(tx, &fold.named, "DO NOTHING")
            .await
            .context("inserting the attendees given at checkout")?;
    }
    let (blank, corrected): (Vec<AttendeeRow>, Vec<AttendeeRow>) = fold
        .renamed
        .iter()
        .cloned()
        .partition(AttendeeRow::is_blank);
    if !corrected.is_empty() {
        upsert(
            tx,
            &corrected,
            "DO UPDATE SET name = excluded.name, email = excluded.email",
        )
        .await
        .context("writing the corrected attendees")?;
    }
    if !blank.is_empty() {
        let columns = Columns::of(&blank);
        sqlx::query(
            r#"
            DELETE FROM order_attendees a
             USING unnest($1::uuid[], $2::int[]) AS gone(order_id, seat)
             WHERE a.order_id = gone.order_id AND a.seat = gone.seat
            "#,
        )
        .bind(&columns.orders)
        .bind(&columns.seats)
        .execute(&mut **tx)
        .await
        .context("removing the blanked attendees")?;
    }
    Ok(())
}

/// `INSERT` of `rows` into `order_attendees`, `ON CONFLICT (order_id, seat) {on_conflict}`.
async fn upsert(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[AttendeeRow],
    on_conflict: &'static str,
) -> sqlx::Result<()> {
    let columns = Columns::of(rows);
    sqlx::query(&format!(
        r#"
        INSERT INTO order_attendees (order_id, seat, event_id, name, email)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[])
        ON CONFLICT (order_id, seat) {on_conflict}
        "#
    ))
    .bind(&columns.orders)
    .bind(&columns.seats)
    .bind(&columns.events)
    .bind(&columns.names)
    .bind(&columns.emails)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Fills each view's `attendees` from `order_attendees`, one per seat (seats without a
/// row are blank); orders without any row keep none.
pub(super) async fn fill_attendees(pool: &PgPool, views: &mut [OrderView]) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = views.iter().map(|view| view.order_id).collect();
    let mut found: HashMap<Uuid, Vec<(usize, AttendeeView)>> = HashMap::new();
    for row in sqlx::query(
        "SELECT order_id, seat, name, email FROM order_attendees \
          WHERE order_id = ANY($1) ORDER BY order_id, seat",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .context("reading the orders' attendees")?
    {
        let seat = usize::try_from(row.try_get::<i32, _>("seat")?).context("seat")?;
        found.entry(row.try_get("order_id")?).or_default().push((
            seat,
            AttendeeView {
                seat,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
            },
        ));
    }
    for view in views {
        let Some(rows) = found.remove(&view.order_id) else {
            continue;
        };
        let seats: usize = view
            .lines
            .iter()
            .map(|line| usize::try_from(line.quantity).unwrap_or_default())
            .sum::<usize>()
            .max(
                rows.iter()
                    .map(|(seat, _)| seat + 1)
                    .max()
                    .unwrap_or_default(),
            );
        let mut attendees: Vec<AttendeeView> = (0..seats)
            .map(|seat| AttendeeView {
                seat,
                name: None,
                email: None,
            })
            .collect();
        for (seat, attendee) in rows {
            if let Some(slot) = attendees.get_mut(seat) {
                *slot = attendee;
            }
        }
        view.attendees = attendees;
    }
    Ok(())
}

//! The `tickets` projector: Order and Admission facts into `tickets` and
//! `ticket_double_entries`. A batch is folded in memory first ([`TicketsFold`]) and
//! written in four statements.

use std::collections::BTreeMap;

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::admission::Admission;
use carneau_domain::order::Order;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::fold::{Attendee, CheckIn, DoubleEntry, IssuedTicket, TicketsFold};
use crate::log::Interest;
use crate::runner::{Batch, Projector};

/// Builds `tickets` and `ticket_double_entries`.
#[derive(Debug, Default)]
pub struct TicketsProjector;

#[async_trait]
impl Projector for TicketsProjector {
    fn name(&self) -> &'static str {
        "tickets"
    }

    /// Admissions (check-ins, double entries) and the order facts that issue, revoke or
    /// name tickets: an order's other facts are never fetched.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Admission::TYPE],
            event_types: &[
                "TicketsIssued",
                "RefundRequested",
                "TicketsRefunded",
                "AttendeeCorrected",
            ],
            metadata: false,
        })
    }

    /// Folds the batch in memory and writes it in four statements (see [`TicketsFold`]).
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let mut fold = TicketsFold::default();
        for recorded in batch.events {
            if let Some((order_id, event)) = recorded.decode_of::<Order>()? {
                fold.push_order(order_id, event);
            } else if let Some((_, event)) = recorded.decode_of::<Admission>()? {
                fold.push_admission(event)?;
            }
        }
        insert_tickets(tx, &fold.issued).await?;
        revoke(tx, &fold.revoked).await?;
        check_in(tx, &fold.checked_in).await?;
        insert_double_entries(tx, &fold.double_entries).await?;
        name_attendees(tx, &fold.attendees).await?;
        Ok(())
    }
}

/// Inserts the tickets issued; re-applying a batch changes nothing.
async fn insert_tickets(
    tx: &mut Transaction<'_, Postgres>,
    tickets: &[IssuedTicket],
) -> anyhow::Result<()> {
    if tickets.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = tickets.iter().map(|t| t.ticket_id).collect();
    let orders: Vec<Uuid> = tickets.iter().map(|t| t.order_id).collect();
    let events: Vec<Uuid> = tickets.iter().map(|t| t.event_id).collect();
    let types: Vec<Uuid> = tickets.iter().map(|t| t.ticket_type_id).collect();
    let accounts: Vec<Option<Uuid>> = tickets.iter().map(|t| t.account_id).collect();
    let emails: Vec<&str> = tickets.iter().map(|t| t.buyer_email.as_str()).collect();
    let issued: Vec<DateTime<Utc>> = tickets.iter().map(|t| t.issued_at).collect();
    let names: Vec<Option<&str>> = tickets.iter().map(|t| t.attendee.name.as_deref()).collect();
    let attendee_emails: Vec<Option<&str>> = tickets
        .iter()
        .map(|t| t.attendee.email.as_deref())
        .collect();
    // `WITH ORDINALITY`: a ticket issued twice keeps its first row, as fact by fact.
    sqlx::query(
        r#"
        INSERT INTO tickets (ticket_id, order_id, event_id, ticket_type_id, account_id,
                             buyer_email, issued_at, attendee_name, attendee_email)
        SELECT t, o, e, y, a, m, i, n, ae
          FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[],
                      $7::timestamptz[], $8::text[], $9::text[])
               WITH ORDINALITY AS issued(t, o, e, y, a, m, i, n, ae, k)
         ORDER BY k
        ON CONFLICT (ticket_id) DO NOTHING
        "#,
    )
    .bind(&ids)
    .bind(&orders)
    .bind(&events)
    .bind(&types)
    .bind(&accounts)
    .bind(&emails)
    .bind(&issued)
    .bind(&names)
    .bind(&attendee_emails)
    .execute(&mut **tx)
    .await
    .context("issuing tickets")?;
    Ok(())
}

/// Revokes the tickets not revoked yet: the first revocation keeps its time.
async fn revoke(
    tx: &mut Transaction<'_, Postgres>,
    revoked: &BTreeMap<Uuid, DateTime<Utc>>,
) -> anyhow::Result<()> {
    if revoked.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = revoked.keys().copied().collect();
    let at: Vec<DateTime<Utc>> = revoked.values().copied().collect();
    sqlx::query(
        r#"
        UPDATE tickets SET revoked_at = r.at
          FROM unnest($1::uuid[], $2::timestamptz[]) AS r(ticket_id, at)
         WHERE tickets.ticket_id = r.ticket_id AND tickets.revoked_at IS NULL
        "#,
    )
    .bind(&ids)
    .bind(&at)
    .execute(&mut **tx)
    .await
    .context("revoking tickets")?;
    Ok(())
}

/// Admits the tickets not admitted yet: the first check-in keeps its time and scanner.
async fn check_in(
    tx: &mut Transaction<'_, Postgres>,
    checked_in: &BTreeMap<Uuid, CheckIn>,
) -> anyhow::Result<()> {
    if checked_in.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = checked_in.keys().copied().collect();
    let at: Vec<DateTime<Utc>> = checked_in.values().map(|c| c.at).collect();
    let by: Vec<&str> = checked_in.values().map(|c| c.by.as_str()).collect();
    let devices: Vec<Option<&str>> = checked_in.values().map(|c| c.device.as_deref()).collect();
    sqlx::query(
        r#"
        UPDATE tickets
           SET checked_in_at = c.at, checked_in_by = c.by, checked_in_device = c.device
          FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[])
               AS c(ticket_id, at, by, device)
         WHERE tickets.ticket_id = c.ticket_id AND tickets.checked_in_at IS NULL
        "#,
    )
    .bind(&ids)
    .bind(&at)
    .bind(&by)
    .bind(&devices)
    .execute(&mut **tx)
    .await
    .context("checking tickets in")?;
    Ok(())
}

/// Records the double entries; one reported twice is kept once.
async fn insert_double_entries(
    tx: &mut Transaction<'_, Postgres>,
    entries: &[DoubleEntry],
) -> anyhow::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let tickets: Vec<Uuid> = entries.iter().map(|e| e.ticket_id).collect();
    let devices: Vec<&str> = entries.iter().map(|e| e.device_id.as_str()).collect();
    let scanned_at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.scanned_at).collect();
    let events: Vec<Uuid> = entries.iter().map(|e| e.event_id).collect();
    let scanned_by: Vec<serde_json::Value> = entries.iter().map(|e| e.scanned_by.clone()).collect();
    let synced_at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.synced_at).collect();
    let admitted_at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.admitted_at).collect();
    let admitted_by: Vec<serde_json::Value> =
        entries.iter().map(|e| e.admitted_by.clone()).collect();
    let admitted_devices: Vec<Option<&str>> = entries
        .iter()
        .map(|e| e.admitted_device_id.as_deref())
        .collect();
    sqlx::query(
        r#"
        INSERT INTO ticket_double_entries
               (ticket_id, device_id, scanned_at, event_id, scanned_by, synced_at,
                admitted_at, admitted_by, admitted_device_id)
        SELECT t, d, s, e, sb, sy, aa, ab, ad
          FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::jsonb[],
                      $6::timestamptz[], $7::timestamptz[], $8::jsonb[], $9::text[])
               WITH ORDINALITY AS entries(t, d, s, e, sb, sy, aa, ab, ad, k)
         ORDER BY k
        ON CONFLICT (ticket_id, device_id, scanned_at) DO NOTHING
        "#,
    )
    .bind(&tickets)
    .bind(&devices)
    .bind(&scanned_at)
    .bind(&events)
    .bind(&scanned_by)
    .bind(&synced_at)
    .bind(&admitted_at)
    .bind(&admitted_by)
    .bind(&admitted_devices)
    .execute(&mut **tx)
    .await
    .context("recording double entries")?;
    Ok(())
}

/// Writes each corrected ticket's attendee: the last correction of the batch, whole (a
/// correction that blanks an optional detail clears it).
async fn name_attendees(
    tx: &mut Transaction<'_, Postgres>,
    attendees: &BTreeMap<Uuid, Attendee>,
) -> anyhow::Result<()> {
    if attendees.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = attendees.keys().copied().collect();
    let names: Vec<Option<&str>> = attendees.values().map(|a| a.name.as_deref()).collect();
    let emails: Vec<Option<&str>> = attendees.values().map(|a| a.email.as_deref()).collect();
    sqlx::query(
        r#"
        UPDATE tickets SET attendee_name = c.name, attendee_email = c.email
          FROM unnest($1::uuid[], $2::text[], $3::text[]) AS c(ticket_id, name, email)
         WHERE tickets.ticket_id = c.ticket_id
        "#,
    )
    .bind(&ids)
    .bind(&names)
    .bind(&emails)
    .execute(&mut **tx)
    .await
    .context("naming attendees")?;
    Ok(())
}

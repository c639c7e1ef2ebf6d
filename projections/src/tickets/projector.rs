//! The `tickets` projector: Order and Admission facts into `tickets` and
//! `ticket_double_entries`.

use async_trait::async_trait;
use carneau_domain::admission::{Admission, AdmissionEvent};
use carneau_domain::order::{Order, OrderEvent};
use carneau_domain::TicketId;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

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

    /// Orders (tickets issued, refunded) and admissions (check-ins).
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Order::TYPE, Admission::TYPE],
            event_types: &[],
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        for recorded in events {
            if let Some((order_id, event)) = recorded.decode_of::<Order>()? {
                apply_order_event(tx, order_id, event).await?;
            } else if let Some((_, event)) = recorded.decode_of::<Admission>()? {
                apply_admission_event(tx, event).await?;
            }
        }
        Ok(())
    }
}

async fn apply_admission_event(
    tx: &mut Transaction<'_, Postgres>,
    event: AdmissionEvent,
) -> anyhow::Result<()> {
    match event {
        AdmissionEvent::TicketCheckedIn {
            ticket_id,
            checked_in_at,
            checked_in_by,
            offline,
            ..
        } => {
            sqlx::query(
                "UPDATE tickets SET checked_in_at = $2, checked_in_by = $3, checked_in_device = $4 \
                 WHERE ticket_id = $1 AND checked_in_at IS NULL",
            )
            .bind(ticket_id.as_uuid())
            .bind(checked_in_at)
            .bind(checked_in_by.to_string())
            .bind(offline.map(|scan| String::from(scan.device_id)))
            .execute(&mut **tx)
            .await?;
        }
        AdmissionEvent::DuplicateEntryRecorded {
            ticket_id,
            event_id,
            device_id,
            scanned_at,
            scanned_by,
            synced_at,
            admitted_at,
            admitted_by,
            admitted_device_id,
        } => {
            sqlx::query(
                r#"
                INSERT INTO ticket_double_entries
                       (ticket_id, device_id, scanned_at, event_id, scanned_by, synced_at,
                        admitted_at, admitted_by, admitted_device_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (ticket_id, device_id, scanned_at) DO NOTHING
                "#,
            )
            .bind(ticket_id.as_uuid())
            .bind(device_id.as_str())
            .bind(scanned_at)
            .bind(event_id.as_uuid())
            .bind(serde_json::to_value(&scanned_by)?)
            .bind(synced_at)
            .bind(admitted_at)
            .bind(serde_json::to_value(&admitted_by)?)
            .bind(admitted_device_id.map(String::from))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn apply_order_event(
    tx: &mut Transaction<'_, Postgres>,
    order_id: Uuid,
    event: OrderEvent,
) -> anyhow::Result<()> {
    match event {
        OrderEvent::TicketsIssued {
            event_id,
            buyer_email,
            account_id,
            tickets,
            issued_at,
            ..
        } => {
            let ids: Vec<Uuid> = tickets.iter().map(|t| t.ticket_id.as_uuid()).collect();
            let types: Vec<Uuid> = tickets.iter().map(|t| t.ticket_type_id.as_uuid()).collect();
            // One statement per order; re-applying it changes nothing.
            sqlx::query(
                r#"
                INSERT INTO tickets (ticket_id, order_id, event_id, ticket_type_id, account_id,
                                     buyer_email, issued_at)
                SELECT t, $3, $4, y, $5, $6, $7
                  FROM unnest($1::uuid[], $2::uuid[]) AS issued(t, y)
                ON CONFLICT (ticket_id) DO NOTHING
                "#,
            )
            .bind(&ids)
            .bind(&types)
            .bind(order_id)
            .bind(event_id.as_uuid())
            .bind(account_id)
            .bind(buyer_email.as_str())
            .bind(issued_at)
            .execute(&mut **tx)
            .await?;
        }
        // A refund decided is enough to stop the tickets at the door: the buyer is
        // getting the money back, whatever the provider answers later.
        OrderEvent::RefundRequested {
            ticket_ids,
            requested_at,
            ..
        } => revoke(tx, &ticket_ids, requested_at).await?,
        OrderEvent::TicketsRefunded {
            ticket_ids,
            refunded_at,
            ..
        } => revoke(tx, &ticket_ids, refunded_at).await?,
        _ => {}
    }
    Ok(())
}

async fn revoke(
    tx: &mut Transaction<'_, Postgres>,
    ticket_ids: &[TicketId],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = ticket_ids.iter().map(|id| id.as_uuid()).collect();
    sqlx::query(
        "UPDATE tickets SET revoked_at = $2 WHERE ticket_id = ANY($1) AND revoked_at IS NULL",
    )
    .bind(&ids)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

//! The `door_staff` projector: Account facts into `door_staff_accounts` and `door_staff`.

use async_trait::async_trait;
use carneau_domain::account::{Account, AccountEvent};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::log::Interest;
use crate::runner::{Batch, Projector};

/// Builds `door_staff` and `door_staff_accounts`.
#[derive(Debug, Default)]
pub struct DoorStaffProjector;

#[async_trait]
impl Projector for DoorStaffProjector {
    fn name(&self) -> &'static str {
        "door_staff"
    }

    /// Only accounts (door-staff grants).
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Account::TYPE],
            event_types: &[],
            metadata: false,
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let events = batch.events;
        for recorded in events {
            if let Some((account_id, event)) = recorded.decode_of::<Account>()? {
                apply_account_event(tx, account_id, recorded.recorded_at, event).await?;
            }
        }
        Ok(())
    }
}

async fn apply_account_event(
    tx: &mut Transaction<'_, Postgres>,
    account_id: Uuid,
    recorded_at: DateTime<Utc>,
    event: AccountEvent,
) -> anyhow::Result<()> {
    match event {
        AccountEvent::AccountRegistered { email, name, .. } => {
            sqlx::query(
                "INSERT INTO door_staff_accounts (account_id, email, name) VALUES ($1, $2, $3) \
                 ON CONFLICT (account_id) DO NOTHING",
            )
            .bind(account_id)
            .bind(email.as_str())
            .bind(name.as_str())
            .execute(&mut **tx)
            .await?;
        }
        // The event carries no time of its own: when it was recorded is when access began.
        AccountEvent::DoorStaffGranted { event_id } => {
            sqlx::query(
                "INSERT INTO door_staff (event_id, account_id, granted_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (event_id, account_id) DO NOTHING",
            )
            .bind(event_id.as_uuid())
            .bind(account_id)
            .bind(recorded_at)
            .execute(&mut **tx)
            .await?;
        }
        AccountEvent::DoorStaffRevoked { event_id } => {
            sqlx::query("DELETE FROM door_staff WHERE event_id = $1 AND account_id = $2")
                .bind(event_id.as_uuid())
                .bind(account_id)
                .execute(&mut **tx)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

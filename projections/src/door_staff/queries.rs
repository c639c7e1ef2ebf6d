//! Reads of the door-staff read model (`door_staff` with `door_staff_accounts`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// One account that may check tickets in at an event's door.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DoorStaffView {
    /// The staff member's account.
    pub account_id: Uuid,
    /// Their login address (empty if the account's registration is not projected yet).
    pub email: String,
    /// How they are called (empty likewise).
    pub name: String,
    /// When access was granted.
    pub granted_at: DateTime<Utc>,
}

/// The door staff of `event_id`, longest-serving first.
pub async fn door_staff_of_event(
    pool: &PgPool,
    event_id: Uuid,
) -> anyhow::Result<Vec<DoorStaffView>> {
    sqlx::query_as(
        r#"
        SELECT s.account_id, coalesce(a.email, '') AS email, coalesce(a.name, '') AS name,
               s.granted_at
          FROM door_staff s
          LEFT JOIN door_staff_accounts a USING (account_id)
         WHERE s.event_id = $1
         ORDER BY s.granted_at, s.account_id
        "#,
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .context("reading an event's door staff")
}

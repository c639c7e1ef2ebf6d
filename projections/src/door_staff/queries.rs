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

/// An account as the log's readers name it: its address and name as registered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountName {
    /// The account.
    pub account_id: Uuid,
    /// Its login address.
    pub email: String,
    /// How the person is called (`None` while its registration is not projected yet).
    pub name: Option<String>,
}

/// The accounts among `account_ids` that exist, in one query: their address and name from
/// `door_staff_accounts` (every account as registered), or, for an account whose
/// registration the projector has not reached yet, its claimed address from
/// `account_emails` (as normalised: the log's `AccountRegistered` keeps it as typed). An
/// id that names no account is left out.
pub async fn account_names(
    pool: &PgPool,
    account_ids: &[Uuid],
) -> anyhow::Result<Vec<AccountName>> {
    sqlx::query_as(
        r#"
        SELECT ids.account_id, coalesce(a.email, e.email_normalized) AS email, a.name
          FROM unnest($1::uuid[]) AS ids (account_id)
          LEFT JOIN door_staff_accounts a ON a.account_id = ids.account_id
          LEFT JOIN account_emails e ON e.account_id = ids.account_id
         WHERE a.account_id IS NOT NULL OR e.account_id IS NOT NULL
        "#,
    )
    .bind(account_ids)
    .fetch_all(pool)
    .await
    .context("reading the accounts the log names")
}

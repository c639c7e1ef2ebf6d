//! Dead letters: messages of `mail_outbox` whose temporary failures outlasted the
//! sender's attempts. Listed for an admin, and sent again on their word.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A dead-lettered message, without its body (it holds bearer secrets).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadLetter {
    /// Row id: what `carneau mail retry` takes.
    pub id: i64,
    /// Its dedupe key (`tickets:{order}`, `verify-email:...`).
    pub dedupe_key: String,
    /// Envelope recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Attempts made.
    pub attempts: i32,
    /// The SMTP server's last answer.
    pub last_error: Option<String>,
    /// When the sender gave up.
    pub dead_lettered_at: DateTime<Utc>,
}

/// Every dead letter of `mail_outbox`, oldest first.
pub async fn dead_letters(pool: &PgPool) -> sqlx::Result<Vec<DeadLetter>> {
    sqlx::query_as(
        r#"
        SELECT id, dedupe_key, recipient, subject, attempts, last_error, dead_lettered_at
          FROM mail_outbox
         WHERE dead_lettered_at IS NOT NULL AND sent_at IS NULL
         ORDER BY dead_lettered_at, id
        "#,
    )
    .fetch_all(pool)
    .await
}

/// Puts dead letter `id` of `mail_outbox` back in the sender's queue, due now, with a
/// fresh set of attempts. `false` if it is not a dead letter (unknown, sent, queued).
pub async fn retry_dead_letter(pool: &PgPool, id: i64) -> sqlx::Result<bool> {
    let requeued = sqlx::query(
        "UPDATE mail_outbox SET dead_lettered_at = NULL, attempts = 0, next_attempt_at = now() \
          WHERE id = $1 AND dead_lettered_at IS NOT NULL AND sent_at IS NULL",
    )
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(requeued == 1)
}

/// Puts every dead letter of `mail_outbox` back in the sender's queue; answers how many.
pub async fn retry_all_dead_letters(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE mail_outbox SET dead_lettered_at = NULL, attempts = 0, next_attempt_at = now() \
          WHERE dead_lettered_at IS NOT NULL AND sent_at IS NULL",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

//! The `mail_outbox` table: queueing, claiming due messages, recording outcomes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::OutgoingMail;

/// Queues `mail` in the caller's transaction, so it is sent if and only if that
/// transaction commits. Returns `false` when a message with the same dedupe key was
/// queued before (then nothing changes).
pub async fn enqueue(conn: &mut PgConnection, mail: &OutgoingMail) -> sqlx::Result<bool> {
    let queued = enqueue_all(conn, std::slice::from_ref(mail)).await?;
    Ok(queued.first().copied().unwrap_or(false))
}

/// Queues every one of `mails` in the caller's transaction, in one statement, each as
/// [`enqueue`] describes; answers, for each, whether it was queued now (`false`: its
/// dedupe key was queued before). A caller that composes a batch's messages first and
/// queues them together holds its transaction's writes, and with them the log's
/// readers, for one statement instead of for the whole composing.
pub async fn enqueue_all(
    conn: &mut PgConnection,
    mails: &[OutgoingMail],
) -> sqlx::Result<Vec<bool>> {
    if mails.is_empty() {
        return Ok(Vec::new());
    }
    let column =
        |field: fn(&OutgoingMail) -> &str| -> Vec<&str> { mails.iter().map(field).collect() };
    let messages: Vec<&[u8]> = mails.iter().map(|mail| mail.formatted.as_slice()).collect();
    let queued: Vec<String> = sqlx::query_scalar(
        r#"
        INSERT INTO mail_outbox
            (dedupe_key, sender, recipient, subject, message_id, message, text_body)
        SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::bytea[], $7::text[])
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING dedupe_key
        "#,
    )
    .bind(column(|mail| &mail.dedupe_key))
    .bind(column(|mail| &mail.sender))
    .bind(column(|mail| &mail.recipient))
    .bind(column(|mail| &mail.subject))
    .bind(column(|mail| &mail.message_id))
    .bind(messages)
    .bind(column(|mail| &mail.text_body))
    .fetch_all(conn)
    .await?;
    let queued: std::collections::HashSet<String> = queued.into_iter().collect();
    Ok(mails
        .iter()
        .map(|mail| queued.contains(&mail.dedupe_key))
        .collect())
}

/// The mail still to be sent: what an operator watches to see the sender keep up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxBacklog {
    /// Messages queued and neither sent, given up nor dead-lettered.
    pub depth: i64,
    /// How long the oldest of them has waited, in seconds (0 when there is none).
    pub oldest_age_seconds: f64,
}

/// The backlog of `mail_outbox`. Its predicate is the partial index `mail_outbox_due`'s,
/// so the cost follows the backlog, not the table (one row per message ever sent).
pub async fn outbox_backlog(pool: &PgPool) -> sqlx::Result<OutboxBacklog> {
    let (depth, oldest_age_seconds): (i64, Option<f64>) = sqlx::query_as(
        r#"
        SELECT count(*),
               EXTRACT(EPOCH FROM now() - min(created_at))::float8
          FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND dead_lettered_at IS NULL
        "#,
    )
    .fetch_one(pool)
    .await?;
    Ok(OutboxBacklog {
        depth,
        oldest_age_seconds: oldest_age_seconds.unwrap_or(0.0).max(0.0),
    })
}

/// A message claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// Envelope sender.
    pub sender: String,
    /// Envelope recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// The formatted message.
    pub message: Vec<u8>,
    /// The plain-text body.
    pub text_body: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Claims up to `limit` due messages in `mail_outbox`: each is leased until
/// `lease_until`, so another sender leaves it alone meanwhile and a crashed sender's
/// claim lapses.
pub(super) async fn claim_due(
    pool: &PgPool,
    limit: i64,
    lease_until: DateTime<Utc>,
) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as(
        r#"
        UPDATE mail_outbox
           SET attempts = attempts + 1, next_attempt_at = $2
         WHERE id IN (SELECT id FROM mail_outbox
                       WHERE sent_at IS NULL AND failed_at IS NULL
                         AND dead_lettered_at IS NULL AND next_attempt_at <= now()
                       ORDER BY next_attempt_at, id
                       LIMIT $1
                       FOR UPDATE SKIP LOCKED)
        RETURNING id, dedupe_key, sender, recipient, subject, message, text_body, attempts
        "#,
    )
    .bind(limit)
    .bind(lease_until)
    .fetch_all(pool)
    .await
}

/// Marks messages of `mail_outbox` sent, in one statement, and drops their bodies (they
/// hold secrets). The sender marks a batch once it has handed every message of it over,
/// so a busy outbox costs one commit per batch instead of one per message.
pub(super) async fn mark_sent(pool: &PgPool, ids: &[i64], via: &str) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = now(), sent_via = $2, message = NULL, \
         text_body = NULL, last_error = NULL WHERE id = ANY($1)",
    )
    .bind(ids)
    .bind(via)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt on `mail_outbox`: retried at `retry_at`, or given up
/// (`retry_at` = `None`) when the server refused it for good.
pub(super) async fn mark_failed(
    pool: &PgPool,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    match retry_at {
        Some(retry_at) => {
            sqlx::query(
                "UPDATE mail_outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE mail_outbox SET last_error = $2, failed_at = now(), message = NULL, \
                 text_body = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?
        }
    };
    Ok(())
}

/// Gives up retrying a message of `mail_outbox` after its last temporary failure: it
/// leaves the sender's queue but keeps its body, so an admin can send it again.
pub(super) async fn mark_dead_lettered(pool: &PgPool, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE mail_outbox SET last_error = $2, dead_lettered_at = now() WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

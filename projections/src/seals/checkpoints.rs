//! Table `event_seal_checkpoints` and when the signer fills it: the chain's head signed
//! every [`CHECKPOINT_INTERVAL`] while the log grows, and as soon as it rests after a
//! change, so the newest events are soon covered by a head an auditor can take away.
//! The task itself is `checkpoint_signer`.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Executor, PgPool, Postgres, Row};
use tracing::instrument;

use super::chain::Seal;
use super::signing::{AuditPublicKey, CheckpointSignature, CheckpointSigner, SignedCheckpoint};
use super::stored_seals::chain_head;
use crate::log::{position_of_row, LogPosition};

/// The longest a growing chain goes without a signed head.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(60);
/// How often the signer looks at the chain's head; a head unchanged for this long counts
/// as the log resting, and is signed.
pub const CHECKPOINT_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// Signs the chain's head now and stores the checkpoint in `event_seal_checkpoints`;
/// `None` while nothing is sealed. Signing the same head twice stores it once.
#[instrument(skip_all)]
pub async fn sign_chain_head(
    pool: &PgPool,
    signer: &CheckpointSigner,
) -> anyhow::Result<Option<SignedCheckpoint>> {
    let Some(head) = chain_head(pool).await.context("reading the chain's head")? else {
        return Ok(None);
    };
    let checkpoint = signer.sign(head.position, head.ordinal, head.seal, Utc::now());
    store_checkpoint(pool, &checkpoint).await?;
    Ok(Some(checkpoint))
}

/// The newest checkpoint in `event_seal_checkpoints` (the furthest head, the latest
/// signature of it), by any key.
pub async fn newest_checkpoint<'e, E>(executor: E) -> anyhow::Result<Option<SignedCheckpoint>>
where
    E: Executor<'e, Database = Postgres>,
{
    let row = sqlx::query(
        r#"
        SELECT transaction_id::text AS transaction_id_text, global_position, event_count,
               head_seal, signed_at, public_key, signature
          FROM event_seal_checkpoints
         ORDER BY transaction_id DESC, global_position DESC, signed_at DESC
         LIMIT 1
        "#,
    )
    .fetch_optional(executor)
    .await
    .context("reading event_seal_checkpoints")?;
    row.as_ref().map(signed_checkpoint).transpose()
}

/// The checkpoints stored in `event_seal_checkpoints`, in log order: the `newest` ones
/// (by head, then signing time), or all of them with `None`.
pub async fn stored_checkpoints(
    pool: &PgPool,
    newest: Option<u32>,
) -> anyhow::Result<Vec<SignedCheckpoint>> {
    let rows = sqlx::query(
        r#"
        SELECT * FROM (
            SELECT transaction_id::text AS transaction_id_text, transaction_id,
                   global_position, event_count, head_seal, signed_at, public_key, signature
              FROM event_seal_checkpoints
             ORDER BY transaction_id DESC, global_position DESC, signed_at DESC
             LIMIT $1
        ) AS newest
         ORDER BY transaction_id, global_position, signed_at
        "#,
    )
    .bind(newest.map(i64::from))
    .fetch_all(pool)
    .await
    .context("reading event_seal_checkpoints")?;
    rows.iter().map(signed_checkpoint).collect()
}

/// Whether the head at `head` should be signed now: not if it already is; yes if it
/// has not moved since the last look (the log rests) or the newest checkpoint is older
/// than [`CHECKPOINT_INTERVAL`].
pub fn checkpoint_due(
    head: LogPosition,
    newest: Option<(LogPosition, DateTime<Utc>)>,
    previous_head: Option<LogPosition>,
    now: DateTime<Utc>,
) -> bool {
    let Some((signed_head, signed_at)) = newest else {
        return true;
    };
    if signed_head == head {
        return false;
    }
    let interval = TimeDelta::from_std(CHECKPOINT_INTERVAL).unwrap_or(TimeDelta::MAX);
    previous_head == Some(head) || now - signed_at >= interval
}

/// The newest head signed by `key`, and when.
pub(super) async fn newest_signed_by(
    pool: &PgPool,
    key: &AuditPublicKey,
) -> anyhow::Result<Option<(LogPosition, DateTime<Utc>)>> {
    let row = sqlx::query(
        r#"
        SELECT transaction_id::text AS transaction_id_text, global_position, signed_at
          FROM event_seal_checkpoints
         WHERE public_key = $1
         ORDER BY transaction_id DESC, global_position DESC
         LIMIT 1
        "#,
    )
    .bind(key.0.as_bytes().as_slice())
    .fetch_optional(pool)
    .await
    .context("reading event_seal_checkpoints")?;
    row.map(|row| anyhow::Ok((position_of_row(&row)?, row.try_get("signed_at")?)))
        .transpose()
}

/// Stores `checkpoint` (once: a head signed twice by one key is kept once).
pub(super) async fn store_checkpoint(
    pool: &PgPool,
    checkpoint: &SignedCheckpoint,
) -> anyhow::Result<()> {
    sqlx::query(
        r#"
        INSERT INTO event_seal_checkpoints
               (transaction_id, global_position, event_count, head_seal, signed_at,
                public_key, signature)
        VALUES ($1::text::xid8, $2, $3, $4, $5, $6, $7)
        ON CONFLICT DO NOTHING
        "#,
    )
    .bind(checkpoint.position.transaction_id.to_string())
    .bind(checkpoint.position.global_position)
    .bind(i64::try_from(checkpoint.event_count).context("event count")?)
    .bind(checkpoint.head_seal.0.as_slice())
    .bind(checkpoint.signed_at)
    .bind(checkpoint.public_key.0.as_bytes().as_slice())
    .bind(checkpoint.signature.0.to_bytes().as_slice())
    .execute(pool)
    .await
    .context("writing event_seal_checkpoints")?;
    Ok(())
}

fn signed_checkpoint(row: &PgRow) -> anyhow::Result<SignedCheckpoint> {
    let head_seal: Vec<u8> = row.try_get("head_seal")?;
    let public_key: Vec<u8> = row.try_get("public_key")?;
    let signature: Vec<u8> = row.try_get("signature")?;
    let event_count: i64 = row.try_get("event_count")?;
    let public_key = AuditPublicKey::parse(&hex::encode(public_key))?;
    let signature: [u8; 64] = signature
        .try_into()
        .map_err(|_| anyhow::anyhow!("a stored checkpoint signature is not 64 bytes"))?;
    Ok(SignedCheckpoint {
        position: position_of_row(row)?,
        event_count: u64::try_from(event_count).context("event count")?,
        head_seal: Seal::from_slice(&head_seal)
            .ok_or_else(|| anyhow::anyhow!("a stored head seal is not 32 bytes"))?,
        signed_at: row.try_get("signed_at")?,
        key_id: public_key.key_id(),
        public_key,
        signature: CheckpointSignature(ed25519_dalek::Signature::from_bytes(&signature)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(global_position: i64) -> LogPosition {
        LogPosition {
            transaction_id: 10,
            global_position,
        }
    }

    #[test]
    fn a_first_head_is_signed_at_once() {
        assert!(checkpoint_due(at(1), None, None, Utc::now()));
    }

    #[test]
    fn a_head_already_signed_is_not_signed_again() {
        let now = Utc::now();
        let long_ago = now - TimeDelta::hours(1);
        assert!(!checkpoint_due(
            at(5),
            Some((at(5), long_ago)),
            Some(at(5)),
            now
        ));
    }

    #[test]
    fn a_growing_log_is_signed_once_a_minute() {
        let now = Utc::now();
        let recently = Some((at(1), now - TimeDelta::seconds(10)));
        assert!(!checkpoint_due(at(9), recently, Some(at(5)), now));
        let a_minute_ago = Some((at(1), now - TimeDelta::seconds(61)));
        assert!(checkpoint_due(at(9), a_minute_ago, Some(at(5)), now));
    }

    #[test]
    fn a_log_resting_after_a_change_is_signed() {
        let now = Utc::now();
        let recently = Some((at(1), now - TimeDelta::seconds(10)));
        assert!(checkpoint_due(at(9), recently, Some(at(9)), now));
    }
}

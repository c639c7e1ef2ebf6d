//! The `password_reset_tokens` table: links stored by hash, superseded by newer ones,
//! spent once.

use carneau_domain::ids::AccountId;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::{PasswordResetToken, ResetLinkRefusal};

/// Ends every link of `account_id` still open, then stores `token` for it (table
/// `password_reset_tokens`), in the caller's transaction: only the newest link works.
pub(super) async fn replace(
    conn: &mut PgConnection,
    account_id: AccountId,
    token: &PasswordResetToken,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE password_reset_tokens SET superseded_at = now() \
         WHERE account_id = $1 AND used_at IS NULL AND superseded_at IS NULL",
    )
    .bind(account_id.as_uuid())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_reset_tokens (token_hash, account_id, expires_at) \
         VALUES ($1, $2, $3)",
    )
    .bind(token.hash())
    .bind(account_id.as_uuid())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks `token` used (in `tx`, whose commit makes it so) and answers whose it is, or
/// why it cannot be used (table `password_reset_tokens`). The row is locked, so two
/// uses of one link at once cannot both succeed.
pub(super) async fn spend(
    tx: &mut Transaction<'_, Postgres>,
    token: &PasswordResetToken,
) -> sqlx::Result<Result<AccountId, ResetLinkRefusal>> {
    let row: Option<(Uuid, bool, bool, bool)> = sqlx::query_as(
        "SELECT account_id, used_at IS NOT NULL, superseded_at IS NOT NULL, \
                expires_at <= now() \
           FROM password_reset_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(token.hash())
    .fetch_optional(&mut **tx)
    .await?;
    let Some((account_id, used, superseded, expired)) = row else {
        return Ok(Err(ResetLinkRefusal::Unknown));
    };
    // Used first: whoever used it knows; then superseded, since a newer link is the one
    // to open; expired last.
    if used {
        return Ok(Err(ResetLinkRefusal::Used));
    }
    if superseded {
        return Ok(Err(ResetLinkRefusal::Superseded));
    }
    if expired {
        return Ok(Err(ResetLinkRefusal::Expired));
    }
    sqlx::query("UPDATE password_reset_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(token.hash())
        .execute(&mut **tx)
        .await?;
    Ok(Ok(AccountId::from_uuid(account_id)))
}

//! Email verification tokens: random, single use, stored only as a hash, short-lived.

use std::time::Duration;

use carneau_domain::account::EmailAddress;
use carneau_domain::ids::AccountId;
use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::random_token::LinkToken;

/// How long a verification link works.
pub const VERIFICATION_LIFETIME: Duration = Duration::from_secs(48 * 3_600);

/// What an email verification link is for: proving the holder receives mail there.
#[derive(Debug)]
pub enum EmailVerificationLink {}

/// A verification token as it travels in the link. `Debug` never shows it.
pub type VerificationToken = LinkToken<EmailVerificationLink>;

/// Stores a new token for `email` of `account_id` (table `email_verification_tokens`).
pub(super) async fn store(
    pool: &PgPool,
    account_id: AccountId,
    email: &EmailAddress,
) -> anyhow::Result<VerificationToken> {
    let token = VerificationToken::generate();
    let expires_at = Utc::now() + chrono::Duration::from_std(VERIFICATION_LIFETIME)?;
    sqlx::query(
        "INSERT INTO email_verification_tokens (token_hash, account_id, email, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token.hash())
    .bind(account_id.as_uuid())
    .bind(email.as_str())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(token)
}

/// Marks the token used (in `tx`) and returns whose address it verifies; `None` if it is
/// unknown, used or expired (table `email_verification_tokens`).
pub(super) async fn spend(
    tx: &mut Transaction<'_, Postgres>,
    token: &VerificationToken,
) -> anyhow::Result<Option<(AccountId, EmailAddress)>> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE email_verification_tokens SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
         RETURNING account_id, email",
    )
    .bind(token.hash())
    .fetch_optional(&mut **tx)
    .await?;
    let Some((account_id, email)) = row else {
        return Ok(None);
    };
    let email =
        EmailAddress::parse(email).map_err(|error| anyhow::anyhow!("stored email: {error}"))?;
    Ok(Some((AccountId::from_uuid(account_id), email)))
}

//! Password reset by email: a single-use link, valid for [`PASSWORD_RESET_LIFETIME`],
//! stored only as a hash, superseded by any newer link of the account; setting a new
//! password through it ends every session of the account.
//!
//! Asking for a link records `PasswordResetRequested`, stores the link's hash and queues
//! the email in one transaction, so the email goes out once, after the commit. Using it
//! spends the link, stores the new hash and records `PasswordReset` in another.

mod tokens;

use std::time::Duration;

use carneau_domain::account::{AccountCommand, AccountError, EmailAddress, Password};
use carneau_domain::ids::AccountId;
use chrono::Utc;
use tracing::instrument;

use super::random_token::LinkToken;
use super::{hash_password, store_password_hash, Accounts, AccountsError};
use crate::context::CommandContext;
use crate::mail::{enqueue, MailError, OutgoingMail};

/// How long a reset link works.
pub const PASSWORD_RESET_LIFETIME: Duration = Duration::from_secs(3_600);

/// How often asking for a link is tried when concurrent requests for the same account
/// collide.
const REQUEST_ATTEMPTS: u32 = 3;

/// What a password reset link is for: setting a new password without the old one.
#[derive(Debug)]
pub enum PasswordResetLink {}

/// A reset token as it travels in the link. `Debug` never shows it.
pub type PasswordResetToken = LinkToken<PasswordResetLink>;

/// Why a reset link cannot set a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResetLinkRefusal {
    /// No such link was ever sent (mistyped, cut short, forged).
    #[error("unknown reset link")]
    Unknown,
    /// The link set a password already.
    #[error("reset link used already")]
    Used,
    /// A newer link was sent to the account since.
    #[error("reset link superseded by a newer one")]
    Superseded,
    /// Its [`PASSWORD_RESET_LIFETIME`] is over.
    #[error("reset link expired")]
    Expired,
}

/// Writes the email that carries a reset link; the API knows where the page that opens
/// it lives and who mail comes from.
pub trait PasswordResetMail: Send + Sync {
    /// The message to `to` carrying `token`'s link; `dedupe_key` makes it go out once.
    fn compose(
        &self,
        dedupe_key: &str,
        to: &EmailAddress,
        token: &PasswordResetToken,
    ) -> Result<OutgoingMail, MailError>;
}

/// What asking for a reset link did: for the operator's counters and log, never for the
/// person who asked (their answer is the same either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRequestOutcome {
    /// A link was queued for the account with the email.
    LinkQueued,
    /// No account has the email: nothing was sent.
    NoAccount,
}

impl Accounts {
    /// Mails a reset link to the account registered with `email` (in any case), if
    /// there is one; otherwise does nothing. Either way the caller answers alike; the
    /// outcome says which, for counting.
    #[instrument(skip_all)]
    pub async fn request_password_reset(
        &self,
        email: &EmailAddress,
        mail: &dyn PasswordResetMail,
        context: &CommandContext,
    ) -> Result<ResetRequestOutcome, AccountsError> {
        let Some(account_id) = self.find_by_email(email).await? else {
            tracing::info!("password reset asked for an email without an account: nothing sent");
            return Ok(ResetRequestOutcome::NoAccount);
        };
        // Two requests at once for one account race for its next sequence number; the
        // loser records its own request on top of the winner's.
        for attempt in 1..=REQUEST_ATTEMPTS {
            match self.record_reset_request(account_id, mail, context).await {
                Err(AccountsError::Conflict) if attempt < REQUEST_ATTEMPTS => continue,
                Err(error) => return Err(error),
                Ok(()) => break,
            }
        }
        tracing::info!(account_id = %account_id, "password reset link queued");
        Ok(ResetRequestOutcome::LinkQueued)
    }

    /// One try: a new link supersedes the open ones, the fact is recorded and the email
    /// queued in one transaction; `Conflict` if the account moved on meanwhile.
    async fn record_reset_request(
        &self,
        account_id: AccountId,
        mail: &dyn PasswordResetMail,
        context: &CommandContext,
    ) -> Result<(), AccountsError> {
        let token = PasswordResetToken::generate();
        let requested_at = Utc::now();
        let expires_at = requested_at
            + chrono::Duration::from_std(PASSWORD_RESET_LIFETIME)
                .map_err(|error| AccountsError::Store(error.into()))?;
        let mut tx = self.pool.begin().await?;
        tokens::replace(&mut tx, account_id, &token, expires_at).await?;
        let executed = self
            .store
            .execute_in(
                &mut tx,
                &account_id.to_aggregate_id(),
                AccountCommand::RequestPasswordReset {
                    requested_at,
                    expires_at,
                },
                &context.metadata,
            )
            .await?;
        let to = executed
            .state
            .email()
            .ok_or(AccountsError::Rejected(AccountError::NotFound))?;
        // One message per fact: the stream's sequence names the request.
        let dedupe_key = format!("password-reset:{account_id}:{}", executed.version);
        let message = mail
            .compose(&dedupe_key, to, &token)
            .map_err(|error| AccountsError::Store(error.into()))?;
        enqueue(&mut tx, &message).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets `new` as the password of the account `token` was sent to: the link is spent,
    /// the hash stored and `PasswordReset` recorded together (with `EmailVerified` if the
    /// email was not yet: the link proved its holder reads that mailbox); then every
    /// session of the account ends (whoever had the old password is signed out).
    #[instrument(skip_all)]
    pub async fn reset_password(
        &self,
        token: &PasswordResetToken,
        new: &Password,
        context: &CommandContext,
    ) -> Result<AccountId, AccountsError> {
        let mut tx = self.pool.begin().await?;
        let account_id = tokens::spend(&mut tx, token)
            .await?
            .map_err(AccountsError::ResetLinkRefused)?;
        // Hashed only for a link that works, so a forged one costs no argon2; the lock
        // held meanwhile is this link's row only.
        let hash = hash_password(new).await?;
        store_password_hash(&mut tx, account_id, &hash).await?;
        self.store
            .execute_in(
                &mut tx,
                &account_id.to_aggregate_id(),
                AccountCommand::ResetPassword {
                    reset_at: Utc::now(),
                },
                &context.metadata,
            )
            .await?;
        tx.commit().await?;
        self.sessions.revoke_all(account_id, None).await?;
        tracing::info!(account_id = %account_id, "password reset; every session ended");
        Ok(account_id)
    }
}

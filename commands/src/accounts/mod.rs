//! Accounts: registration, sign-in, password changes and resets, roles and door-staff
//! access, email verification, and the sessions that carry a signed-in account between
//! requests.
//!
//! Registration and password changes are all-or-nothing: the account's event, its email
//! claim (a unique index on the lower-cased address) and its credential are written in
//! one transaction (see [`crate::event_store::append`]).

mod password_reset;
mod passwords;
mod principal;
mod random_token;
mod sessions;
mod verification;

use carneau_domain::account::{Account, AccountCommand, AccountError, EmailAddress, Password};
use carneau_domain::ids::AccountId;
use carneau_domain::text::PersonName;
use chrono::Utc;
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

pub use password_reset::{
    PasswordResetLink, PasswordResetMail, PasswordResetToken, ResetLinkRefusal,
    ResetRequestOutcome, PASSWORD_RESET_LIFETIME,
};
pub use passwords::{hash_password, verify_password};
pub use principal::Principal;
pub use random_token::LinkToken;
pub use sessions::{
    Session, SessionHash, SessionToken, Sessions, SESSION_CACHE_TTL, UNKNOWN_TOKEN_CACHE_TTL,
};
pub use verification::{EmailVerificationLink, VerificationToken, VERIFICATION_LIFETIME};

use crate::aggregate_store::{AggregateStore, CommandError, Executed};
use crate::context::CommandContext;
use crate::event_store::StoreError;

/// The unique index that makes an email belong to one account at most.
const EMAIL_CLAIM_KEY: &str = "account_emails_pkey";

/// Why an account operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// Registration with an email another account has (in any case).
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Unknown email or wrong password: deliberately one answer for both.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// An email verification token that is unknown, used or expired.
    #[error("this verification link is not valid")]
    InvalidVerificationToken,
    /// A password reset link that cannot be used, and why.
    #[error(transparent)]
    ResetLinkRefused(ResetLinkRefusal),
    /// The account refused the command (a business rule).
    #[error(transparent)]
    Rejected(AccountError),
    /// A concurrent change to the same account; retry.
    #[error("the account was changed concurrently")]
    Conflict,
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

impl From<CommandError<AccountError>> for AccountsError {
    fn from(error: CommandError<AccountError>) -> Self {
        match error {
            CommandError::Rejected(reason) => Self::Rejected(reason),
            CommandError::Conflict => Self::Conflict,
            CommandError::IdempotencyKeyReused => {
                Self::Store(anyhow::anyhow!("idempotency key reused on an account"))
            }
            CommandError::Store(error) => Self::Store(error.into()),
        }
    }
}

impl From<StoreError> for AccountsError {
    fn from(error: StoreError) -> Self {
        Self::Store(error.into())
    }
}

impl From<sqlx::Error> for AccountsError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(anyhow::Error::new(error))
    }
}

/// Replaces the password hash of `account_id` (table `account_credentials`), in the
/// caller's transaction: a change or a reset, each with its fact.
async fn store_password_hash(
    conn: &mut sqlx::PgConnection,
    account_id: AccountId,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_credentials SET password_hash = $2, updated_at = now() \
         WHERE account_id = $1",
    )
    .bind(account_id.as_uuid())
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a person fills in to register.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The login address.
    pub email: EmailAddress,
    /// How they are called.
    pub name: PersonName,
    /// The chosen password.
    pub password: Password,
}

/// Carries out account commands and owns the sessions.
pub struct Accounts {
    pool: PgPool,
    store: AggregateStore<Account>,
    sessions: Sessions,
}

impl Accounts {
    /// Accounts over the event store in `pool`, with `sessions`.
    pub fn new(pool: PgPool, sessions: Sessions) -> Self {
        Self {
            store: AggregateStore::new(pool.clone(), ()),
            pool,
            sessions,
        }
    }

    /// The sessions of these accounts.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Opens an account as a buyer: the `AccountRegistered` event, the email claim and
    /// the password hash commit together or not at all. Two registrations of one email
    /// (in any case), even at the same instant, yield one account and one `EmailTaken`.
    #[instrument(skip_all)]
    pub async fn register(
        &self,
        new: NewAccount,
        context: &CommandContext,
    ) -> Result<Account, AccountsError> {
        let account_id = AccountId::new_random();
        // Hash before the transaction: it takes tens of milliseconds and must not hold
        // the email's index entry locked meanwhile.
        let hash = hash_password(&new.password).await?;
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO account_emails (email_normalized, account_id) VALUES ($1, $2)",
        )
        .bind(new.email.normalized())
        .bind(account_id.as_uuid())
        .execute(&mut *tx)
        .await;
        match claimed {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.constraint() == Some(EMAIL_CLAIM_KEY) => {
                return Err(AccountsError::EmailTaken)
            }
            Err(error) => return Err(error.into()),
        }
        sqlx::query("INSERT INTO account_credentials (account_id, password_hash) VALUES ($1, $2)")
            .bind(account_id.as_uuid())
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        let registered = self
            .store
            .execute_in(
                &mut tx,
                &account_id.to_aggregate_id(),
                AccountCommand::Register {
                    account_id,
                    email: new.email,
                    name: new.name,
                    registered_at: Utc::now(),
                },
                &context.metadata,
            )
            .await?;
        tx.commit().await?;
        tracing::info!(account_id = %account_id, "account registered");
        Ok(registered.state)
    }

    /// The account whose email and password these are. Unknown email and wrong password
    /// give the same error after the same work (argon2 against a dummy hash).
    #[instrument(skip_all)]
    pub async fn authenticate(
        &self,
        email: &EmailAddress,
        password: &Password,
    ) -> Result<AccountId, AccountsError> {
        let row: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT e.account_id, c.password_hash FROM account_emails e \
             JOIN account_credentials c USING (account_id) WHERE e.email_normalized = $1",
        )
        .bind(email.normalized())
        .fetch_optional(&self.pool)
        .await?;
        let (account_id, hash) = match row {
            Some((id, hash)) => (Some(AccountId::from_uuid(id)), Some(hash)),
            None => (None, None),
        };
        if verify_password(hash, password).await {
            if let Some(account_id) = account_id {
                return Ok(account_id);
            }
        }
        tracing::info!("sign-in refused");
        Err(AccountsError::InvalidCredentials)
    }

    /// Changes the password after checking the current one; every other session of the
    /// account ends, `keep` stays signed in. The new hash, the revocations and the
    /// `PasswordChanged` event commit together.
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn change_password(
        &self,
        account_id: AccountId,
        current: &Password,
        new: &Password,
        keep: SessionHash,
        context: &CommandContext,
    ) -> Result<(), AccountsError> {
        let stored: Option<(String,)> =
            sqlx::query_as("SELECT password_hash FROM account_credentials WHERE account_id = $1")
                .bind(account_id.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
        if !verify_password(stored.map(|(hash,)| hash), current).await {
            return Err(AccountsError::InvalidCredentials);
        }
        let hash = hash_password(new).await?;
        let mut tx = self.pool.begin().await?;
        store_password_hash(&mut tx, account_id, &hash).await?;
        self.store
            .execute_in(
                &mut tx,
                &account_id.to_aggregate_id(),
                AccountCommand::RecordPasswordChange {
                    changed_at: Utc::now(),
                },
                &context.metadata,
            )
            .await?;
        tx.commit().await?;
        self.sessions.revoke_all(account_id, Some(keep)).await?;
        Ok(())
    }

    /// Runs a command on an existing account (roles, door staff), then drops its cached
    /// sessions so that the change holds from the next request on.
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn execute(
        &self,
        account_id: AccountId,
        command: AccountCommand,
        context: &CommandContext,
    ) -> Result<Executed<Account>, AccountsError> {
        let executed = self
            .store
            .execute(
                &account_id.to_aggregate_id(),
                command,
                None,
                &context.metadata,
            )
            .await?;
        self.sessions.account_changed(account_id).await?;
        Ok(executed)
    }

    /// The account, or `None` if it was never registered.
    pub async fn load(&self, account_id: AccountId) -> Result<Option<Account>, AccountsError> {
        let loaded = self.store.load(&account_id.to_aggregate_id()).await?;
        Ok((loaded.version > 0).then_some(loaded.state))
    }

    /// The account registered with `email` (in any case), if any.
    pub async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<AccountId>, AccountsError> {
        let row: Option<(Uuid,)> =
            sqlx::query_as("SELECT account_id FROM account_emails WHERE email_normalized = $1")
                .bind(email.normalized())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id,)| AccountId::from_uuid(id)))
    }

    /// A single-use token proving whoever holds it receives mail at the account's
    /// address; the caller delivers it in a link.
    #[instrument(skip_all, fields(account_id = %account_id))]
    pub async fn start_email_verification(
        &self,
        account_id: AccountId,
    ) -> Result<(VerificationToken, EmailAddress), AccountsError> {
        let account = self
            .load(account_id)
            .await?
            .ok_or(AccountsError::Rejected(AccountError::NotFound))?;
        let email = account
            .email()
            .cloned()
            .ok_or(AccountsError::Rejected(AccountError::NotFound))?;
        let token = verification::store(&self.pool, account_id, &email).await?;
        Ok((token, email))
    }

    /// Uses a verification token: the account's email becomes verified (the token is
    /// spent and the event recorded in one transaction).
    #[instrument(skip_all)]
    pub async fn verify_email(
        &self,
        token: &VerificationToken,
        context: &CommandContext,
    ) -> Result<AccountId, AccountsError> {
        let mut tx = self.pool.begin().await?;
        let (account_id, email) = verification::spend(&mut tx, token)
            .await?
            .ok_or(AccountsError::InvalidVerificationToken)?;
        self.store
            .execute_in(
                &mut tx,
                &account_id.to_aggregate_id(),
                AccountCommand::VerifyEmail { email },
                &context.metadata,
            )
            .await?;
        tx.commit().await?;
        self.sessions.account_changed(account_id).await?;
        Ok(account_id)
    }
}

//! Why the account aggregate refuses a command.

/// A business rule of accounts that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The command targets an account that was never registered.
    #[error("This account does not exist.")]
    NotFound,
    /// Registering an id already in use.
    #[error("An account with this id already exists.")]
    AlreadyRegistered,
    /// Verifying an address that is not the account's (it changed since the link was sent).
    #[error("This verification link is for another email address.")]
    EmailMismatch,
    /// Setting a password through a reset link no reset was asked for.
    #[error("No password reset was requested for this account.")]
    NoResetRequested,
}

impl AccountError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "account-not-found",
            Self::AlreadyRegistered => "account-already-exists",
            Self::EmailMismatch => "email-mismatch",
            Self::NoResetRequested => "no-reset-requested",
        }
    }
}

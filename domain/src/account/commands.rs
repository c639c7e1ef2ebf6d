//! What can be asked of an account (through the command layer).

use chrono::{DateTime, Utc};

use super::{EmailAddress, Role};
use crate::ids::{AccountId, EventId};
use crate::text::PersonName;

/// A request to change an account. Values are already parsed; secrets (the password and
/// its hash) never travel in commands, since commands may be logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCommand {
    /// Open the account; only once per id. Email uniqueness across accounts is the
    /// command layer's job (a unique index written in the same transaction).
    Register {
        /// The new account's id (the aggregate id).
        account_id: AccountId,
        /// The login address.
        email: EmailAddress,
        /// How the person is called.
        name: PersonName,
        /// The current time, supplied by the command layer.
        registered_at: DateTime<Utc>,
    },
    /// Grant a role; granting one already held records nothing.
    GrantRole(Role),
    /// Take a role away; revoking one not held records nothing.
    RevokeRole(Role),
    /// Let the account check tickets in at the door of one event.
    GrantDoorStaff(EventId),
    /// Withdraw door-staff access to one event.
    RevokeDoorStaff(EventId),
    /// Record that the password was changed (the command layer stored the new hash).
    RecordPasswordChange {
        /// The current time, supplied by the command layer.
        changed_at: DateTime<Utc>,
    },
    /// Record that someone asked for a password reset link for this account (the command
    /// layer stored the link's hash and queued the email in the same transaction).
    RequestPasswordReset {
        /// The current time, supplied by the command layer.
        requested_at: DateTime<Utc>,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// Record that the password was set anew through a reset link (the command layer
    /// spent the link and stored the new hash); refused unless a reset was requested.
    /// The link came by mail, so the email becomes verified too if it was not.
    ResetPassword {
        /// The current time, supplied by the command layer.
        reset_at: DateTime<Utc>,
    },
    /// Record that the account's holder proved they receive mail at `email`.
    VerifyEmail {
        /// The address the verification link was sent to.
        email: EmailAddress,
    },
}

//! What happened to an account, as recorded in the event store: who could do what, and
//! since when. Never a password, a hash or a session token.
//!
//! The serde form is the stored form: rename nothing; add variants instead.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{EmailAddress, Role};
use crate::ids::{AccountId, EventId};
use crate::text::PersonName;

/// The facts recorded about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountEvent {
    /// The account was opened (as a buyer).
    AccountRegistered {
        /// The new account.
        account_id: AccountId,
        /// Its login address, as typed.
        email: EmailAddress,
        /// How the person is called.
        name: PersonName,
        /// When.
        registered_at: DateTime<Utc>,
    },
    /// A role was granted.
    RoleGranted {
        /// The role.
        role: Role,
    },
    /// A role was taken away.
    RoleRevoked {
        /// The role.
        role: Role,
    },
    /// The account may now check tickets in at this event's door.
    DoorStaffGranted {
        /// The event.
        event_id: EventId,
    },
    /// The account may no longer check tickets in at this event's door.
    DoorStaffRevoked {
        /// The event.
        event_id: EventId,
    },
    /// The password was changed (the fact only).
    PasswordChanged {
        /// When.
        changed_at: DateTime<Utc>,
    },
    /// Someone asked for a link to set a new password; it was mailed to the account's
    /// address (the link itself, a secret, is not recorded).
    PasswordResetRequested {
        /// When.
        requested_at: DateTime<Utc>,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
    /// The password was set anew through a reset link (the fact only); every session of
    /// the account ended with it.
    PasswordReset {
        /// When.
        reset_at: DateTime<Utc>,
    },
    /// The holder proved they receive mail at this address.
    EmailVerified {
        /// The verified address.
        email: EmailAddress,
    },
}

impl DomainEvent for AccountEvent {
    fn event_type(&self) -> String {
        match self {
            Self::AccountRegistered { .. } => "AccountRegistered",
            Self::RoleGranted { .. } => "RoleGranted",
            Self::RoleRevoked { .. } => "RoleRevoked",
            Self::DoorStaffGranted { .. } => "DoorStaffGranted",
            Self::DoorStaffRevoked { .. } => "DoorStaffRevoked",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::PasswordResetRequested { .. } => "PasswordResetRequested",
            Self::PasswordReset { .. } => "PasswordReset",
            Self::EmailVerified { .. } => "EmailVerified",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

//! The account aggregate: a person who buys tickets, and possibly organises events, works
//! at the door of some, or administers the platform. It records lifecycle facts only:
//! credentials and sessions live outside the event log, so no secret is ever in it.

mod commands;
mod email;
mod error;
mod events;
mod password;
mod role;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use commands::AccountCommand;
pub use email::{EmailAddress, MAX_EMAIL_CHARS};
pub use error::AccountError;
pub use events::AccountEvent;
pub use password::Password;
pub use role::Role;

use crate::aggregate::Decide;
use crate::ids::{AccountId, EventId};
use crate::text::PersonName;

/// The account aggregate, rebuilt from [`AccountEvent`]s. An account that was never
/// registered has no id ([`Account::id`] is `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    id: Option<AccountId>,
    email: Option<EmailAddress>,
    name: Option<PersonName>,
    registered_at: Option<DateTime<Utc>>,
    roles: BTreeSet<Role>,
    door_staff_events: BTreeSet<EventId>,
    email_verified: bool,
    password_changed_at: Option<DateTime<Utc>>,
    /// When the last reset link asked for stops working, until a reset uses it.
    #[serde(default)]
    reset_pending_until: Option<DateTime<Utc>>,
}

impl Account {
    /// The account's id; `None` until it is registered.
    pub fn id(&self) -> Option<AccountId> {
        self.id
    }

    /// The login address.
    pub fn email(&self) -> Option<&EmailAddress> {
        self.email.as_ref()
    }

    /// How the person is called.
    pub fn name(&self) -> Option<&PersonName> {
        self.name.as_ref()
    }

    /// When the account was opened.
    pub fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.registered_at
    }

    /// The roles held (none for a plain buyer).
    pub fn roles(&self) -> &BTreeSet<Role> {
        &self.roles
    }

    /// Whether the account holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The events at whose door the account may check tickets in.
    pub fn door_staff_events(&self) -> &BTreeSet<EventId> {
        &self.door_staff_events
    }

    /// Whether the holder proved they receive mail at the account's address.
    pub fn email_verified(&self) -> bool {
        self.email_verified
    }

    /// When the password was last changed, if ever.
    pub fn password_changed_at(&self) -> Option<DateTime<Utc>> {
        self.password_changed_at
    }

    /// Until when the last password reset link asked for works, if one is pending. The
    /// link itself (single use, superseded by a newer one) is the command layer's to check.
    pub fn reset_pending_until(&self) -> Option<DateTime<Utc>> {
        self.reset_pending_until
    }

    /// The events `command` would record, or why it is refused. Never changes `self`.
    pub fn decide(&self, command: AccountCommand) -> Result<Vec<AccountEvent>, AccountError> {
        if let AccountCommand::Register {
            account_id,
            email,
            name,
            registered_at,
        } = command
        {
            if self.id.is_some() {
                return Err(AccountError::AlreadyRegistered);
            }
            return Ok(vec![AccountEvent::AccountRegistered {
                account_id,
                email,
                name,
                registered_at,
            }]);
        }
        let Some(current_email) = &self.email else {
            return Err(AccountError::NotFound);
        };
        // Granting what is held, or revoking what is not, is a retry: nothing to record.
        let events = match command {
            AccountCommand::Register { .. } => return Err(AccountError::AlreadyRegistered),
            AccountCommand::GrantRole(role) => {
                (!self.roles.contains(&role)).then_some(AccountEvent::RoleGranted { role })
            }
            AccountCommand::RevokeRole(role) => self
                .roles
                .contains(&role)
                .then_some(AccountEvent::RoleRevoked { role }),
            AccountCommand::GrantDoorStaff(event_id) => {
                (!self.door_staff_events.contains(&event_id))
                    .then_some(AccountEvent::DoorStaffGranted { event_id })
            }
            AccountCommand::RevokeDoorStaff(event_id) => self
                .door_staff_events
                .contains(&event_id)
                .then_some(AccountEvent::DoorStaffRevoked { event_id }),
            AccountCommand::RecordPasswordChange { changed_at } => {
                Some(AccountEvent::PasswordChanged { changed_at })
            }
            AccountCommand::RequestPasswordReset {
                requested_at,
                expires_at,
            } => Some(AccountEvent::PasswordResetRequested {
                requested_at,
                expires_at,
            }),
            AccountCommand::ResetPassword { reset_at } => {
                if self.reset_pending_until.is_none() {
                    return Err(AccountError::NoResetRequested);
                }
                // The link went to the account's address: using it proves its holder
                // reads that mailbox, as a verification link would.
                let verified = (!self.email_verified).then(|| AccountEvent::EmailVerified {
                    email: current_email.clone(),
                });
                let reset = AccountEvent::PasswordReset { reset_at };
                return Ok(std::iter::once(reset).chain(verified).collect());
            }
            AccountCommand::VerifyEmail { email } => {
                if &email != current_email {
                    return Err(AccountError::EmailMismatch);
                }
                (!self.email_verified).then_some(AccountEvent::EmailVerified { email })
            }
        };
        Ok(events.into_iter().collect())
    }
}

crate::aggregate::aggregate!(Account);

impl Decide for Account {
    const TYPE: &'static str = "Account";
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = AccountError;

    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error> {
        // The inherent rules, kept where they are written.
        Account::decide(self, command)
    }

    fn evolve(&mut self, event: Self::Event) {
        match event {
            AccountEvent::AccountRegistered {
                account_id,
                email,
                name,
                registered_at,
            } => {
                self.id = Some(account_id);
                self.email = Some(email);
                self.name = Some(name);
                self.registered_at = Some(registered_at);
            }
            AccountEvent::RoleGranted { role } => {
                self.roles.insert(role);
            }
            AccountEvent::RoleRevoked { role } => {
                self.roles.remove(&role);
            }
            AccountEvent::DoorStaffGranted { event_id } => {
                self.door_staff_events.insert(event_id);
            }
            AccountEvent::DoorStaffRevoked { event_id } => {
                self.door_staff_events.remove(&event_id);
            }
            AccountEvent::PasswordChanged { changed_at } => {
                self.password_changed_at = Some(changed_at);
            }
            AccountEvent::PasswordResetRequested { expires_at, .. } => {
                self.reset_pending_until = Some(expires_at);
            }
            AccountEvent::PasswordReset { reset_at } => {
                self.password_changed_at = Some(reset_at);
                self.reset_pending_until = None;
            }
            AccountEvent::EmailVerified { .. } => self.email_verified = true,
        }
    }
}

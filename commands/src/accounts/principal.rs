//! Who a signed-in request acts as: the account and everything authorization needs,
//! cached with the session so that checking a request costs no database query. What it
//! may do is [`crate::policy`]'s to say.

use std::collections::BTreeSet;

use carneau_domain::account::{Account, EmailAddress, Role};
use carneau_domain::ids::{AccountId, EventId};
use carneau_domain::text::PersonName;
use serde::{Deserialize, Serialize};

/// The account behind a session, as of the last change to its roles, door-staff access or
/// email verification (every such change drops the cached copies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The account.
    pub account_id: AccountId,
    /// Its login address.
    pub email: EmailAddress,
    /// How the person is called.
    pub name: PersonName,
    /// Roles held beyond buyer.
    pub roles: BTreeSet<Role>,
    /// Events at whose door the account may check tickets in.
    pub door_staff_events: BTreeSet<EventId>,
    /// Whether the holder proved they receive mail at `email`. Guest orders placed with
    /// this email belong to the account only once this is true.
    pub email_verified: bool,
}

impl Principal {
    /// The principal of a registered account; `None` for an account never registered.
    pub fn from_account(account: &Account) -> Option<Self> {
        Some(Self {
            account_id: account.id()?,
            email: account.email()?.clone(),
            name: account.name()?.clone(),
            roles: account.roles().clone(),
            door_staff_events: account.door_staff_events().clone(),
            email_verified: account.email_verified(),
        })
    }
}

//! Who a signed-in request acts as: the account and everything authorization needs,
//! cached with the session so that checking a request costs no database query.

use std::collections::BTreeSet;

use carneau_domain::account::{Account, EmailAddress, Role};
use carneau_domain::event::Event;
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

    /// Whether the account administers the platform.
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// Whether the account may use organiser routes at all (organisers and admins).
    pub fn is_organiser(&self) -> bool {
        self.roles.contains(&Role::Organiser) || self.is_admin()
    }

    /// Whether the account may manage `event`: its organiser (while still an organiser)
    /// or an admin.
    pub fn may_manage(&self, event: &Event) -> bool {
        self.is_admin()
            || (self.roles.contains(&Role::Organiser) && event.is_organised_by(self.account_id))
    }

    /// Whether the account was granted door-staff access to `event_id`. Owners and admins
    /// may work the door too; [`Principal::may_manage`] says so for them.
    pub fn is_door_staff_of(&self, event_id: EventId) -> bool {
        self.door_staff_events.contains(&event_id)
    }
}

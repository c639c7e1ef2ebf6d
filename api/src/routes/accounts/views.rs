//! What the account routes answer with.

use carneau_commands::accounts::Principal;
use carneau_domain::account::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

// The domain's `Role` has no schema (the domain crate knows nothing of HTTP); this one
// gives the OpenAPI document the values.
/// A role beyond buyer: `organiser` (creates events and manages their own), `admin`
/// (manages every event and every account's roles) or `auditor` (reads the whole event
/// log, changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Creates events and manages the ones they created.
    Organiser,
    /// Manages every event and every account's roles.
    Admin,
    /// Reads the whole event log and every history in it; changes nothing.
    Auditor,
}

impl From<Role> for AccountRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Organiser => Self::Organiser,
            Role::Admin => Self::Admin,
            Role::Auditor => Self::Auditor,
        }
    }
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The account's id.
    pub id: Uuid,
    /// Its login address, as typed at registration.
    pub email: String,
    /// How the person is called.
    pub name: String,
    /// Roles beyond buyer.
    #[schema(example = json!(["organiser"]))]
    pub roles: Vec<AccountRole>,
    /// Events at whose door this account may check tickets in.
    pub door_staff_events: Vec<Uuid>,
    /// Whether the email is verified; guest orders placed with it show up only then.
    pub email_verified: bool,
}

impl From<&Principal> for Me {
    fn from(principal: &Principal) -> Self {
        Self {
            id: principal.account_id.as_uuid(),
            email: principal.email.as_str().to_owned(),
            name: principal.name.as_str().to_owned(),
            roles: principal
                .roles
                .iter()
                .copied()
                .map(AccountRole::from)
                .collect(),
            door_staff_events: principal
                .door_staff_events
                .iter()
                .map(|event| event.as_uuid())
                .collect(),
            email_verified: principal.email_verified,
        }
    }
}

/// A new session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// The session token: send it as `Authorization: Bearer <token>` (browsers use the
    /// cookie instead). Shown once; only its hash is stored.
    pub token: String,
    /// When the session ends unless signed out earlier.
    pub expires_at: DateTime<Utc>,
}

/// The answer to registration and sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedInResponse {
    /// The account.
    pub account: Me,
    /// The session just opened.
    pub session: SessionView,
}

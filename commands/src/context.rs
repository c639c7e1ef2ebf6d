//! Who asks for a command and why: what the command layer records as the metadata of
//! every fact it appends, and the rights the caller acts with.

use carneau_domain::ids::AccountId;
use carneau_domain::{Actor, Cause, EventMetadata, Process};

/// The caller of a command: recorded as event metadata for auditors, and asked whether it
/// may act ([`crate::policy::may_command_event`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// Who acts and why, as every appended fact records it.
    pub metadata: EventMetadata,
    /// Whether the actor acts with admin rights (every event).
    pub admin: bool,
}

impl CommandContext {
    /// A signed-in account's HTTP request.
    pub fn account(account_id: AccountId, admin: bool, request_id: Option<String>) -> Self {
        Self {
            metadata: EventMetadata::new(
                Actor::Account { account_id },
                Cause::Request { request_id },
            ),
            admin,
        }
    }

    /// A named process of the platform, acting because of `cause`.
    pub fn process(process: Process, cause: Cause) -> Self {
        Self {
            metadata: EventMetadata::process(process, cause),
            admin: false,
        }
    }

    /// Who acts.
    pub fn actor(&self) -> &Actor {
        &self.metadata.actor
    }
}

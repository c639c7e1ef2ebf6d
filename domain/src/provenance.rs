//! Who and why: the provenance every fact of the log carries in its metadata.
//!
//! The command layer writes an [`EventMetadata`] beside every event it appends; auditors
//! read it back. Both sides use these types, so an actor is never a formatted string that
//! a reader has to parse.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{AccountId, ReservationId};
use crate::order::PaymentProvider;

/// Who caused a fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in account (buyer, organiser, door staff, admin).
    Account {
        /// The account.
        account_id: AccountId,
    },
    /// A buyer without an account, known by the reservation whose token they hold (the
    /// token itself is a secret and is never recorded).
    Guest {
        /// The reservation the guest's token is for.
        reservation_id: ReservationId,
    },
    /// A named process of the platform acting on its own (a timer, a process manager).
    Process {
        /// Which one.
        process: Process,
    },
    /// The payment provider, telling us of one of its events.
    PaymentProvider {
        /// Which provider.
        provider: PaymentProvider,
        /// The provider's id of the event that told us.
        event_id: String,
    },
}

impl Actor {
    /// The actor for `process`.
    pub fn process(process: Process) -> Self {
        Self::Process { process }
    }

    /// The account that acted, if an account did.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Self::Account { account_id } => Some(*account_id),
            _ => None,
        }
    }
}

impl std::fmt::Display for Actor {
    /// A short form for people reading logs: `account 0190…`, `process hold-sweeper`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Account { account_id } => write!(f, "account {account_id}"),
            Self::Guest { reservation_id } => write!(f, "guest of reservation {reservation_id}"),
            Self::Process { process } => write!(f, "process {}", process.name()),
            Self::PaymentProvider { provider, event_id } => {
                write!(f, "{} event {event_id}", provider.as_str())
            }
        }
    }
}

/// The platform's own processes that append facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Process {
    /// The demo data loaded by `carneau seed` and `scripts/run`.
    DemoSeed,
    /// An operator's command line (`carneau accounts ...`).
    Cli,
    /// Someone not yet signed in acting on their own behalf (registration, email
    /// verification by link).
    SelfService,
    /// The per-event reservation desk, acting on its own: expiring lapsed holds while it
    /// places others. (The holds and decisions it appends for callers record each caller.)
    ReservationDesk,
    /// The timer that records the expiry of lapsed holds.
    HoldSweeper,
    /// The timer that offers the tickets that came back to the people on waiting lists.
    WaitingList,
    /// The payments process manager (checkout, fulfilment, refunds, lapses).
    Payments,
    /// A test's set-up (never used by the running platform).
    Test,
}

impl Process {
    /// Its name as recorded.
    pub fn name(self) -> &'static str {
        match self {
            Self::DemoSeed => "demo-seed",
            Self::Cli => "cli",
            Self::SelfService => "self-service",
            Self::ReservationDesk => "reservation-desk",
            Self::HoldSweeper => "hold-sweeper",
            Self::WaitingList => "waiting-list",
            Self::Payments => "payments",
            Self::Test => "test",
        }
    }
}

/// Why a fact was appended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// An HTTP request to the API.
    Request {
        /// The request id (the `x-request-id` header echoed to the client), when the
        /// request had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A webhook delivery of the payment provider.
    ProviderEvent {
        /// The provider's event id.
        event_id: String,
    },
    /// An earlier fact of the log, which a process manager acted upon.
    Fact {
        /// The aggregate type of the earlier fact's stream.
        aggregate_type: String,
        /// Its stream.
        aggregate_id: String,
        /// Its sequence number in that stream.
        sequence: u64,
    },
    /// A timer (a hold lapsing, a retry coming due).
    Schedule,
    /// An operator's command (the CLI, the demo seed) or a test's set-up.
    Operator,
}

/// What every appended event carries besides its payload: who and why, and the purchase
/// (or other story) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Who caused it.
    pub actor: Actor,
    /// Why it was appended.
    pub cause: Cause,
    /// Shared by every fact one purchase (or other story) set off, across aggregates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
}

impl EventMetadata {
    /// Metadata for `actor` acting because of `cause`, in no wider story.
    pub fn new(actor: Actor, cause: Cause) -> Self {
        Self {
            actor,
            cause,
            correlation_id: None,
        }
    }

    /// A named process acting on its own (a timer or an operator's command).
    pub fn process(process: Process, cause: Cause) -> Self {
        Self::new(Actor::process(process), cause)
    }

    /// The same, tied to the story `correlation_id`.
    pub fn correlated(mut self, correlation_id: Uuid) -> Self {
        self.correlation_id = Some(correlation_id);
        self
    }
}

/// Reads an actor as recorded: the tagged form, or the `account:<id>` / `system:<name>`
/// string the first door check-ins recorded before actors were typed.
pub fn actor_or_recorded_name<'de, D>(deserializer: D) -> Result<Actor, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Recorded {
        Typed(Actor),
        Named(String),
    }
    match Recorded::deserialize(deserializer)? {
        Recorded::Typed(actor) => Ok(actor),
        Recorded::Named(name) => parse_recorded_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("{name:?} names no known actor"))),
    }
}

fn parse_recorded_name(name: &str) -> Option<Actor> {
    if let Some(id) = name.strip_prefix("account:") {
        return id
            .parse()
            .ok()
            .map(|account_id| Actor::Account { account_id });
    }
    let process = name.strip_prefix("system:")?;
    let process = serde_json::from_value(serde_json::Value::String(process.to_owned())).ok()?;
    Some(Actor::Process { process })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_recorded_as_tagged_json() {
        let account_id = AccountId::new();
        let metadata = EventMetadata::new(
            Actor::Account { account_id },
            Cause::Request {
                request_id: Some("req-1".to_owned()),
            },
        );
        let json = serde_json::to_value(&metadata).unwrap();
        assert_eq!(json["actor"]["kind"], "account");
        assert_eq!(json["actor"]["account_id"], account_id.to_string());
        assert_eq!(json["cause"]["kind"], "request");
        assert_eq!(json["cause"]["request_id"], "req-1");
        assert!(json.get("correlation_id").is_none());
        let back: EventMetadata = serde_json::from_value(json).unwrap();
        assert_eq!(back, metadata);
    }

    #[test]
    fn an_actor_recorded_as_a_string_reads_as_the_typed_actor() {
        #[derive(Deserialize)]
        struct Row {
            #[serde(deserialize_with = "actor_or_recorded_name")]
            by: Actor,
        }
        let account_id = AccountId::new();
        let row: Row =
            serde_json::from_value(serde_json::json!({ "by": format!("account:{account_id}") }))
                .unwrap();
        assert_eq!(row.by, Actor::Account { account_id });
        let row: Row = serde_json::from_value(serde_json::json!({ "by": "system:test" })).unwrap();
        assert_eq!(row.by, Actor::process(Process::Test));
        let typed = serde_json::json!({ "by": Actor::process(Process::Cli) });
        assert_eq!(
            serde_json::from_value::<Row>(typed).unwrap().by,
            Actor::process(Process::Cli)
        );
        assert!(serde_json::from_value::<Row>(serde_json::json!({ "by": "door-1" })).is_err());
    }

    #[test]
    fn a_process_is_recorded_by_its_name() {
        let json = serde_json::to_value(Actor::process(Process::HoldSweeper)).unwrap();
        assert_eq!(json["process"], Process::HoldSweeper.name());
    }
}

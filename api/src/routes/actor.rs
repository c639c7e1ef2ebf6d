//! Who did something and why, as the API shows it: the log's typed actor and cause in a
//! documented shape.

use carneau_domain::{Actor, Cause};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who did something, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActorView {
    /// A signed-in account.
    Account {
        /// The account.
        account_id: Uuid,
    },
    /// A buyer without an account, by the reservation whose token they held.
    Guest {
        /// The reservation.
        reservation_id: Uuid,
    },
    /// A process of the platform (`hold-sweeper`, `payments`, ...).
    Process {
        /// Its name.
        process: String,
    },
    /// The payment provider, by one of its events.
    PaymentProvider {
        /// `stripe` or `simulated`.
        provider: String,
        /// The provider's event id.
        event_id: String,
    },
}

impl From<&Actor> for ActorView {
    fn from(actor: &Actor) -> Self {
        match actor {
            Actor::Account { account_id } => Self::Account {
                account_id: account_id.as_uuid(),
            },
            Actor::Guest { reservation_id } => Self::Guest {
                reservation_id: reservation_id.as_uuid(),
            },
            Actor::Process { process } => Self::Process {
                process: process.name().to_owned(),
            },
            Actor::PaymentProvider { provider, event_id } => Self::PaymentProvider {
                provider: provider.as_str().to_owned(),
                event_id: event_id.clone(),
            },
        }
    }
}

/// Why something was recorded, by kind: the log's typed cause in a documented shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CauseView {
    /// An HTTP request to the API.
    Request {
        /// Its `x-request-id`, when it had one.
        request_id: Option<String>,
    },
    /// A webhook delivery of the payment provider.
    ProviderEvent {
        /// The provider's event id.
        event_id: String,
    },
    /// An earlier fact of the log, which a process acted upon.
    Fact {
        /// Its stream's aggregate type.
        aggregate_type: String,
        /// Its stream.
        aggregate_id: String,
        /// Its sequence number in that stream.
        sequence: u64,
    },
    /// A timer (a hold lapsing, a retry coming due).
    Schedule,
    /// An operator's command (the CLI, the demo seed).
    Operator,
}

impl From<&Cause> for CauseView {
    fn from(cause: &Cause) -> Self {
        match cause {
            Cause::Request { request_id } => Self::Request {
                request_id: request_id.clone(),
            },
            Cause::ProviderEvent { event_id } => Self::ProviderEvent {
                event_id: event_id.clone(),
            },
            Cause::Fact {
                aggregate_type,
                aggregate_id,
                sequence,
            } => Self::Fact {
                aggregate_type: aggregate_type.clone(),
                aggregate_id: aggregate_id.clone(),
                sequence: *sequence,
            },
            Cause::Schedule => Self::Schedule,
            Cause::Operator => Self::Operator,
        }
    }
}

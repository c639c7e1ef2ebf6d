//! Who did something, as the API shows it: the log's typed actor in a documented shape.

use carneau_domain::Actor;
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

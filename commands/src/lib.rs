//! Command handling of Carneau Engine: the only layer that talks to the event store
//! Redis and the payment provider to carry out what the domain decides.

#![warn(missing_docs)]

pub mod accounts;
pub mod aggregate_store;
pub mod append_rounds;
pub mod buyer_mail;
pub mod catalogue;
pub mod context;
pub mod event_images;
pub mod event_store;
pub mod idempotency;
pub mod mail;
pub mod metrics;
pub mod payments;
pub mod policy;
pub mod rate_limit;
pub mod reservations;
pub mod tickets;
pub mod vouchers;

pub use accounts::Accounts;
pub use aggregate_store::{AggregateStore, CommandError, Executed};
pub use catalogue::Catalogue;
pub use context::CommandContext;
pub use event_store::{AppendError, StoreError};
pub use idempotency::IdempotencyKey;

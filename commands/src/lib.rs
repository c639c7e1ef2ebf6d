//! Command handling of Carneau Engine: the only layer that talks to the event store
//! (and later Redis and Stripe) to carry out what the domain decides.

#![warn(missing_docs)]

pub mod aggregate_store;
pub mod catalogue;
pub mod idempotency;
pub mod mail;
pub mod reservations;
pub mod tickets;

pub use aggregate_store::{AggregateStore, CommandError, Executed};
pub use catalogue::Catalogue;
pub use idempotency::IdempotencyKey;

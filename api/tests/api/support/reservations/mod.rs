//! Support of the reservation tests: events on sale, holds over HTTP (against an
//! in-process app, a second app on the same database and Redis, or a `carneau` child
//! process), concurrent rushes, and the audit of an event's inventory log.

pub mod audit;
pub mod http;
pub mod rush;

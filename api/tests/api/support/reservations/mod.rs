//! Support of the reservation tests: events on sale, holds over HTTP (against an
//! in-process app, a second app on the same database and Redis, or a `carneau` child
//! process), concurrent rushes, the audit of an event's inventory log, and a link to Redis
//! that fails the guard's calls.

pub mod audit;
pub mod http;
pub mod redis_link;
pub mod rush;

//! Replaying the log into read models built beside the live ones: what auditors run to
//! check that every read model is exactly what the log says ([`replay`] with
//! [`Check::AgainstLive`]) and what
//! operators run to rebuild one without taking the API down ([`start_rebuild`]).
//!
//! Both build in a scratch schema (`replay_<random>`): each read-model table is created
//! there `LIKE` the live one and the projector runs on a connection whose `search_path`
//! names only that schema, so its unqualified SQL writes there and a table it forgot to
//! declare fails instead of touching the live one. Only the projector's `apply` runs;
//! its `after_commit` (cache invalidation) never does, so nothing outside the scratch
//! schema changes during a replay.
//!
//! The last stretch of the log is applied in a transaction that holds the live
//! projector's checkpoint row (`SELECT … FOR UPDATE`). Every batch of a live projector
//! moves that row first, so while it is held the live read model cannot change: the
//! comparison (and the swap of a rebuild) sees the live model at exactly the position the
//! replay reached, even with the API running.

mod abandoned;
mod compare;
mod feed;
mod head;
mod hold;
mod rebuild;
mod replay_all;
mod scan;
mod scratch;

use std::time::Duration;

pub use abandoned::{drop_abandoned_scratch_schemas, lock_scratch_schema};
pub use compare::Difference;
pub use head::readable_head;
pub use rebuild::{start_rebuild, RebuildInProgress, RebuildReport};
pub use replay_all::{replay, Check, ReplayReport};
pub use scan::{scan_log, LogScan};

use crate::log::LogPosition;

/// Events applied per transaction of a replay: larger than a live batch, since nobody
/// waits on a scratch schema's commits.
pub const REPLAY_BATCH_SIZE: u32 = 2_000;

/// Where a replay has got to, reported after each batch.
#[derive(Debug, Clone, Copy)]
pub struct ReplayProgress<'a> {
    /// The projector being replayed.
    pub projector: &'a str,
    /// Events read so far.
    pub events_read: u64,
    /// The last event applied.
    pub position: LogPosition,
    /// Where the replay stops.
    pub until: LogPosition,
}

/// One projector's replay from the start of the log into a scratch schema.
#[derive(Debug, Clone)]
pub struct ProjectorReplay {
    /// The projector.
    pub projector: &'static str,
    /// Events of the projector's interest read from the log (it walks every row, but
    /// fetches whole only these).
    pub events_read: u64,
    /// Rows the rebuilt read model holds afterwards, all its tables together.
    pub rows_written: u64,
    /// Time the replay took.
    pub elapsed: Duration,
}

impl ProjectorReplay {
    /// Events read per second.
    pub fn events_per_second(&self) -> f64 {
        per_second(self.events_read, self.elapsed)
    }
}

fn per_second(events: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        events as f64 / seconds
    } else {
        0.0
    }
}

/// Quotes an SQL identifier (a schema or table name) for the statements built here.
fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

//! A raw scan of the log: the same reader a replay uses, the events only decoded. What a
//! replay's speed is measured against.

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::feed::read_stretch;
use super::per_second;
use crate::log::LogPosition;

/// What a raw scan read.
#[derive(Debug, Clone, Copy)]
pub struct LogScan {
    /// Events read.
    pub events_read: u64,
    /// Time it took.
    pub elapsed: Duration,
}

impl LogScan {
    /// Events read per second.
    pub fn events_per_second(&self) -> f64 {
        per_second(self.events_read, self.elapsed)
    }
}

/// Reads the log from its start up to `until` in log order (`SELECT … ORDER BY
/// transaction_id, global_position`, batches of the replay's size, read ahead the same
/// way) and throws the decoded events away.
pub async fn scan_log(log: &PgPool, until: LogPosition) -> anyhow::Result<LogScan> {
    let started = Instant::now();
    let (batches, mut next) = mpsc::channel(2);
    let reader = tokio::spawn(read_stretch(
        log.clone(),
        LogPosition::START,
        until,
        None,
        batches,
    ));
    let mut events_read = 0;
    while let Some(batch) = next.recv().await {
        events_read += batch.context("reading the log")?.events.len() as u64;
    }
    reader.await.context("the log reader stopped")?;
    Ok(LogScan {
        events_read,
        elapsed: started.elapsed(),
    })
}

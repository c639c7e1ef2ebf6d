//! How fresh the inventory read model stayed during the rush: for each hold recorded in
//! the sale's inventory stream, the time from its commit to the `inventory` projector's
//! checkpoint passing it (the read model shows a hold in the same transaction as the
//! checkpoint moves past it).
//!
//! A probe reads the checkpoint every [`SAMPLE_INTERVAL`] during the rush, stamped with
//! the database's clock. A hold's commit is taken as its `recorded_at`, the moment its
//! row was inserted (`clock_timestamp()` since session 13; the start of its transaction
//! before, which counted the desk's whole turn): a millisecond or two before the commit,
//! so the figure errs on the stale side by the insert's commit plus one sampling interval.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Row};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::warn;
use uuid::Uuid;

use crate::inventory_log::INVENTORY_AGGREGATE_TYPE;
use crate::latency::{summarise, LatencySummary};

/// How often the probe reads the checkpoint.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(5);
/// How long after the rush the probe waits for the projector to pass the last hold.
const CATCH_UP_PATIENCE: Duration = Duration::from_secs(30);
/// The projector whose read model buyers' availability comes from.
const INVENTORY_PROJECTOR: &str = "inventory";

/// A position in the log, in the order projectors read it.
type Position = (u64, i64);

/// One reading of the checkpoint.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: DateTime<Utc>,
    position: Position,
}

/// The inventory read model's lag behind the holds of the sale.
#[derive(Debug, Clone, Serialize)]
pub struct Freshness {
    /// Holds measured.
    pub holds: usize,
    /// Holds the projector had not passed when the probe gave up.
    pub unseen: usize,
    /// Commit to read model, per hold.
    pub lag: Option<LatencySummary>,
}

/// The probe, reading the checkpoint until told to stop.
pub struct FreshnessProbe {
    stop: watch::Sender<bool>,
    samples: JoinHandle<Vec<Sample>>,
}

impl FreshnessProbe {
    /// Starts reading the checkpoint on a connection of `pool`.
    pub fn start(pool: &PgPool) -> Self {
        let (stop, stopped) = watch::channel(false);
        let samples = tokio::spawn(read_checkpoints(pool.clone(), stopped));
        Self { stop, samples }
    }

    /// Waits (at most [`CATCH_UP_PATIENCE`]) for the projector to pass the sale's last
    /// hold, stops the probe and measures every hold of `event_id` recorded since
    /// `since`.
    pub async fn finish(
        self,
        pool: &PgPool,
        event_id: Uuid,
        since: DateTime<Utc>,
    ) -> anyhow::Result<Freshness> {
        let holds = holds_recorded(pool, event_id, since).await?;
        if let Some(last) = holds.iter().map(|(_, position)| *position).max() {
            let deadline = tokio::time::Instant::now() + CATCH_UP_PATIENCE;
            while checkpoint(pool).await?.is_none_or(|at| at.position < last) {
                if tokio::time::Instant::now() >= deadline {
                    warn!("the inventory projector has not caught up; measuring what it saw");
                    break;
                }
                tokio::time::sleep(SAMPLE_INTERVAL).await;
            }
        }
        let _ = self.stop.send(true);
        let samples = self.samples.await.context("the freshness probe failed")?;
        Ok(measure(&holds, &samples))
    }
}

async fn read_checkpoints(pool: PgPool, mut stopped: watch::Receiver<bool>) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut interval = tokio::time::interval(SAMPLE_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.changed() => break,
        }
        match checkpoint(&pool).await {
            Ok(Some(sample)) => samples.push(sample),
            Ok(None) => {}
            Err(error) => warn!(error = format!("{error:#}"), "reading the checkpoint"),
        }
    }
    samples
}

/// The inventory projector's checkpoint, stamped with the database's clock.
async fn checkpoint(pool: &PgPool) -> anyhow::Result<Option<Sample>> {
    let row = sqlx::query(
        "SELECT clock_timestamp() AS at, transaction_id::text AS transaction_id, global_position
           FROM projector_checkpoints
          WHERE projector = $1",
    )
    .bind(INVENTORY_PROJECTOR)
    .fetch_optional(pool)
    .await
    .context("reading table projector_checkpoints")?;
    row.map(|row| -> anyhow::Result<Sample> {
        Ok(Sample {
            at: row.try_get("at")?,
            position: position(&row)?,
        })
    })
    .transpose()
}

fn position(row: &sqlx::postgres::PgRow) -> anyhow::Result<Position> {
    let transaction_id: String = row.try_get("transaction_id")?;
    Ok((
        transaction_id
            .parse()
            .with_context(|| format!("transaction id {transaction_id:?}"))?,
        row.try_get("global_position")?,
    ))
}

/// When each hold of the sale was recorded, and where it sits in the log.
async fn holds_recorded(
    pool: &PgPool,
    event_id: Uuid,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<(DateTime<Utc>, Position)>> {
    sqlx::query(
        "SELECT recorded_at, transaction_id::text AS transaction_id, global_position
           FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2
            AND event_type = 'HoldsPlaced' AND recorded_at >= $3",
    )
    .bind(INVENTORY_AGGREGATE_TYPE)
    .bind(event_id.to_string())
    .bind(since)
    .fetch_all(pool)
    .await
    .context("reading the sale's holds from table events")?
    .iter()
    .map(|row| Ok((row.try_get("recorded_at")?, position(row)?)))
    .collect()
}

/// Each hold's lag: from its recording to the first sample at or past its position.
/// Samples are in time order and the checkpoint only moves forward.
fn measure(holds: &[(DateTime<Utc>, Position)], samples: &[Sample]) -> Freshness {
    let mut lags = Vec::with_capacity(holds.len());
    let mut unseen = 0;
    for (recorded_at, position) in holds {
        let first = samples.partition_point(|sample| sample.position < *position);
        match samples.get(first) {
            Some(sample) => lags.push((sample.at - *recorded_at).to_std().unwrap_or_default()),
            None => unseen += 1,
        }
    }
    Freshness {
        holds: holds.len(),
        unseen,
        lag: summarise(lags),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::milliseconds(ms)
    }

    #[test]
    fn a_hold_is_fresh_at_the_first_sample_past_it() {
        let samples = [
            Sample {
                at: at(10),
                position: (5, 1),
            },
            Sample {
                at: at(15),
                position: (7, 3),
            },
            Sample {
                at: at(20),
                position: (9, 4),
            },
        ];
        let holds = [(at(8), (7, 2)), (at(9), (9, 4)), (at(12), (10, 5))];
        let freshness = measure(&holds, &samples);
        assert_eq!(freshness.holds, 3);
        assert_eq!(freshness.unseen, 1);
        let lag = freshness.lag.expect("two holds seen");
        assert_eq!(lag.max_ms, 11.0);
        assert_eq!(lag.p50_ms, 7.0);
    }
}

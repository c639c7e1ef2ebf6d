//! What the rush asked of PostgreSQL, counted rather than timed: transactions committed
//! and rows written in the sale's database, WAL flushed (the whole server's), and the
//! events appended, by aggregate type. Counts do not depend on what else the machine was
//! doing, so they show what a change to the paid path saved even when the seconds are
//! noisy. PostgreSQL publishes a backend's counters when it ends a transaction at most
//! once a second, or about a second after it goes idle, so the second reading waits
//! for them.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Row};

/// How long the counters of an idle backend may stay unpublished.
const STATISTICS_DELAY: Duration = Duration::from_millis(1_500);

/// The counters at one instant.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseReading {
    commits: i64,
    rows_written: i64,
    wal_flushes: i64,
    wal_bytes: i64,
}

impl DatabaseReading {
    /// The counters now, as published so far.
    pub async fn now(pool: &PgPool) -> anyhow::Result<Self> {
        let row = sqlx::query(
            "SELECT d.xact_commit, d.tup_inserted + d.tup_updated + d.tup_deleted AS rows_written, \
                    w.wal_sync, w.wal_bytes::bigint AS wal_bytes \
               FROM pg_stat_database d, pg_stat_wal w \
              WHERE d.datname = current_database()",
        )
        .fetch_one(pool)
        .await
        .context("reading PostgreSQL's statistics")?;
        Ok(Self {
            commits: row.try_get("xact_commit")?,
            rows_written: row.try_get("rows_written")?,
            wal_flushes: row.try_get("wal_sync")?,
            wal_bytes: row.try_get("wal_bytes")?,
        })
    }
}

/// The database's work from the first reading to the second.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseWork {
    /// Transactions committed in the sale's database (reads included: a statement
    /// outside a transaction is one).
    pub commits: i64,
    /// Rows inserted, updated and deleted in the sale's database.
    pub rows_written: i64,
    /// Times the server flushed its WAL to disk, for any database.
    pub wal_flushes: i64,
    /// WAL written, for any database.
    pub wal_bytes: i64,
    /// Events appended to the log since the rush began, by aggregate type.
    pub events_appended: BTreeMap<String, i64>,
}

impl DatabaseWork {
    /// The work since `before`, taken at the rush's start (`rush_started_at`), once the
    /// counters of backends that went idle are published.
    pub async fn since(
        pool: &PgPool,
        before: DatabaseReading,
        rush_started_at: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        tokio::time::sleep(STATISTICS_DELAY).await;
        let after = DatabaseReading::now(pool).await?;
        let rows = sqlx::query(
            "SELECT aggregate_type, count(*) AS appended FROM events \
              WHERE recorded_at >= $1 GROUP BY aggregate_type ORDER BY aggregate_type",
        )
        .bind(rush_started_at)
        .fetch_all(pool)
        .await
        .context("counting the events appended during the rush")?;
        let mut events_appended = BTreeMap::new();
        for row in rows {
            events_appended.insert(row.try_get("aggregate_type")?, row.try_get("appended")?);
        }
        Ok(Self {
            commits: after.commits - before.commits,
            rows_written: after.rows_written - before.rows_written,
            wal_flushes: after.wal_flushes - before.wal_flushes,
            wal_bytes: after.wal_bytes - before.wal_bytes,
            events_appended,
        })
    }

    /// Each count divided by `units` (paid orders, or requests), as one line.
    pub fn per(&self, units: usize, unit: &str) -> String {
        if units == 0 {
            return format!("no {unit} to divide by");
        }
        let per = |count: i64| count as f64 / units as f64;
        let events: Vec<String> = self
            .events_appended
            .iter()
            .map(|(kind, count)| format!("{kind} {:.2}", per(*count)))
            .collect();
        format!(
            "{:.2} commits, {:.1} rows written, {:.2} WAL flushes, {:.0} WAL bytes, events {} per {unit}",
            per(self.commits),
            per(self.rows_written),
            per(self.wal_flushes),
            per(self.wal_bytes),
            if events.is_empty() {
                "none".to_owned()
            } else {
                events.join(", ")
            },
        )
    }
}

//! How far behind the log the sealer ran during the sale: for each event recorded since
//! the sale opened, `event_seals.sealed_at - events.recorded_at`, read once the sealer has
//! caught up (docs/audit.md, "Seal lag").

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use tracing::{instrument, warn};

/// How long to wait for the sealer to seal the sale's last events.
const CATCH_UP_PATIENCE: Duration = Duration::from_secs(60);
/// How often to look whether it has.
const CATCH_UP_POLL: Duration = Duration::from_millis(200);

/// The seal lag of the events recorded since a moment, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SealLag {
    /// Events measured.
    pub sealed: i64,
    /// Median lag.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The worst.
    pub max_ms: f64,
}

/// Waits until every event recorded since `since` is sealed (at most
/// [`CATCH_UP_PATIENCE`]), then measures their seal lag; `None` when none is sealed.
#[instrument(skip_all)]
pub async fn seal_lag_since(
    pool: &PgPool,
    since: DateTime<Utc>,
) -> anyhow::Result<Option<SealLag>> {
    let deadline = tokio::time::Instant::now() + CATCH_UP_PATIENCE;
    loop {
        let unsealed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events e
              WHERE e.recorded_at >= $1
                AND NOT EXISTS (SELECT 1 FROM event_seals s
                                 WHERE s.transaction_id = e.transaction_id
                                   AND s.global_position = e.global_position)",
        )
        .bind(since)
        .fetch_one(pool)
        .await
        .context("counting unsealed events")?;
        if unsealed == 0 {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            warn!(
                unsealed,
                "the sealer has not caught up; measuring what it sealed"
            );
            break;
        }
        tokio::time::sleep(CATCH_UP_POLL).await;
    }
    let row = sqlx::query(
        "SELECT count(*) AS sealed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) AS p99,
                max(lag_ms) AS worst
           FROM (SELECT extract(epoch FROM s.sealed_at - e.recorded_at)::float8 * 1000 AS lag_ms
                   FROM event_seals s
                   JOIN events e USING (transaction_id, global_position)
                  WHERE e.recorded_at >= $1) AS lags",
    )
    .bind(since)
    .fetch_one(pool)
    .await
    .context("measuring the seal lag")?;
    let sealed: i64 = row.try_get("sealed")?;
    if sealed == 0 {
        return Ok(None);
    }
    Ok(Some(SealLag {
        sealed,
        p50_ms: row.try_get("p50")?,
        p99_ms: row.try_get("p99")?,
        max_ms: row.try_get("worst")?,
    }))
}

//! The gauges read when `/metrics` is scraped: state, not counts. Projector lag and the
//! mail backlog come from two cheap statements (each an index step or a partial index's
//! rows); the pool and the cache's breaker from memory. A statement that fails or is slow
//! leaves its gauges as they were and counts a scrape failure, so the rest still renders.

use std::future::Future;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, gauge, Unit};

use crate::state::AppState;

/// The global position of each projector's checkpoint, by `projector`.
pub const PROJECTOR_POSITION: &str = "carneau_projector_position";
/// How long the oldest event a projector has not applied yet has been in the log, by
/// `projector`; 0 when it has applied everything committed.
pub const PROJECTOR_LAG: &str = "carneau_projector_lag_seconds";
/// The global position of the last event of the log.
pub const LOG_HEAD_POSITION: &str = "carneau_log_head_position";
/// Mail queued and not sent yet (nor given up or dead-lettered).
pub const MAIL_OUTBOX_DEPTH: &str = "carneau_mail_outbox_depth";
/// How long the oldest unsent mail has waited.
pub const MAIL_OUTBOX_OLDEST_AGE: &str = "carneau_mail_outbox_oldest_age_seconds";
/// 1 while the response cache skips Redis after a failure (its circuit breaker is open).
pub const CACHE_BREAKER_OPEN: &str = "carneau_cache_breaker_open";
/// 1 while the response cache follows the invalidation channel (hits need no Redis).
pub const CACHE_FOLLOWING: &str = "carneau_cache_following_invalidations";
/// Connections of the request pool, by `state` (`in_use`, `idle`).
pub const DB_POOL_CONNECTIONS: &str = "carneau_db_pool_connections";
/// The most connections the request pool opens (`CARNEAU_DATABASE_POOL_SIZE`).
pub const DB_POOL_MAX_CONNECTIONS: &str = "carneau_db_pool_max_connections";
/// Scrapes whose statement for `source` (`projectors`, `mail_outbox`) failed or timed out.
pub const SCRAPE_FAILURES: &str = "carneau_metrics_scrape_failures_total";

/// The `source` label of the projectors' statement.
const PROGRESS_SOURCE: &str = "projectors";
/// The `source` label of the mail outbox's statement.
const OUTBOX_SOURCE: &str = "mail_outbox";

/// The longest one scrape statement may take: a scraper's own timeout is ~10 s, and
/// metrics must answer while PostgreSQL struggles.
const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Help texts of the gauges above.
pub(super) fn describe() {
    describe_gauge!(
        PROJECTOR_POSITION,
        "Global position of the last event each projector applied."
    );
    describe_gauge!(
        PROJECTOR_LAG,
        Unit::Seconds,
        "Age of the oldest event each projector has not applied yet (0: caught up)."
    );
    describe_gauge!(
        LOG_HEAD_POSITION,
        "Global position of the last event in the log."
    );
    describe_gauge!(
        MAIL_OUTBOX_DEPTH,
        Unit::Count,
        "Mail queued and not sent yet."
    );
    describe_gauge!(
        MAIL_OUTBOX_OLDEST_AGE,
        Unit::Seconds,
        "How long the oldest unsent mail has waited."
    );
    describe_gauge!(
        CACHE_BREAKER_OPEN,
        "1 while the response cache skips Redis after a failure."
    );
    describe_gauge!(
        CACHE_FOLLOWING,
        "1 while the response cache follows the invalidation channel."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        Unit::Count,
        "Connections of the request pool, by state (in_use, idle)."
    );
    describe_gauge!(
        DB_POOL_MAX_CONNECTIONS,
        Unit::Count,
        "Most connections the request pool opens."
    );
    describe_counter!(
        SCRAPE_FAILURES,
        Unit::Count,
        "Scrapes whose statement for a source failed or timed out."
    );
    for source in [PROGRESS_SOURCE, OUTBOX_SOURCE] {
        counter!(SCRAPE_FAILURES, "source" => source).increment(0);
    }
}

/// Sets every scrape-time gauge from `state`.
pub async fn refresh(state: &AppState) {
    pool_gauges(state);
    gauge!(CACHE_BREAKER_OPEN).set(if state.cache.breaker_open() { 1.0 } else { 0.0 });
    gauge!(CACHE_FOLLOWING).set(if state.cache.follows_invalidations() {
        1.0
    } else {
        0.0
    });
    let (progress, backlog) = tokio::join!(
        bounded(
            PROGRESS_SOURCE,
            carneau_projections::runner::log_progress(&state.pool)
        ),
        bounded(
            OUTBOX_SOURCE,
            carneau_commands::mail::outbox_backlog(&state.pool)
        ),
    );
    if let Some(progress) = progress {
        gauge!(LOG_HEAD_POSITION).set(progress.head_position as f64);
        for projector in progress.projectors {
            let name = projector.projector;
            gauge!(PROJECTOR_POSITION, "projector" => name.clone()).set(projector.position as f64);
            gauge!(PROJECTOR_LAG, "projector" => name).set(projector.seconds_behind);
        }
    }
    if let Some(backlog) = backlog {
        gauge!(MAIL_OUTBOX_DEPTH).set(backlog.depth as f64);
        gauge!(MAIL_OUTBOX_OLDEST_AGE).set(backlog.oldest_age_seconds);
    }
}

/// The request pool, from sqlx's own counts. sqlx does not say how many tasks wait for a
/// connection; a wait that ran out is counted instead (`carneau_db_pool_timeouts_total`),
/// and `in_use` at the maximum is the sign that tasks wait.
fn pool_gauges(state: &AppState) {
    let open = f64::from(state.pool.size());
    let idle = state.pool.num_idle() as f64;
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set((open - idle).max(0.0));
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(idle);
    gauge!(DB_POOL_MAX_CONNECTIONS).set(f64::from(state.pool.options().get_max_connections()));
}

/// Runs one scrape statement under [`SCRAPE_QUERY_TIMEOUT`]; `None` (logged and counted)
/// when it failed or took too long.
async fn bounded<T>(
    source: &'static str,
    statement: impl Future<Output = sqlx::Result<T>>,
) -> Option<T> {
    let failure = match tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, statement).await {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer within {} ms", SCRAPE_QUERY_TIMEOUT.as_millis()),
    };
    tracing::warn!(source, reason = %failure, "a metrics source could not be read");
    counter!(SCRAPE_FAILURES, "source" => source).increment(1);
    None
}

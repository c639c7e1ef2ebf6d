//! Metrics for operators, in the Prometheus text format: `GET /metrics` (admins; see
//! `routes::metrics`), or unauthenticated on `CARNEAU_METRICS_ADDR` for a scraper inside
//! a private network.
//!
//! Counters and histograms are recorded where things are decided, through the `metrics`
//! facade: HTTP requests here ([`http`]), holds, payments, refunds and mail in
//! `carneau_commands::metrics`, cache lookups in `carneau_projections::metrics`, door
//! scans in the door routes ([`door_scan`]), password reset requests in the accounts
//! routes ([`password_reset_requested`]). What is state rather than a count (projector
//! lag, the mail backlog, the pool, the breaker) is read when scraped ([`scrape`]).
//! The README ("Operating it") says which to watch and alert on, and
//! `docs/grafana/carneau.json` charts them; a test keeps that dashboard to names this
//! module exposes.

pub mod http;
pub mod scrape;

use std::sync::OnceLock;
use std::time::Duration;

use ::metrics::{counter, describe_counter, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// HTTP requests answered, by `method`, `route` (the matched route template, never the
/// raw path) and `status`.
pub const HTTP_REQUESTS: &str = "carneau_http_requests_total";
/// How long HTTP requests took, by `method`, `route` and `status`.
pub const HTTP_REQUEST_DURATION: &str = "carneau_http_request_duration_seconds";
/// Scans at the door, by `verdict` (`admitted`, `already_checked_in`, `revoked`, ...) and
/// `mode` (`online` or `offline`).
pub const DOOR_SCANS: &str = "carneau_door_scans_total";
/// Requests that waited the pool's whole acquire timeout for a database connection.
pub const DB_POOL_TIMEOUTS: &str = "carneau_db_pool_timeouts_total";
/// Password reset links asked for, by `outcome` (see [`ResetRequested`]).
pub const PASSWORD_RESET_REQUESTS: &str = "carneau_password_reset_requests_total";

/// The upper bounds of the request duration histogram's buckets, in seconds: from a
/// cached read (a millisecond or two) to the request timeout (10 s).
const HTTP_DURATION_BUCKETS_SECONDS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often the recorder's upkeep runs (it drains recorded histogram samples).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's metrics, ready to render. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The process's metrics: installs the Prometheus recorder the first time it is
    /// called in the process and hands out the same one afterwards (the recorder is
    /// global, and tests build several apps in one process).
    pub fn install() -> Self {
        static INSTALLED: OnceLock<Metrics> = OnceLock::new();
        INSTALLED.get_or_init(install_recorder).clone()
    }

    /// Everything recorded so far, in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

fn install_recorder() -> Metrics {
    // Buckets make the duration a true histogram (p99 per route in PromQL) instead of a
    // summary computed in this process, which cannot be aggregated across nodes.
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(HTTP_REQUEST_DURATION.to_owned()),
            HTTP_DURATION_BUCKETS_SECONDS,
        )
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "request durations are reported as a summary");
            PrometheusBuilder::new()
        });
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if let Err(error) = ::metrics::set_global_recorder(recorder) {
        // Only another recorder installed first can cause this: report nothing rather
        // than fail start-up over metrics.
        tracing::warn!(%error, "a metrics recorder was already installed; /metrics stays empty");
    }
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_INTERVAL);
            upkeep.run_upkeep();
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no metrics upkeep thread: histograms are drained on scrape only");
    }
    describe();
    Metrics { handle }
}

/// Help texts of every metric, and a zero for the series without labels, so that a
/// dashboard and alerts see 0 rather than nothing before the first occurrence.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        Unit::Count,
        "HTTP requests answered, by method, matched route template and status."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "HTTP request durations, by method, matched route template and status."
    );
    describe_counter!(
        DOOR_SCANS,
        Unit::Count,
        "Scans at the door, by verdict and mode (online or offline)."
    );
    describe_counter!(
        DB_POOL_TIMEOUTS,
        Unit::Count,
        "Requests that waited the whole acquire timeout for a database connection (503)."
    );
    counter!(DB_POOL_TIMEOUTS).increment(0);
    describe_counter!(
        PASSWORD_RESET_REQUESTS,
        Unit::Count,
        "Password reset links asked for, by outcome (sent, unknown_address, limited, failed)."
    );
    scrape::describe();
    carneau_commands::metrics::describe();
    carneau_projections::metrics::describe();
}

/// Whether a door scan was judged on line or sent later by an offline scanner.
#[derive(Debug, Clone, Copy)]
pub enum ScanMode {
    /// `POST /door/events/{event_id}/check-ins`.
    Online,
    /// `POST /door/events/{event_id}/offline-scans`.
    Offline,
}

/// Counts one scan at the door with its verdict (the snake_case name the scanner shows).
pub fn door_scan(verdict: &'static str, mode: ScanMode) {
    let mode = match mode {
        ScanMode::Online => "online",
        ScanMode::Offline => "offline",
    };
    counter!(DOOR_SCANS, "verdict" => verdict, "mode" => mode).increment(1);
}

/// Counts one request that timed out waiting for a database connection.
pub fn pool_timed_out() {
    counter!(DB_POOL_TIMEOUTS).increment(1);
}

/// What became of one request for a password reset link. The person asking gets the
/// same answer for `Sent` and `UnknownAddress`; only the operator's counter tells them
/// apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetRequested {
    /// A link was queued for the account with the email.
    Sent,
    /// No account has the email: nothing was sent.
    UnknownAddress,
    /// Refused by a rate limit (per client address or per email): 429.
    Limited,
    /// The link could not be queued (the database failed); logged.
    Failed,
}

/// Counts one request for a password reset link by its outcome.
pub fn password_reset_requested(outcome: ResetRequested) {
    let outcome = match outcome {
        ResetRequested::Sent => "sent",
        ResetRequested::UnknownAddress => "unknown_address",
        ResetRequested::Limited => "limited",
        ResetRequested::Failed => "failed",
    };
    counter!(PASSWORD_RESET_REQUESTS, "outcome" => outcome).increment(1);
}

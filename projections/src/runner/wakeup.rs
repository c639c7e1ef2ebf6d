//! When an active projector looks at the log again: on a notification from channel
//! `events`, shortly after it, or when the poll interval runs out.
//!
//! The notification is sent at commit, but the committed rows only become readable once
//! every older transaction has ended too, so one read right after it can find nothing.
//! A few re-polls with growing delays cover that; the poll interval covers the rest
//! (a lost notification, a long transaction that appended nothing).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{warn, Instrument};

/// The channel the `events_appended` trigger notifies.
const EVENTS_CHANNEL: &str = "events";

/// How long to wait before listening again after the listener failed.
const LISTEN_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Why a wait ended.
pub(super) enum Wake {
    /// Something was appended (or notifications may have been missed).
    Notified,
    /// The wait ran its full length.
    TimedOut,
    /// The runner is shutting down.
    ShutDown,
}

/// A background listener on channel `events`, on a connection of its own; it stops when
/// this is dropped.
pub(super) struct LogWakeups {
    appended: Arc<Notify>,
    stop: CancellationToken,
}

impl LogWakeups {
    /// Starts listening. Once `LISTEN` has taken effect it wakes the runner once, so an
    /// append that committed before then is not left for the poll interval.
    pub(super) fn listen(options: PgConnectOptions) -> Self {
        let appended = Arc::new(Notify::new());
        let stop = CancellationToken::new();
        tokio::spawn(
            listen_for_appends(options, Arc::clone(&appended), stop.clone()).in_current_span(),
        );
        Self { appended, stop }
    }

    /// Waits for a notification, `timeout`, or shutdown, whichever comes first.
    pub(super) async fn wait(&self, timeout: Duration, shutdown: &CancellationToken) -> Wake {
        tokio::select! {
            () = shutdown.cancelled() => Wake::ShutDown,
            () = self.appended.notified() => Wake::Notified,
            () = tokio::time::sleep(timeout) => Wake::TimedOut,
        }
    }
}

impl Drop for LogWakeups {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn listen_for_appends(
    options: PgConnectOptions,
    appended: Arc<Notify>,
    stop: CancellationToken,
) {
    // A pool of one, apart from the application's pool: PgListener reconnects through
    // it, and the listening connection does not take a slot the application needs.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(options.application_name("carneau projector listener"));
    tokio::select! {
        () = stop.cancelled() => {}
        () = relay_with_retries(&pool, &appended) => {}
    }
    // The listener is gone with the relay future, so closing does not wait on it.
    pool.close().await;
}

async fn relay_with_retries(pool: &PgPool, appended: &Notify) {
    loop {
        if let Err(error) = relay_notifications(pool, appended).await {
            warn!(
                error = format!("{error:#}"),
                retry_in = ?LISTEN_RETRY_DELAY,
                "listening for appended events failed; polling only until it recovers"
            );
        }
        tokio::time::sleep(LISTEN_RETRY_DELAY).await;
    }
}

/// Wakes the runner for each notification until the listener fails.
async fn relay_notifications(pool: &PgPool, appended: &Notify) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .context("connecting the listener")?;
    listener
        .listen(EVENTS_CHANNEL)
        .await
        .context("subscribing to appended events")?;
    appended.notify_one();
    loop {
        // `None` means the connection was lost and re-established: notifications sent in
        // between are gone, so wake the runner as if one had arrived.
        listener
            .try_recv()
            .await
            .context("receiving notifications")?;
        appended.notify_one();
    }
}

/// The delays between reads while the log is quiet.
pub(super) struct PollSchedule {
    poll_interval: Duration,
    first_repoll: Duration,
    repolls: u32,
    repolls_left: u32,
    next_repoll: Duration,
}

impl PollSchedule {
    /// Polls every `poll_interval`, and after a notification re-polls `repolls` times,
    /// the first after `first_repoll`, each delay twice the one before.
    pub(super) fn new(poll_interval: Duration, first_repoll: Duration, repolls: u32) -> Self {
        Self {
            poll_interval,
            first_repoll,
            repolls,
            repolls_left: 0,
            next_repoll: first_repoll,
        }
    }

    /// Starts the re-polls over after a notification.
    pub(super) fn notified(&mut self) {
        self.repolls_left = self.repolls;
        self.next_repoll = self.first_repoll;
    }

    /// How long to wait before the next read.
    pub(super) fn next_wait(&mut self) -> Duration {
        if self.repolls_left == 0 {
            return self.poll_interval;
        }
        self.repolls_left -= 1;
        let delay = self.next_repoll.min(self.poll_interval);
        self.next_repoll = delay.saturating_mul(2);
        delay
    }
}

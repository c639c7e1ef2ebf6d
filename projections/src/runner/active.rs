//! The long-lived loop of one instance: stand by until it holds the projector's lock,
//! then apply the log as it grows until shutdown or until the lock is lost.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::batch::{apply_next_batch, store_walked, BatchOutcome, Cursor, Walk};
use super::lock::ProjectorLock;
use super::wakeup::{LogWakeups, PollSchedule, Wake};
use super::{Projector, RunnerConfig};

/// How often an active instance makes sure it still holds the projector's lock.
const LOCK_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Why an instance stopped applying.
enum Stepped {
    Down,
    ShutDown,
}

/// Alternates between standing by and applying until `shutdown` is cancelled.
pub(super) async fn run(
    config: &RunnerConfig,
    pool: &PgPool,
    sessions: PgConnectOptions,
    projector: &dyn Projector,
    shutdown: &CancellationToken,
) {
    let mut lock = ProjectorLock::new(sessions.clone(), projector.name());
    loop {
        if !stand_by(config, &mut lock, shutdown).await {
            lock.close().await;
            info!("projector stopped while standing by");
            return;
        }
        info!("took the projector lock; applying the log");
        match apply_while_holding(config, pool, &sessions, projector, &mut lock, shutdown).await {
            Stepped::Down => continue,
            Stepped::ShutDown => {
                match lock.release().await {
                    Ok(()) => info!("projector stopped; released its lock"),
                    Err(error) => warn!(
                        error = format!("{error:#}"),
                        "projector stopped; releasing its lock failed, closing the session frees it"
                    ),
                }
                return;
            }
        }
    }
}

/// Retries the lock until it is taken (true) or shutdown comes (false).
async fn stand_by(
    config: &RunnerConfig,
    lock: &mut ProjectorLock,
    shutdown: &CancellationToken,
) -> bool {
    let mut announced = false;
    loop {
        if shutdown.is_cancelled() {
            return false;
        }
        match lock.try_acquire().await {
            Ok(true) => return true,
            // A standby holds no connection between attempts: with many nodes, one per
            // background task per node would take most of PostgreSQL's connections
            // (docs/architecture.md, "PgBouncer"); reconnecting every few seconds is cheap.
            Ok(false) if !announced => {
                announced = true;
                lock.close().await;
                info!("another instance holds the projector lock; standing by");
            }
            Ok(false) => lock.close().await,
            Err(error) => warn!(
                error = format!("{error:#}"),
                retry_in = ?config.lock_retry_interval,
                "could not try the projector lock"
            ),
        }
        if !sleep_unless_shutdown(config.lock_retry_interval, shutdown).await {
            return false;
        }
    }
}

/// Applies batches while the lock connection is alive.
async fn apply_while_holding(
    config: &RunnerConfig,
    pool: &PgPool,
    sessions: &PgConnectOptions,
    projector: &dyn Projector,
    lock: &mut ProjectorLock,
    shutdown: &CancellationToken,
) -> Stepped {
    let wakeups = LogWakeups::listen(sessions.clone());
    let mut schedule = PollSchedule::new(
        config.poll_interval,
        config.notify_repoll_delay,
        config.notify_repolls,
    );
    let mut backoff = ErrorBackoff::new(config.error_backoff_min, config.error_backoff_max);
    let mut cursor = Cursor::default();
    let mut lock_checked_at: Option<Instant> = None;
    loop {
        if shutdown.is_cancelled() {
            return Stepped::ShutDown;
        }
        // Checked before a batch, at most once per LOCK_CHECK_INTERVAL: without the lock
        // another instance may be active, and although the checkpoint's compare-and-set
        // keeps the read model right, two instances would only fight over every batch. A
        // round trip before every batch would cost a sale one more statement per commit
        // and projector.
        if lock_checked_at.is_none_or(|checked| checked.elapsed() >= LOCK_CHECK_INTERVAL) {
            if let Err(error) = lock.check().await {
                warn!(
                    error = format!("{error:#}"),
                    "lost the projector lock; standing by"
                );
                return Stepped::Down;
            }
            lock_checked_at = Some(Instant::now());
        }
        let wait =
            match apply_next_batch(pool, projector, &mut cursor, config, Walk::MayDefer).await {
                Ok(BatchOutcome::Applied { full: true, .. }) | Ok(BatchOutcome::Conflict) => {
                    backoff.reset();
                    continue;
                }
                Ok(BatchOutcome::Applied { full: false, .. }) => {
                    backoff.reset();
                    schedule.next_wait()
                }
                Err(failure) => {
                    let delay = backoff.next_delay();
                    error!(
                        error = format!("{:#}", anyhow::Error::new(failure)),
                        retry_in = ?delay,
                        "applying a batch failed; nothing of it was kept"
                    );
                    cursor.forget();
                    // Notifications must not cut the backoff short.
                    if !sleep_unless_shutdown(delay, shutdown).await {
                        return Stepped::ShutDown;
                    }
                    continue;
                }
            };
        match wakeups.wait(wait, shutdown).await {
            Wake::Notified => {
                schedule.notified();
                if !config.settle_after_notify.is_zero()
                    && !sleep_unless_shutdown(config.settle_after_notify, shutdown).await
                {
                    return Stepped::ShutDown;
                }
            }
            // The log went quiet: the rows walked meanwhile are stored now, so that the
            // checkpoint shows how far the projector is.
            Wake::TimedOut => store_walked_rows(pool, projector, &mut cursor, config).await,
            Wake::ShutDown => {
                store_walked_rows(pool, projector, &mut cursor, config).await;
                return Stepped::ShutDown;
            }
        }
    }
}

/// Stores the checkpoint past the rows walked without storing it, if any. A failure is
/// logged and the cursor cleared: the rows are walked again from the stored checkpoint.
async fn store_walked_rows(
    pool: &PgPool,
    projector: &dyn Projector,
    cursor: &mut Cursor,
    config: &RunnerConfig,
) {
    if !cursor.walked_unstored() {
        return;
    }
    match store_walked(pool, projector, cursor, config).await {
        Ok(true) => {}
        Ok(false) => warn!("the checkpoint was moved by another instance; reloading it"),
        Err(error) => {
            warn!(
                error = format!("{:#}", anyhow::Error::new(error)),
                "could not store the checkpoint past the rows walked; walking them again"
            );
            cursor.forget();
        }
    }
}

/// Sleeps for `delay`; false when shutdown came first.
async fn sleep_unless_shutdown(delay: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// Doubling waits between retries of a failing batch.
struct ErrorBackoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl ErrorBackoff {
    fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    fn next_delay(&mut self) -> Duration {
        let delay = self.next.min(self.max);
        self.next = delay.saturating_mul(2);
        delay
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

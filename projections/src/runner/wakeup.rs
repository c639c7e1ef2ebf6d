//! When an active projector looks at the log again: on a notification from channel
//! `events`, shortly after it, or when the poll interval runs out.
//!
//! The notification is sent at commit, but the committed rows only become readable once
//! every older transaction has ended too, so one read right after it can find nothing.
//! A few re-polls with growing delays cover that; the poll interval covers the rest
//! (a lost notification, a long transaction that appended nothing).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
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

/// A runner's wake-ups from channel `events`. Every runner of a process on the same
/// database shares one listening connection (seven projectors with a connection each
/// took seven of PostgreSQL's `max_connections` per node, for one message); it stops when
/// the last runner's wake-ups are dropped.
pub(super) struct LogWakeups {
    appended: Arc<Notify>,
    /// Kept for its `Drop`: the shared listener lives while a runner needs it.
    _listener: Arc<SharedListener>,
}

impl LogWakeups {
    /// Subscribes to the process's listener on the database of `options`, starting it if
    /// none runs. Once `LISTEN` has taken effect the runner is woken once, so an append
    /// that committed before then is not left for the poll interval.
    pub(super) fn listen(options: PgConnectOptions) -> Self {
        let appended = Arc::new(Notify::new());
        let listener = SharedListener::for_database(options);
        listener.subscribe(&appended);
        Self {
            appended,
            _listener: listener,
        }
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

/// Which database a listener listens on: notifications do not cross databases.
type DatabaseKey = (String, u16, Option<String>, String);

/// The listeners of this process, one per database, while some runner uses them.
static LISTENERS: LazyLock<Mutex<HashMap<DatabaseKey, Weak<SharedListener>>>> =
    LazyLock::new(Mutex::default);

/// One `LISTEN events` connection relaying each notification to every subscribed runner.
struct SharedListener {
    subscribers: Arc<Subscribers>,
    stop: CancellationToken,
}

/// The runners to wake, and whether `LISTEN` has taken effect yet.
#[derive(Default)]
struct Subscribers {
    runners: Mutex<Vec<Weak<Notify>>>,
    listening: std::sync::atomic::AtomicBool,
}

impl Subscribers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<Notify>>> {
        self.runners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes every runner still subscribed and forgets the others.
    fn wake_all(&self) {
        self.lock().retain(|runner| match runner.upgrade() {
            Some(runner) => {
                runner.notify_one();
                true
            }
            None => false,
        });
    }
}

impl SharedListener {
    /// The running listener of the database of `options`, or a new one.
    fn for_database(options: PgConnectOptions) -> Arc<Self> {
        let key = (
            options.get_host().to_owned(),
            options.get_port(),
            options.get_database().map(str::to_owned),
            options.get_username().to_owned(),
        );
        let mut listeners = LISTENERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        listeners.retain(|_, listener| listener.strong_count() > 0);
        if let Some(listener) = listeners.get(&key).and_then(Weak::upgrade) {
            return listener;
        }
        let subscribers = Arc::new(Subscribers::default());
        let stop = CancellationToken::new();
        tokio::spawn(
            listen_for_appends(options, Arc::clone(&subscribers), stop.clone()).in_current_span(),
        );
        let listener = Arc::new(Self { subscribers, stop });
        listeners.insert(key, Arc::downgrade(&listener));
        listener
    }

    /// Wakes `runner` on every notification from now on; at once too if `LISTEN` has
    /// already taken effect (the listener's own first wake-up was before this runner).
    fn subscribe(&self, runner: &Arc<Notify>) {
        self.subscribers.lock().push(Arc::downgrade(runner));
        if self
            .subscribers
            .listening
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            runner.notify_one();
        }
    }
}

impl Drop for SharedListener {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn listen_for_appends(
    options: PgConnectOptions,
    subscribers: Arc<Subscribers>,
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
        () = relay_with_retries(&pool, &subscribers) => {}
    }
    // The listener is gone with the relay future, so closing does not wait on it.
    pool.close().await;
}

async fn relay_with_retries(pool: &PgPool, subscribers: &Subscribers) {
    loop {
        if let Err(error) = relay_notifications(pool, subscribers).await {
            subscribers
                .listening
                .store(false, std::sync::atomic::Ordering::SeqCst);
            warn!(
                error = format!("{error:#}"),
                retry_in = ?LISTEN_RETRY_DELAY,
                "listening for appended events failed; polling only until it recovers"
            );
        }
        tokio::time::sleep(LISTEN_RETRY_DELAY).await;
    }
}

/// Wakes the runners for each notification until the listener fails.
async fn relay_notifications(pool: &PgPool, subscribers: &Subscribers) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .context("connecting the listener")?;
    listener
        .listen(EVENTS_CHANNEL)
        .await
        .context("subscribing to appended events")?;
    subscribers
        .listening
        .store(true, std::sync::atomic::Ordering::SeqCst);
    subscribers.wake_all();
    loop {
        // `None` means the connection was lost and re-established: notifications sent in
        // between are gone, so wake the runners as if one had arrived.
        listener
            .try_recv()
            .await
            .context("receiving notifications")?;
        subscribers.wake_all();
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

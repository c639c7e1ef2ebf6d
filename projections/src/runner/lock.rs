//! The advisory lock that makes one instance per projector the active one.
//!
//! It is a session-level lock on a connection of its own (not from the pool), so it
//! lives exactly as long as that connection: if the connection dies, PostgreSQL releases
//! the lock and a standby takes over.

use std::time::Duration;

use anyhow::{bail, Context};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// First key of the two-int advisory lock, so projector locks cannot collide with
/// advisory locks other parts of the system take on hashed names ("CARN").
const PROJECTOR_LOCK_NAMESPACE: i32 = 0x4341_524E;

/// How long connecting, locking or checking the lock may take before the connection is
/// given up as dead.
const LOCK_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A dedicated connection that holds, or tries to take, one projector's lock.
pub(crate) struct ProjectorLock {
    options: PgConnectOptions,
    projector: &'static str,
    connection: Option<PgConnection>,
}

impl ProjectorLock {
    /// Prepares the lock for `projector`; nothing connects until the first attempt.
    pub(crate) fn new(options: PgConnectOptions, projector: &'static str) -> Self {
        Self {
            options: options.application_name(&format!("carneau projector lock {projector}")),
            projector,
            connection: None,
        }
    }

    /// Tries once to take the lock; false while another session holds it. A standby
    /// closes the connection after a refusal ([`ProjectorLock::close`]).
    pub(crate) async fn try_acquire(&mut self) -> anyhow::Result<bool> {
        let attempt = async {
            let connection = match &mut self.connection {
                Some(connection) => connection,
                None => self.connection.insert(
                    PgConnection::connect_with(&self.options)
                        .await
                        .context("opening the lock connection")?,
                ),
            };
            let acquired: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext($2))")
                    .bind(PROJECTOR_LOCK_NAMESPACE)
                    .bind(self.projector)
                    .fetch_one(connection)
                    .await
                    .context("taking the projector lock")?;
            anyhow::Ok(acquired)
        };
        let outcome = within_timeout(attempt).await;
        if outcome.is_err() {
            self.connection = None;
        }
        outcome
    }

    /// Checks that the connection holding the lock is still alive, hence the lock held.
    pub(crate) async fn check(&mut self) -> anyhow::Result<()> {
        let Some(connection) = &mut self.connection else {
            bail!("the lock connection is closed");
        };
        let outcome = within_timeout(async {
            connection
                .ping()
                .await
                .context("pinging the lock connection")
        })
        .await;
        if outcome.is_err() {
            self.connection = None;
        }
        outcome
    }

    /// Releases the lock and closes its connection, so a standby can take over at once.
    pub(crate) async fn release(&mut self) -> anyhow::Result<()> {
        let Some(mut connection) = self.connection.take() else {
            return Ok(());
        };
        within_timeout(async {
            sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                .bind(PROJECTOR_LOCK_NAMESPACE)
                .bind(self.projector)
                .execute(&mut connection)
                .await
                .context("releasing the projector lock")?;
            // Should the unlock fail, dropping the connection still ends the session,
            // which releases every lock it held.
            connection
                .close()
                .await
                .context("closing the lock connection")
        })
        .await
    }

    /// Closes the connection of a standby, which holds no lock.
    pub(crate) async fn close(&mut self) {
        if let Some(connection) = self.connection.take() {
            // A failed close still drops the socket, which ends the session.
            let _ = within_timeout(async { Ok(connection.close().await?) }).await;
        }
    }
}

async fn within_timeout<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::time::timeout(LOCK_STATEMENT_TIMEOUT, work)
        .await
        .context("the lock connection did not answer in time")?
}

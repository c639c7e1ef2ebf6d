//! The task that signs the chain's head into `event_seal_checkpoints`, in one process at
//! a time: every `carneau serve` runs it, and the one holding the signer's advisory lock
//! (the projectors' lock, on a connection of its own) signs while the others stand by and
//! take over within a look or two when it goes.

use anyhow::Context;
use chrono::Utc;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::checkpoints::CHECKPOINT_CHECK_INTERVAL;
use super::checkpoints::{checkpoint_due, newest_signed_by, store_checkpoint};
use super::signing::CheckpointSigner;
use super::stored_seals::chain_head;
use crate::log::LogPosition;
use crate::runner::lock::ProjectorLock;

/// The name the signer's advisory lock is taken under (beside the projectors' names).
pub const CHECKPOINT_SIGNER_LOCK: &str = "checkpoint-signer";

/// Signs the chain's head whenever [`checkpoint_due`] says so, until `shutdown`, while
/// this process holds the signer's lock; looks for the lock every
/// [`CHECKPOINT_CHECK_INTERVAL`] while another process holds it. The lock is taken on a
/// connection made with `sessions` (a direct one when `pool` goes through a transaction
/// pooler); the signing goes through `pool`.
pub async fn run_checkpoint_signer(
    pool: PgPool,
    sessions: PgConnectOptions,
    signer: CheckpointSigner,
    shutdown: CancellationToken,
) {
    let key_id = signer.public_key().key_id();
    let mut lock = ProjectorLock::new(sessions, CHECKPOINT_SIGNER_LOCK);
    let mut active = false;
    let mut previous_head = None;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(CHECKPOINT_CHECK_INTERVAL) => {}
        }
        if active {
            if let Err(error) = lock.check().await {
                warn!(
                    error = format!("{error:#}"),
                    "lost the checkpoint signer's lock"
                );
                active = false;
            }
        }
        if !active {
            match lock.try_acquire().await {
                Ok(true) => {
                    info!(key_id, "this process signs the event log's checkpoints now");
                    active = true;
                    previous_head = None;
                }
                Ok(false) => {
                    // Like a projector's standby: no connection held while waiting.
                    lock.close().await;
                    continue;
                }
                Err(error) => {
                    warn!(
                        error = format!("{error:#}"),
                        "could not try the checkpoint signer's lock; retrying later"
                    );
                    continue;
                }
            }
        }
        match sign_if_due(&pool, &signer, previous_head).await {
            Ok(head) => previous_head = head,
            Err(error) => warn!(
                error = format!("{error:#}"),
                "signing a checkpoint of the event log failed; retrying later"
            ),
        }
    }
    let released = if active {
        lock.release().await
    } else {
        lock.close().await;
        Ok(())
    };
    if let Err(error) = released {
        // Closing the connection ends the session, which releases the lock anyway.
        warn!(
            error = format!("{error:#}"),
            "releasing the checkpoint signer's lock"
        );
    }
}

/// Signs the head if it is due; answers the head it saw.
async fn sign_if_due(
    pool: &PgPool,
    signer: &CheckpointSigner,
    previous_head: Option<LogPosition>,
) -> anyhow::Result<Option<LogPosition>> {
    let Some(head) = chain_head(pool).await.context("reading the chain's head")? else {
        return Ok(None);
    };
    let newest = newest_signed_by(pool, &signer.public_key()).await?;
    if checkpoint_due(head.position, newest, previous_head, Utc::now()) {
        let checkpoint = signer.sign(head.position, head.ordinal, head.seal, Utc::now());
        store_checkpoint(pool, &checkpoint).await?;
        debug!(position = %head.position, events = head.ordinal, "signed a checkpoint");
    }
    Ok(Some(head.position))
}

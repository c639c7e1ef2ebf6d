//! The sealer: a projector whose "read model" is the hash chain in `event_seals`.
//!
//! Being a projector gives it everything the chain needs from a single writer: one active
//! instance across processes (the runner's advisory lock), the log in the gap-safe order,
//! and its seals committed in the same transaction as its checkpoint's compare-and-set,
//! so a crash or a restart continues the chain exactly where the last commit left it.

use std::time::Duration;

use anyhow::{ensure, Context};
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Postgres, Transaction};
use tracing::{instrument, warn};

use super::canonical_rows::read_canonical_stretch;
use super::chain::Seal;
use super::stored_seals::{chain_head, insert_seals, StoredSeal};
use crate::log::Interest;
use crate::runner::{Batch, Projector};

/// The sealer's projector name: its checkpoint row and its lock.
pub const SEALER_NAME: &str = "event-sealer";

/// A seal lag above this is logged: the sealer should keep within a second of the log
/// even during a flash sale.
pub const SEAL_LAG_WARNING: Duration = Duration::from_secs(1);

/// Seals each event of the log, in order, into `event_seals`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sealer;

#[async_trait]
impl Projector for Sealer {
    fn name(&self) -> &'static str {
        SEALER_NAME
    }

    /// No event whole: the runner only walks the positions, and the sealer reads the
    /// batch's stretch once, in the canonical form the chain covers (PostgreSQL's own
    /// text of the JSON, which the runner's decoded rows do not keep).
    fn interest(&self) -> Option<Interest> {
        Some(Interest::NOTHING)
    }

    /// Every stretch is sealed, and the sealer reads it itself.
    fn stores_every_stretch(&self) -> bool {
        true
    }

    #[instrument(skip_all, fields(through = %batch.through, events, seal_lag_ms))]
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        if batch.through <= batch.after {
            return Ok(());
        }
        let rows = read_canonical_stretch(tx, batch.after, batch.through)
            .await
            .context("reading the batch in canonical form")?;
        tracing::Span::current().record("events", rows.len());
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            anyhow::bail!(
                "the log between {} and {} is empty, but the reader walked it",
                batch.after,
                batch.through
            );
        };
        ensure!(
            last.position == batch.through,
            "the log between {} and {} changed while it was being sealed",
            batch.after,
            batch.through
        );
        let head = chain_head(&mut **tx)
            .await
            .context("reading the chain's head")?;
        ensure!(
            head.as_ref()
                .is_none_or(|head| head.position < first.position),
            "the chain's head is already at or past {}",
            first.position
        );
        let (mut previous, mut ordinal) =
            head.map_or((Seal::GENESIS, 0), |head| (head.seal, head.ordinal));
        let sealed_at = Utc::now();
        let seals: Vec<StoredSeal> = rows
            .iter()
            .map(|row| {
                previous = previous.next(row);
                ordinal += 1;
                StoredSeal {
                    position: row.position,
                    ordinal,
                    event_id: row.event_id,
                    payload_digest: Seal::digest(&row.payload),
                    metadata_digest: Seal::digest(&row.metadata),
                    seal: previous,
                    sealed_at,
                }
            })
            .collect();
        insert_seals(tx, &seals)
            .await
            .context("writing the seals")?;

        // The event of the batch that waited longest gives the batch's lag.
        let oldest = rows
            .iter()
            .map(|row| row.recorded_at)
            .min()
            .unwrap_or(sealed_at);
        let lag = (sealed_at - oldest).to_std().unwrap_or(Duration::ZERO);
        tracing::Span::current().record("seal_lag_ms", lag.as_millis());
        if lag > SEAL_LAG_WARNING {
            warn!(
                seal_lag_ms = lag.as_millis(),
                events = rows.len(),
                "the sealer is behind the log"
            );
        }
        Ok(())
    }
}

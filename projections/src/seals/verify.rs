//! Recomputes the chain from `events` and compares it with `event_seals` and, when given,
//! with a signed checkpoint kept outside the system; names the first place it breaks.
//!
//! The stored seals locate a change precisely as long as whoever made it left them
//! alone. Someone able to rewrite `events` can also recompute `event_seals`; only a
//! checkpoint signed before the change then shows it, at the checkpoint's head.

use std::collections::VecDeque;

use anyhow::Context;
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

use super::breaks::{BreakKind, IntactLog, LogBreak, Verdict};
use super::canonical_rows::read_canonical_after;
use super::chain::{CanonicalEvent, Seal};
use super::checkpoint_queue::CheckpointQueue;
use super::signing::{AuditPublicKey, SignedCheckpoint};
use super::stored_seals::{chain_head, read_seals_after, sealed_position_of, StoredSeal};
use crate::log::LogPosition;

/// Rows and seals read per query.
pub const VERIFY_PAGE_SIZE: u32 = 2_000;

/// What to verify the log against.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// A checkpoint the auditor kept outside the system.
    pub checkpoint: Option<&'a SignedCheckpoint>,
    /// Checkpoints stored in `event_seal_checkpoints` (`stored_checkpoints`), each also
    /// to be met: signed by the trusted key, its head on the recomputed chain.
    pub stored: &'a [SignedCheckpoint],
    /// The key the checkpoints must be signed with; without it, the key each checkpoint
    /// names is used, which only shows the checkpoint was not altered.
    pub trusted_key: Option<&'a AuditPublicKey>,
}

/// Walks the whole readable log in the auditors' order. `progress` hears how many events
/// were checked so far, once per page.
#[instrument(skip_all)]
pub async fn verify_log(
    pool: &PgPool,
    options: VerifyOptions<'_>,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<Verdict> {
    let checkpoints =
        match CheckpointQueue::new(options.checkpoint, options.stored, options.trusted_key) {
            Ok(checkpoints) => checkpoints,
            Err(broken) => return Ok(Verdict::Broken(broken)),
        };
    // The chain as it stands now: seals written while the walk runs may cover rows that
    // were past the readable horizon when their page of `events` was read, and would
    // look deleted.
    let sealed_head = chain_head(pool)
        .await
        .context("reading the chain's head")?
        .map(|head| head.position);
    // The rows' JSON that is not ours to print goes back to the same connection.
    let mut conn = pool.acquire().await.context("connecting to read events")?;
    let mut walk = Walk::new(checkpoints);
    let mut rows = Paged::default();
    let mut seals = Paged {
        exhausted: sealed_head.is_none(),
        ..Paged::default()
    };
    loop {
        if rows.wants_page() {
            let page = read_canonical_after(&mut conn, rows.after, VERIFY_PAGE_SIZE)
                .await
                .context("reading events")?;
            rows.push_page(page, |row| row.position);
            progress(walk.counted);
        }
        if seals.wants_page() {
            let mut page = read_seals_after(pool, seals.after, VERIFY_PAGE_SIZE)
                .await
                .context("reading event_seals")?;
            let read = page.len();
            page.retain(|seal| Some(seal.position) <= sealed_head);
            let beyond_head = page.len() < read;
            seals.push_page(page, |seal| seal.position);
            seals.exhausted |= beyond_head;
        }
        let step = match (rows.items.front(), seals.items.front()) {
            (None, None) => return Ok(walk.finish()),
            (Some(row), Some(seal)) if row.position == seal.position => {
                walk.sealed_row(pool, row, seal).await?
            }
            (Some(row), Some(seal)) if row.position < seal.position => Some(walk.broken_at(
                row.position,
                BreakKind::Inserted {
                    event_id: row.event_id,
                },
            )),
            (Some(row), None) => walk.unsealed_row(row),
            (_, Some(seal)) => Some(walk.broken_at(
                seal.position,
                BreakKind::Deleted {
                    event_id: seal.event_id,
                },
            )),
        };
        if let Some(broken) = step {
            return Ok(Verdict::Broken(broken));
        }
        // The arms above only continue past a row, and past its seal when they matched.
        if let Some(row) = rows.items.pop_front() {
            if seals
                .items
                .front()
                .is_some_and(|seal| seal.position == row.position)
            {
                seals.items.pop_front();
            }
        }
    }
}

/// One side of the walk, read a page at a time.
struct Paged<T> {
    items: VecDeque<T>,
    after: LogPosition,
    exhausted: bool,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
            after: LogPosition::START,
            exhausted: false,
        }
    }
}

impl<T> Paged<T> {
    fn wants_page(&self) -> bool {
        self.items.is_empty() && !self.exhausted
    }

    fn push_page(&mut self, page: Vec<T>, position: impl Fn(&T) -> LogPosition) {
        self.exhausted = u32::try_from(page.len()).is_ok_and(|len| len < VERIFY_PAGE_SIZE);
        if let Some(last) = page.last() {
            self.after = position(last);
        }
        self.items.extend(page);
    }
}

/// The recomputed chain so far and the checkpoints still to reach.
struct Walk<'a> {
    previous: Seal,
    counted: u64,
    sealed: u64,
    unsealed: u64,
    head: Option<(LogPosition, Seal)>,
    checkpoints: CheckpointQueue<'a>,
}

impl<'a> Walk<'a> {
    fn new(checkpoints: CheckpointQueue<'a>) -> Self {
        Self {
            previous: Seal::GENESIS,
            counted: 0,
            sealed: 0,
            unsealed: 0,
            head: None,
            checkpoints,
        }
    }

    fn broken_at(&self, position: LogPosition, kind: BreakKind) -> LogBreak {
        LogBreak {
            position,
            ordinal: Some(self.counted + 1),
            kind,
        }
    }

    /// A row with a stored seal: the recomputed seal must equal it.
    async fn sealed_row(
        &mut self,
        pool: &PgPool,
        row: &CanonicalEvent,
        stored: &StoredSeal,
    ) -> anyhow::Result<Option<LogBreak>> {
        let seal = self.previous.next(row);
        if seal != stored.seal {
            let kind = classify(pool, row, stored).await?;
            return Ok(Some(self.broken_at(row.position, kind)));
        }
        self.sealed += 1;
        self.head = Some((row.position, seal));
        Ok(self.advance(row, seal))
    }

    /// A row after the chain's head: only the checkpoint can speak for it.
    fn unsealed_row(&mut self, row: &CanonicalEvent) -> Option<LogBreak> {
        self.unsealed += 1;
        let seal = self.previous.next(row);
        self.advance(row, seal)
    }

    fn advance(&mut self, row: &CanonicalEvent, seal: Seal) -> Option<LogBreak> {
        self.counted += 1;
        self.previous = seal;
        self.checkpoints.reached(row.position, self.counted, seal)
    }

    fn finish(self) -> Verdict {
        if let Some(broken) = self.checkpoints.unmet() {
            return Verdict::Broken(broken);
        }
        Verdict::Intact(IntactLog {
            sealed: self.sealed,
            head: self.head,
            unsealed: self.unsealed,
            checkpoint: self.checkpoints.matched,
            stored_checkpoints: self.checkpoints.stored_matched,
        })
    }
}

/// Why the row at a sealed position no longer gives its seal.
async fn classify(
    pool: &PgPool,
    row: &CanonicalEvent,
    stored: &StoredSeal,
) -> anyhow::Result<BreakKind> {
    if row.event_id != stored.event_id {
        let sealed_at = sealed_position_of(pool, row.event_id)
            .await
            .context("looking the event up in event_seals")?;
        return Ok(match sealed_at {
            None => BreakKind::Inserted {
                event_id: row.event_id,
            },
            Some(elsewhere) if event_at(pool, elsewhere).await? == Some(stored.event_id) => {
                BreakKind::Swapped {
                    event_id: row.event_id,
                    with: elsewhere,
                }
            }
            Some(elsewhere) => BreakKind::Moved {
                event_id: row.event_id,
                from: elsewhere,
            },
        });
    }
    let event_id = row.event_id;
    Ok(if Seal::digest(&row.payload) != stored.payload_digest {
        BreakKind::EditedPayload { event_id }
    } else if Seal::digest(&row.metadata) != stored.metadata_digest {
        BreakKind::EditedMetadata { event_id }
    } else {
        BreakKind::EditedRow { event_id }
    })
}

/// The id of the event at `position` in `events`, if there is one.
async fn event_at(pool: &PgPool, position: LogPosition) -> anyhow::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT event_id FROM events \
          WHERE transaction_id = $1::text::xid8 AND global_position = $2",
    )
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .fetch_optional(pool)
    .await
    .context("reading events")
}

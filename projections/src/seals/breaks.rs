//! What `log verify` reports: an intact log's summary, or where and how the chain breaks.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::chain::Seal;
use super::signing::CheckpointSignatureError;
use crate::log::LogPosition;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row matches its seal (and the checkpoint, when one was given).
    Intact(IntactLog),
    /// The first place where the log and its chain (or the checkpoint) disagree.
    Broken(LogBreak),
}

/// What was checked on an intact log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntactLog {
    /// Events that matched their stored seal.
    pub sealed: u64,
    /// The last sealed event and its seal.
    pub head: Option<(LogPosition, Seal)>,
    /// Events after the head, not sealed yet (the sealer runs a moment behind).
    pub unsealed: u64,
    /// The checkpoint the recomputed chain matched, if one was given.
    pub checkpoint: Option<MatchedCheckpoint>,
    /// How many checkpoints stored in `event_seal_checkpoints` it matched.
    pub stored_checkpoints: u64,
}

/// A signed checkpoint that the recomputed chain matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedCheckpoint {
    /// Its head's position.
    pub position: LogPosition,
    /// Its event count.
    pub event_count: u64,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// The signing key's id.
    pub key_id: String,
}

impl fmt::Display for IntactLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.head {
            Some((position, seal)) => write!(
                f,
                "intact: {} events sealed up to {position} (head {seal})",
                self.sealed
            )?,
            None => write!(f, "intact: no event sealed yet")?,
        }
        if self.unsealed > 0 {
            write!(f, ", {} newer not sealed yet", self.unsealed)?;
        }
        if let Some(checkpoint) = &self.checkpoint {
            write!(
                f,
                "; matches the checkpoint of {} events at {} signed {} by key {}",
                checkpoint.event_count,
                checkpoint.position,
                checkpoint.signed_at.to_rfc3339(),
                checkpoint.key_id
            )?;
        }
        match self.stored_checkpoints {
            0 => {}
            1 => write!(f, "; matches the 1 stored checkpoint checked")?,
            n => write!(f, "; matches the {n} stored checkpoints checked")?,
        }
        Ok(())
    }
}

/// The first place where the log stops matching its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBreak {
    /// Where in the log.
    pub position: LogPosition,
    /// The event's number in the chain (the recomputed one), when there is one.
    pub ordinal: Option<u64>,
    /// What was found there.
    pub kind: BreakKind,
}

/// How the log differs from what was sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// The event's payload is not the one sealed.
    EditedPayload {
        /// The event.
        event_id: Uuid,
    },
    /// The event's metadata is not the one sealed.
    EditedMetadata {
        /// The event.
        event_id: Uuid,
    },
    /// Another column of the event (or its stored seal) is not the one sealed.
    EditedRow {
        /// The event.
        event_id: Uuid,
    },
    /// An event that was sealed here is gone.
    Deleted {
        /// The missing event.
        event_id: Uuid,
    },
    /// An event that was never sealed stands inside the sealed part of the log.
    Inserted {
        /// The intruder.
        event_id: Uuid,
    },
    /// The event sealed here and the one sealed at `with` traded places.
    Swapped {
        /// The event found here.
        event_id: Uuid,
        /// Where it was sealed, which holds the event sealed here.
        with: LogPosition,
    },
    /// The event found here was sealed elsewhere.
    Moved {
        /// The event found here.
        event_id: Uuid,
        /// Where it was sealed.
        from: LogPosition,
    },
    /// The recomputed chain does not reach the checkpoint's head: the log up to it was
    /// changed after it was signed (and the stored seals recomputed to hide it).
    CheckpointMismatch {
        /// The events counted up to the checkpoint's position.
        counted: u64,
        /// The events the checkpoint says there were.
        signed: u64,
    },
    /// The log has no event at the checkpoint's position any more.
    CheckpointPositionMissing {
        /// The events the checkpoint says there were.
        signed: u64,
    },
    /// The checkpoint itself is not acceptable.
    CheckpointSignature(CheckpointSignatureError),
    /// A checkpoint stored in `event_seal_checkpoints` (named by when and by which key it
    /// was signed) does not hold: `problem` says how.
    StoredCheckpoint {
        /// When it says it was signed.
        signed_at: DateTime<Utc>,
        /// The id of the key it names.
        key_id: String,
        /// What is wrong with it.
        problem: Box<BreakKind>,
    },
}

impl fmt::Display for LogBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "broken at {}", self.position)?;
        if let Some(ordinal) = self.ordinal {
            write!(f, " (event #{ordinal})")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EditedPayload { event_id } => {
                write!(f, "the payload of event {event_id} was edited")
            }
            Self::EditedMetadata { event_id } => {
                write!(f, "the metadata of event {event_id} was edited")
            }
            Self::EditedRow { event_id } => write!(
                f,
                "event {event_id} was edited (a column other than payload and metadata, or its stored seal)"
            ),
            Self::Deleted { event_id } => write!(f, "sealed event {event_id} was deleted"),
            Self::Inserted { event_id } => {
                write!(f, "event {event_id} was inserted, it was never sealed here")
            }
            Self::Swapped { event_id, with } => write!(
                f,
                "event {event_id} and the event here were swapped: it was sealed at {with}"
            ),
            Self::Moved { event_id, from } => {
                write!(f, "event {event_id} was moved here: it was sealed at {from}")
            }
            Self::CheckpointMismatch { counted, signed } => write!(
                f,
                "the recomputed chain does not match the signed checkpoint here \
                 ({counted} events counted, {signed} signed): the log up to this position \
                 was changed after the checkpoint was signed"
            ),
            Self::CheckpointPositionMissing { signed } => write!(
                f,
                "the log has no event at the signed checkpoint's head ({signed} events signed): \
                 events up to it were removed or moved"
            ),
            Self::CheckpointSignature(error) => write!(f, "{error}"),
            Self::StoredCheckpoint {
                signed_at,
                key_id,
                problem,
            } => write!(
                f,
                "the stored checkpoint signed {} by key {key_id}: {problem}",
                signed_at.to_rfc3339()
            ),
        }
    }
}

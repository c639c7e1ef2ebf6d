//! The signed checkpoints a verification must meet on its walk: the one the auditor kept
//! outside the system and those the signer stored in `event_seal_checkpoints`, in log
//! order. Each must be signed by the trusted key, and the recomputed chain must reach
//! its head with its seal and its event count.

use std::collections::VecDeque;

use super::breaks::{BreakKind, LogBreak, MatchedCheckpoint};
use super::chain::Seal;
use super::signing::{AuditPublicKey, SignedCheckpoint};
use crate::log::LogPosition;

/// One checkpoint to meet, and where it came from.
#[derive(Debug, Clone, Copy)]
struct Pending<'a> {
    checkpoint: &'a SignedCheckpoint,
    stored: bool,
}

impl Pending<'_> {
    /// A break at this checkpoint's head; a stored checkpoint's names it.
    fn broken(&self, kind: BreakKind) -> LogBreak {
        let checkpoint = self.checkpoint;
        let kind = if self.stored {
            BreakKind::StoredCheckpoint {
                signed_at: checkpoint.signed_at,
                key_id: checkpoint.key_id.clone(),
                problem: Box::new(kind),
            }
        } else {
            kind
        };
        LogBreak {
            position: checkpoint.position,
            ordinal: Some(checkpoint.event_count),
            kind,
        }
    }
}

/// The checkpoints still ahead of the walk, and those met.
#[derive(Debug, Default)]
pub(super) struct CheckpointQueue<'a> {
    pending: VecDeque<Pending<'a>>,
    /// The kept checkpoint, once the chain matched it.
    pub matched: Option<MatchedCheckpoint>,
    /// Stored checkpoints the chain matched.
    pub stored_matched: u64,
}

impl<'a> CheckpointQueue<'a> {
    /// The kept checkpoint `kept` (if any) and the `stored` ones, each checked against
    /// `trusted` (or, without it, the key it names): the first bad signature is a break.
    pub fn new(
        kept: Option<&'a SignedCheckpoint>,
        stored: &'a [SignedCheckpoint],
        trusted: Option<&AuditPublicKey>,
    ) -> Result<Self, LogBreak> {
        let kept = kept.map(|checkpoint| Pending {
            checkpoint,
            stored: false,
        });
        let stored = stored.iter().map(|checkpoint| Pending {
            checkpoint,
            stored: true,
        });
        let mut pending: Vec<Pending<'a>> = kept.into_iter().chain(stored).collect();
        for each in &pending {
            if let Err(error) = each.checkpoint.verify_signature(trusted) {
                return Err(each.broken(BreakKind::CheckpointSignature(error)));
            }
        }
        pending.sort_by_key(|each| each.checkpoint.position);
        Ok(Self {
            pending: pending.into(),
            matched: None,
            stored_matched: 0,
        })
    }

    /// The walk reached `position`, the `counted`-th event, whose recomputed seal is
    /// `seal`: every checkpoint up to there must match it.
    pub fn reached(&mut self, position: LogPosition, counted: u64, seal: Seal) -> Option<LogBreak> {
        while let Some(each) = self.pending.front().copied() {
            let checkpoint = each.checkpoint;
            if position < checkpoint.position {
                return None;
            }
            self.pending.pop_front();
            if position > checkpoint.position {
                return Some(each.broken(BreakKind::CheckpointPositionMissing {
                    signed: checkpoint.event_count,
                }));
            }
            if seal != checkpoint.head_seal || counted != checkpoint.event_count {
                return Some(each.broken(BreakKind::CheckpointMismatch {
                    counted,
                    signed: checkpoint.event_count,
                }));
            }
            if each.stored {
                self.stored_matched += 1;
            } else {
                self.matched = Some(MatchedCheckpoint {
                    position: checkpoint.position,
                    event_count: checkpoint.event_count,
                    signed_at: checkpoint.signed_at,
                    key_id: checkpoint.key_id.clone(),
                });
            }
        }
        None
    }

    /// The walk ended: a checkpoint still ahead has a head the log no longer holds.
    pub fn unmet(&self) -> Option<LogBreak> {
        self.pending.front().map(|each| {
            each.broken(BreakKind::CheckpointPositionMissing {
                signed: each.checkpoint.event_count,
            })
        })
    }
}

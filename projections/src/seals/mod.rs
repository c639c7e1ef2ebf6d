//! Tamper evidence for the event log (see `docs/audit.md`).
//!
//! - [`chain`]: each event's seal is SHA-256 of the previous seal and the event's row in
//!   a canonical encoding, in the auditors' `(transaction_id, global_position)` order;
//! - [`Sealer`]: the projector that writes the chain to `event_seals`, off the request
//!   path, one active instance across processes;
//! - [`signing`] and [`checkpoints`]: the chain's head signed with Ed25519 into
//!   `event_seal_checkpoints`, for auditors to keep outside the system;
//! - [`verify_log`]: recomputes the chain from `events` and names the first place where
//!   it differs from the stored seals or from a signed checkpoint.

mod breaks;
mod canonical_rows;
pub mod chain;
mod checkpoint_queue;
mod checkpoint_signer;
pub mod checkpoints;
pub mod jsonb_text;
mod sealer;
pub mod signing;
mod stored_seals;
mod verify;

pub use breaks::{BreakKind, IntactLog, LogBreak, MatchedCheckpoint, Verdict};
pub use canonical_rows::{read_canonical_after, read_canonical_stretch};
pub use chain::{CanonicalEvent, Seal};
pub use checkpoint_signer::{run_checkpoint_signer, CHECKPOINT_SIGNER_LOCK};
pub use checkpoints::{newest_checkpoint, sign_chain_head, stored_checkpoints};
pub use jsonb_text::jsonb_text;
pub use sealer::{Sealer, SEALER_NAME, SEAL_LAG_WARNING};
pub use signing::{AuditPublicKey, CheckpointSigner, SignedCheckpoint};
pub use stored_seals::{chain_head, StoredSeal, StoredSealError};
pub use verify::{verify_log, VerifyOptions, VERIFY_PAGE_SIZE};

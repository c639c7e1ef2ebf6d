//! `carneau log verify`: recomputes the seal chain from the event log, compares it with
//! the stored seals, with the signed checkpoints stored in the database and, when given,
//! with a signed checkpoint the auditor kept, and names the first position where it breaks.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use carneau_projections::seals::{
    stored_checkpoints, verify_log, AuditPublicKey, LogBreak, SignedCheckpoint, Verdict,
    VerifyOptions,
};
use sqlx::PgPool;

use super::log_checkpoint::configured_public_key;
use crate::config::Config;

/// How often progress is reported on a long log, in events.
pub const PROGRESS_EVERY_EVENTS: u64 = 100_000;

/// A verification that found the log broken; `carneau` exits with status 3 on it
/// ([`super::FINDING_EXIT_CODE`]), so a script tells a tampered log from a verification
/// that could not run (status 1) or was called wrongly (status 2).
#[derive(Debug, thiserror::Error)]
#[error("the event log is {0}")]
pub struct LogBroken(pub LogBreak);

/// How many of the checkpoints stored in the database `verify` checks by default (the
/// newest; the signer stores at most one a minute, so about the last day of a busy log).
pub const DEFAULT_STORED_CHECKPOINTS: u32 = 1_000;

/// Which of the checkpoints stored in `event_seal_checkpoints` to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredCheckpoints {
    /// None of them (only the stored seals and the kept checkpoint).
    Skip,
    /// The newest this many.
    Newest(u32),
    /// Every one (`--all-stored-checkpoints`).
    All,
}

impl Default for StoredCheckpoints {
    fn default() -> Self {
        Self::Newest(DEFAULT_STORED_CHECKPOINTS)
    }
}

/// What to verify the log against.
#[derive(Debug, Default)]
pub struct VerifyRequest<'a> {
    /// `--checkpoint FILE`: a checkpoint printed by `carneau log checkpoint`.
    pub checkpoint_file: Option<&'a Path>,
    /// `--public-key HEX`, or else the key of `CARNEAU_AUDIT_SIGNING_KEY`: the key the
    /// checkpoints must be signed with.
    pub trusted_key: Option<AuditPublicKey>,
    /// Which stored checkpoints to check too.
    pub stored_checkpoints: StoredCheckpoints,
}

/// `carneau log verify`: the key from `--public-key`, else from the configuration; the
/// one-line summary of an intact log, or [`LogBroken`].
pub async fn run(
    pool: &PgPool,
    config: &Config,
    checkpoint_file: Option<&Path>,
    public_key: Option<&str>,
    stored_checkpoints: StoredCheckpoints,
) -> anyhow::Result<String> {
    let trusted_key = match public_key {
        Some(hex) => Some(AuditPublicKey::parse(hex).context("--public-key")?),
        None => configured_public_key(config).ok(),
    };
    let request = VerifyRequest {
        checkpoint_file,
        trusted_key,
        stored_checkpoints,
    };
    let verdict = verify(pool, request, &mut std::io::stderr()).await?;
    Ok(outcome(verdict)?)
}

/// Runs the verification; progress and notes go to `progress` (standard error).
pub async fn verify(
    pool: &PgPool,
    request: VerifyRequest<'_>,
    progress: &mut (dyn Write + Send),
) -> anyhow::Result<Verdict> {
    let checkpoint = request
        .checkpoint_file
        .map(read_checkpoint_file)
        .transpose()?;
    let stored = match request.stored_checkpoints {
        StoredCheckpoints::Skip => Vec::new(),
        StoredCheckpoints::Newest(newest) => stored_checkpoints(pool, Some(newest)).await?,
        StoredCheckpoints::All => stored_checkpoints(pool, None).await?,
    };
    if (checkpoint.is_some() || !stored.is_empty()) && request.trusted_key.is_none() {
        // Best effort: a note that cannot be written changes nothing of the verdict.
        let _ = writeln!(
            progress,
            "note: no --public-key nor CARNEAU_AUDIT_SIGNING_KEY: checking each checkpoint \
             against the key it names, which only shows it was not altered"
        );
    }
    let mut reported = 0;
    let mut report = |counted: u64| {
        if counted / PROGRESS_EVERY_EVENTS > reported / PROGRESS_EVERY_EVENTS {
            reported = counted;
            let _ = writeln!(progress, "verified {counted} events…");
        }
    };
    let options = VerifyOptions {
        checkpoint: checkpoint.as_ref(),
        stored: &stored,
        trusted_key: request.trusted_key.as_ref(),
    };
    verify_log(pool, options, &mut report).await
}

/// Reads a checkpoint file written by `carneau log checkpoint`.
pub fn read_checkpoint_file(path: &Path) -> anyhow::Result<SignedCheckpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a checkpoint of the event log", path.display()))
}

/// The one-line summary of an intact log, or [`LogBroken`].
pub fn outcome(verdict: Verdict) -> Result<String, LogBroken> {
    match verdict {
        Verdict::Intact(intact) => Ok(format!("{intact}\n")),
        Verdict::Broken(broken) => Err(LogBroken(broken)),
    }
}

//! `carneau log …`: the auditor's commands on the event log itself. Export it, verify its
//! seal chain, print a signed checkpoint of it or the key checkpoints are signed with. No
//! telemetry runs, so standard output carries only the answer.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use uuid::Uuid;

use super::log_export::{export_to_stdout, ExportRequest};
use super::log_verify::StoredCheckpoints;
use super::{log_checkpoint, log_verify, write_output};
use crate::{database, Config};

/// The `carneau log` subcommands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Writes the log (or part of it) to standard output as NDJSON, in log order: the
    /// lines `GET /audit/log` streams. `carneau log export > log.ndjson`.
    Export {
        /// Only the streams of this ticketing event (its orders', inventory's and door's too).
        #[arg(long)]
        event: Option<Uuid>,
        /// Only events recorded at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<DateTime<Utc>>,
        /// Only events recorded before this instant (RFC 3339).
        #[arg(long)]
        until: Option<DateTime<Utc>>,
    },
    /// Recomputes the seal chain from the events, compares it with the stored seals, the
    /// stored signed checkpoints and the kept checkpoint, and names the first position
    /// where it breaks (exit status 3).
    Verify {
        /// A checkpoint printed by `carneau log checkpoint` and kept outside the system.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The key the checkpoint must be signed with (64 hex digits); defaults to the
        /// public half of CARNEAU_AUDIT_SIGNING_KEY.
        #[arg(long)]
        public_key: Option<String>,
        /// How many of the checkpoints stored in the database to check, newest first
        /// (0: none).
        #[arg(long, default_value_t = log_verify::DEFAULT_STORED_CHECKPOINTS,
              conflicts_with = "all_stored_checkpoints")]
        stored_checkpoints: u32,
        /// Checks every checkpoint stored in the database.
        #[arg(long)]
        all_stored_checkpoints: bool,
    },
    /// Prints the newest signed checkpoint as JSON, for the auditor to keep elsewhere.
    Checkpoint {
        /// Writes the checkpoint to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Prints the public key checkpoints are signed with (from CARNEAU_AUDIT_SIGNING_KEY).
    PublicKey,
}

/// Runs `command` against the database `config` names.
pub async fn run(config: Config, command: LogCommand) -> anyhow::Result<()> {
    let (answer, output) = match command {
        LogCommand::Export {
            event,
            since,
            until,
        } => {
            let pool = database::connect_existing(&config).await?;
            let request = ExportRequest {
                event,
                since,
                until,
            };
            let outcome = export_to_stdout(&pool, &request).await;
            pool.close().await;
            return outcome.map(|_| ());
        }
        LogCommand::PublicKey => (log_checkpoint::public_key_line(&config), None),
        LogCommand::Verify {
            checkpoint,
            public_key,
            stored_checkpoints,
            all_stored_checkpoints,
        } => {
            let stored = match (all_stored_checkpoints, stored_checkpoints) {
                (true, _) => StoredCheckpoints::All,
                (false, 0) => StoredCheckpoints::Skip,
                (false, newest) => StoredCheckpoints::Newest(newest),
            };
            let pool = database::connect_existing(&config).await?;
            let checkpoint = checkpoint.as_deref();
            let public_key = public_key.as_deref();
            let summary = log_verify::run(&pool, &config, checkpoint, public_key, stored).await;
            pool.close().await;
            (summary, None)
        }
        LogCommand::Checkpoint { output } => {
            let pool = database::connect_existing(&config).await?;
            let json = log_checkpoint::newest_checkpoint_json(&pool).await;
            pool.close().await;
            (json, output)
        }
    };
    write_output(output.as_deref(), &answer?)
}

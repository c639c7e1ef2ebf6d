//! `carneau mail dead-letters` and `carneau mail retry ID|--all`: the messages the mail
//! sender gave up on after its bounded retries, and sending them again once the cause
//! (an SMTP outage, a full mailbox) is mended.

use std::io::Write;

use anyhow::{bail, Context};
use carneau_commands::mail::{dead_letters, retry_all_dead_letters, retry_dead_letter};
use clap::Subcommand;
use sqlx::PgPool;

/// What `carneau mail` does.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Lists the dead-lettered messages: id, when given up, attempts, recipient, subject
    /// and the SMTP server's last answer.
    DeadLetters,
    /// Puts dead-lettered messages back in the sender's queue, due now, with a fresh set
    /// of attempts.
    Retry {
        /// The message's id, as `mail dead-letters` prints it.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every dead-lettered message.
        #[arg(long)]
        all: bool,
    },
}

/// Runs `command` on `pool`'s outbox, printing for a person to `out`.
pub async fn run(pool: &PgPool, command: MailCommand, out: &mut impl Write) -> anyhow::Result<()> {
    match command {
        MailCommand::DeadLetters => {
            let letters = dead_letters(pool)
                .await
                .context("reading the mail outbox")?;
            if letters.is_empty() {
                writeln!(out, "no dead letters").context("writing the list")?;
            }
            for letter in letters {
                writeln!(
                    out,
                    "{}\t{}\t{} attempts\t{}\t{}\t{}",
                    letter.id,
                    letter.dead_lettered_at.to_rfc3339(),
                    letter.attempts,
                    letter.recipient,
                    letter.subject,
                    letter.last_error.unwrap_or_default()
                )
                .context("writing the list")?;
            }
        }
        MailCommand::Retry { all: true, .. } => {
            let requeued = retry_all_dead_letters(pool)
                .await
                .context("requeueing the dead letters")?;
            writeln!(out, "{requeued} message(s) queued again").context("writing the report")?;
        }
        MailCommand::Retry { id: Some(id), .. } => {
            if !retry_dead_letter(pool, id)
                .await
                .context("requeueing the dead letter")?
            {
                bail!("message {id} is not a dead letter (unknown, sent or still queued)");
            }
            writeln!(out, "message {id} queued again").context("writing the report")?;
        }
        // clap requires an id or --all.
        MailCommand::Retry { id: None, .. } => bail!("name a message id or --all"),
    }
    Ok(())
}

//! The emails one batch of the tickets mailer sets off: drafted while it reads the
//! batch, composed together on the mail composer's thread, queued together at the end.
//!
//! A projector's batch is one transaction, and a transaction that has written holds back
//! every reader of the log until it ends (they read only what is older than every
//! running transaction). Composing a tickets email (its QR codes, its HTML) takes far
//! longer than queueing it, so the whole batch is composed before its first write and
//! queued in one statement: during a paying rush, composing between writes held the
//! inventory read model a second behind the sale (docs/benchmarks.md, "The log's
//! readers and the tickets email"). Composing happens on a low-priority thread
//! (`mail_composer.rs`), so a sale's requests go first.

use anyhow::Context;
use carneau_commands::mail::{enqueue_all, OutgoingMail};
use carneau_commands::tickets::{AttendeeTicketEmail, TicketEmail, TicketEmailError};
use carneau_domain::ids::{OrderId, TicketId};
use sqlx::{Postgres, Transaction};

use crate::mail_composer::MailComposer;

/// An email with everything it says, not yet composed.
pub(crate) enum Draft {
    /// A buyer's tickets email, first or again.
    Tickets(Box<TicketEmail>),
    /// An attendee's own ticket.
    Attendee(Box<AttendeeTicketEmail>),
}

impl Draft {
    fn compose(&self, from: &str) -> Result<OutgoingMail, TicketEmailError> {
        match self {
            Self::Tickets(email) => email.compose(from),
            Self::Attendee(email) => email.compose(from),
        }
    }
}

/// What an email is, for the lines logged about it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MailNote {
    /// A buyer's tickets email, first or again.
    Tickets {
        order_id: OrderId,
        tickets: usize,
        again: bool,
    },
    /// An attendee's own ticket.
    Attendee {
        order_id: OrderId,
        ticket_id: TicketId,
    },
}

/// The emails drafted so far in a batch.
#[derive(Default)]
pub(crate) struct MailBatch(Vec<(Draft, MailNote)>);

impl MailBatch {
    /// Adds a drafted email.
    pub(crate) fn push(&mut self, draft: Draft, note: MailNote) {
        self.0.push((draft, note));
    }

    /// Composes every email on `composer`'s thread, from `from`, then queues them in
    /// `tx`, each once per dedupe key, and logs those queued now. One that cannot be
    /// composed (an address the mail library refuses cannot get better by retrying) is
    /// logged and left out rather than stall every later email.
    pub(crate) async fn queue(
        self,
        tx: &mut Transaction<'_, Postgres>,
        composer: &MailComposer,
        from: &str,
    ) -> anyhow::Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let from = from.to_owned();
        let drafts = self.0;
        let composed = composer
            .run(move || {
                drafts
                    .into_iter()
                    .map(|(draft, note)| (draft.compose(&from), note))
                    .collect::<Vec<_>>()
            })
            .await?;
        let mut ready = Vec::with_capacity(composed.len());
        for (mail, note) in composed {
            match mail {
                Ok(mail) => ready.push((mail, note)),
                Err(error) => tracing::warn!(?note, %error, "an email could not be composed"),
            }
        }
        for note in queue_composed(tx, ready).await? {
            match note {
                MailNote::Tickets {
                    order_id,
                    tickets,
                    again,
                } => tracing::info!(%order_id, tickets, again, "tickets email queued"),
                MailNote::Attendee {
                    order_id,
                    ticket_id,
                } => tracing::info!(%order_id, %ticket_id, "attendee ticket email queued"),
            }
        }
        Ok(())
    }
}

/// Queues a batch's composed emails in `tx` in one statement, each once per dedupe key,
/// and answers what the caller said of those queued now (not queued before), to log them.
/// Every mailer queues its batch this way, after composing all of it.
pub(crate) async fn queue_composed<N>(
    tx: &mut Transaction<'_, Postgres>,
    composed: Vec<(OutgoingMail, N)>,
) -> anyhow::Result<Vec<N>> {
    let (mails, notes): (Vec<OutgoingMail>, Vec<N>) = composed.into_iter().unzip();
    let queued = enqueue_all(tx, &mails)
        .await
        .context("queueing the batch's emails")?;
    Ok(notes
        .into_iter()
        .zip(queued)
        .filter_map(|(note, queued)| queued.then_some(note))
        .collect())
}

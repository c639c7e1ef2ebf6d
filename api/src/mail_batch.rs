//! The emails one batch of a mail projector composes, queued together at the end.
//!
//! A projector's batch is one transaction, and a transaction that has written holds back
//! every reader of the log until it ends (they read only what is older than every
//! running transaction). Composing a tickets email (its QR codes, its HTML) takes far
//! longer than queueing it, so the mailer composes the whole batch first and writes it
//! in one statement: during a paying rush, composing between writes held the inventory
//! read model a second behind the sale (docs/benchmarks.md, "Tickets email off the
//! log's path").

use anyhow::Context;
use carneau_commands::mail::{enqueue_all, OutgoingMail};
use carneau_domain::ids::{OrderId, TicketId};
use sqlx::{Postgres, Transaction};

/// What an email is, for the line logged once it is queued.
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

/// The emails composed so far in a batch.
#[derive(Default)]
pub(crate) struct MailBatch(Vec<(OutgoingMail, MailNote)>);

impl MailBatch {
    /// Adds a composed email.
    pub(crate) fn push(&mut self, mail: OutgoingMail, note: MailNote) {
        self.0.push((mail, note));
    }

    /// Queues every email in `tx`, each once per dedupe key, and logs those queued now.
    pub(crate) async fn queue(self, tx: &mut Transaction<'_, Postgres>) -> anyhow::Result<()> {
        let (mails, notes): (Vec<OutgoingMail>, Vec<MailNote>) = self.0.into_iter().unzip();
        let queued = enqueue_all(tx, &mails)
            .await
            .context("queueing the batch's emails")?;
        for (note, queued) in notes.iter().zip(queued) {
            if !queued {
                continue;
            }
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

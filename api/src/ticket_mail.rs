//! The process manager that emails each paid order its tickets.
//!
//! It follows the log like a projector (one active instance across processes, a
//! checkpoint per batch): for each `TicketsIssued` it composes the tickets email and
//! queues it in the mail outbox *in the batch's transaction*, so the email is queued
//! exactly when the checkpoint moves past the fact. A batch's emails are all composed
//! before the first is queued (`mail_batch.rs`). Never in the webhook's path: the webhook only
//! records the payment. The outbox's dedupe key (`tickets:{order_id}`) keeps a rebuilt
//! checkpoint from queueing it twice.
//!
//! Each `TicketsResendRequested` (the buyer, organiser or an admin asked for the email
//! again) queues it once more with the tickets the fact names (those still valid then),
//! under its own dedupe key (`tickets:{order_id}:resend:{sequence}`), so each request is
//! mailed once however often the log is replayed.
//!
//! Attendees with an address other than the buyer's get their own ticket, once per fact
//! (`attendee_mail.rs`): when the tickets are issued, and when a correction gives an
//! issued ticket a new address (`AttendeeCorrected`).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use carneau_commands::payments::Payments;
use carneau_commands::tickets::{EmailedTicket, TicketCodes, TicketEmail};
use carneau_commands::Catalogue;
use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, OrderId};
use carneau_domain::order::{IssuedTicket, Order, OrderEvent};
use carneau_projections::{Batch, Interest, Projector};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};

use crate::attendee_mail::{CorrectedFact, IssuedFact};
use crate::mail_batch::{Draft, MailBatch, MailNote};
use crate::mail_composer::MailComposer;
use crate::order_key::OrderKeys;

/// The events a batch's emails show, each read once per batch: during a sale a batch
/// holds the facts of hundreds of orders of one event, and each read replays the event's
/// catalogue stream. The state is the log's at the batch, as one read per email had it.
#[derive(Default)]
pub(crate) struct BatchEvents(HashMap<EventId, Option<Event>>);

impl BatchEvents {
    /// The event as the log has it, if it exists and has details (an email needs them).
    pub(crate) async fn get(
        &mut self,
        catalogue: &Catalogue,
        event_id: EventId,
    ) -> anyhow::Result<Option<&Event>> {
        let event = match self.0.entry(event_id) {
            Entry::Occupied(read) => read.into_mut(),
            Entry::Vacant(unread) => {
                let event = catalogue
                    .load(event_id)
                    .await
                    .map_err(|error| anyhow::anyhow!("loading event {event_id}: {error}"))?
                    .map(|event| event.state)
                    .filter(|event| event.details().is_some());
                unread.insert(event)
            }
        };
        Ok(event.as_ref())
    }
}

/// Queues the tickets email of every order whose tickets are issued.
pub struct TicketMailer {
    /// Signs the codes the QR images carry.
    pub codes: TicketCodes,
    /// Loads the event's title, date and ticket type names (from the log: no lag).
    pub catalogue: Arc<Catalogue>,
    /// Loads an order whose attendee was corrected (buyer, ticket type, refunds).
    pub payments: Arc<Payments>,
    /// Makes the order's secret link.
    pub order_keys: OrderKeys,
    /// Where buyers' pages live (`CARNEAU_PUBLIC_URL`).
    pub public_url: String,
    /// Where browsers reach the API (`CARNEAU_API_PUBLIC_URL`): the calendar file.
    pub api_public_url: String,
    /// The sender (`CARNEAU_MAIL_FROM`).
    pub mail_from: String,
    /// Where the emails are composed, below the requests' priority.
    pub composer: MailComposer,
}

impl TicketMailer {
    /// The process manager's name, its checkpoint key.
    pub const NAME: &'static str = "ticket-emails";

    /// `ticket` of `event` as an email shows it: its type's name, its code, its attendee.
    pub(crate) fn emailed(
        &self,
        event: &Event,
        event_id: EventId,
        ticket: &IssuedTicket,
    ) -> EmailedTicket {
        EmailedTicket {
            ticket_type_name: event
                .ticket_type(ticket.ticket_type_id)
                .map_or_else(|| "Ticket".to_owned(), |t| t.name.as_str().to_owned()),
            code: self.codes.code_for(event_id, ticket.ticket_id),
            attendee_name: ticket
                .attendee
                .as_ref()
                .and_then(|attendee| attendee.name.as_ref())
                .map(|name| name.as_str().to_owned()),
        }
    }

    /// The tickets email of `order_id`, drafted: composed later, with the batch.
    fn draft(
        &self,
        order_id: OrderId,
        event: &Event,
        event_id: EventId,
        buyer_email: &str,
        tickets: &[IssuedTicket],
        resend: Option<i64>,
    ) -> Option<TicketEmail> {
        let details = event.details().cloned()?;
        let emailed = tickets
            .iter()
            .map(|ticket| self.emailed(event, event_id, ticket))
            .collect();
        Some(TicketEmail {
            order_id: order_id.as_uuid(),
            resend,
            buyer_email: buyer_email.to_owned(),
            event: details,
            order_url: format!(
                "{}/orders/{order_id}?key={}",
                self.public_url.trim_end_matches('/'),
                self.order_keys.issue(order_id)
            ),
            event_url: format!(
                "{}/events/{event_id}",
                self.public_url.trim_end_matches('/')
            ),
            calendar_url: format!(
                "{}/events/{event_id}/calendar.ics",
                self.api_public_url.trim_end_matches('/')
            ),
            tickets: emailed,
        })
    }
}

#[async_trait]
impl Projector for TicketMailer {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// `TicketsIssued` (the first email, and the attendees'), `TicketsResendRequested`
    /// (each one again) and `AttendeeCorrected` (an attendee's new address).
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[],
            event_types: &[
                "TicketsIssued",
                "TicketsResendRequested",
                "AttendeeCorrected",
            ],
            metadata: false,
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let mut events = BatchEvents::default();
        // Drafted here, composed and queued together at the end: see `mail_batch`.
        let mut composed = MailBatch::default();
        for recorded in batch
            .events
            .iter()
            .filter(|e| e.aggregate_type == Order::TYPE)
        {
            let (order_id, event_id, buyer_email, tickets, resend) = match recorded
                .decode()
                .with_context(|| format!("decoding {}", recorded.event_type))?
            {
                OrderEvent::TicketsIssued {
                    order_id,
                    event_id,
                    buyer_email,
                    tickets,
                    ..
                } => (order_id, event_id, buyer_email, tickets, None),
                OrderEvent::TicketsResendRequested {
                    order_id,
                    event_id,
                    buyer_email,
                    tickets,
                    ..
                } => (
                    order_id,
                    event_id,
                    buyer_email,
                    tickets,
                    Some(recorded.sequence),
                ),
                OrderEvent::AttendeeCorrected {
                    order_id,
                    event_id,
                    ticket_id: Some(ticket_id),
                    previous,
                    attendee,
                    ..
                } => {
                    let corrected = CorrectedFact {
                        order_id,
                        event_id,
                        ticket_id,
                        previous: &previous,
                        attendee: &attendee,
                        sequence: recorded.sequence,
                    };
                    self.queue_corrected_attendee_mail(&mut composed, &corrected, &mut events)
                        .await?;
                    continue;
                }
                _ => continue,
            };
            let Some(event) = events.get(&self.catalogue, event_id).await? else {
                tracing::warn!(%order_id, %event_id, "tickets issued for an event unknown or without details: no email");
                continue;
            };
            if let Some(email) = self.draft(
                order_id,
                event,
                event_id,
                buyer_email.as_str(),
                &tickets,
                resend,
            ) {
                composed.push(
                    Draft::Tickets(Box::new(email)),
                    MailNote::Tickets {
                        order_id,
                        tickets: tickets.len(),
                        again: resend.is_some(),
                    },
                );
            }
            // The attendees' own tickets follow the buyer's email, when first issued only
            // (a resend is the buyer's).
            if resend.is_none() {
                let issued = IssuedFact {
                    order_id,
                    event_id,
                    buyer_email: buyer_email.as_str(),
                    tickets: &tickets,
                    sequence: recorded.sequence,
                };
                self.queue_attendee_mails(&mut composed, &issued, &mut events)
                    .await?;
            }
        }
        composed.queue(tx, &self.composer, &self.mail_from).await
    }
}

//! The attendees' own ticket emails, composed by the tickets mailer (`ticket_mail.rs`)
//! with its batch and queued in the batch's transaction, so each is queued exactly when
//! the mailer's checkpoint moves past its fact, and sent after that commit by the mail
//! sender.
//!
//! Who gets one: each ticket whose attendee has an address other than the buyer's (the
//! buyer has the tickets email already), once when the tickets are issued, and once more
//! when a correction gives an issued ticket that is still valid a new address (sent to
//! the new one). The dedupe key is the ticket and the fact
//! (`attendee-ticket:{ticket_id}:{sequence}`), so a replayed log queues nothing twice.
//! The email links to the ticket alone (its own key), never to the order.

use carneau_commands::tickets::{AttendeeMailCause, AttendeeTicketEmail};
use carneau_domain::account::EmailAddress;
use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, OrderId, TicketId};
use carneau_domain::order::{Attendee, IssuedTicket};

use crate::mail_batch::{Draft, MailBatch, MailNote};
use crate::ticket_mail::{BatchEvents, TicketMailer};

/// A `TicketsIssued` fact, as the attendees' emails read it.
pub(crate) struct IssuedFact<'a> {
    pub(crate) order_id: OrderId,
    pub(crate) event_id: EventId,
    pub(crate) buyer_email: &'a str,
    pub(crate) tickets: &'a [IssuedTicket],
    /// Its sequence number in the order's stream.
    pub(crate) sequence: i64,
}

/// An `AttendeeCorrected` fact of an issued ticket.
pub(crate) struct CorrectedFact<'a> {
    pub(crate) order_id: OrderId,
    pub(crate) event_id: EventId,
    pub(crate) ticket_id: TicketId,
    pub(crate) previous: &'a Attendee,
    pub(crate) attendee: &'a Attendee,
    /// Its sequence number in the order's stream.
    pub(crate) sequence: i64,
}

/// The attendee's address when it is one of their own: set, and not the buyer's.
fn own_address<'a>(attendee: Option<&'a Attendee>, buyer_email: &str) -> Option<&'a EmailAddress> {
    attendee
        .and_then(|attendee| attendee.email.as_ref())
        .filter(|email| !email.as_str().eq_ignore_ascii_case(buyer_email.trim()))
}

impl TicketMailer {
    /// Queues the own ticket of every attendee of `fact` with an address of their own.
    pub(crate) async fn queue_attendee_mails(
        &self,
        composed: &mut MailBatch,
        fact: &IssuedFact<'_>,
        events: &mut BatchEvents,
    ) -> anyhow::Result<()> {
        let addressed: Vec<(&IssuedTicket, &EmailAddress)> = fact
            .tickets
            .iter()
            .filter_map(|ticket| {
                own_address(ticket.attendee.as_ref(), fact.buyer_email).map(|to| (ticket, to))
            })
            .collect();
        if addressed.is_empty() {
            return Ok(());
        }
        let Some(event) = events.get(&self.catalogue, fact.event_id).await? else {
            return Ok(());
        };
        for (ticket, to) in addressed {
            let mail = self.attendee_mail(
                event,
                fact.event_id,
                ticket,
                to,
                fact.sequence,
                AttendeeMailCause::Issued,
            );
            queue(composed, fact.order_id, ticket.ticket_id, mail);
        }
        Ok(())
    }

    /// Queues the ticket of `fact` to its attendee's new address, when the correction
    /// changed the address to one of the attendee's own and the ticket is still valid.
    pub(crate) async fn queue_corrected_attendee_mail(
        &self,
        composed: &mut MailBatch,
        fact: &CorrectedFact<'_>,
        events: &mut BatchEvents,
    ) -> anyhow::Result<()> {
        let new_address = fact.attendee.email.as_ref().filter(|email| {
            fact.previous
                .email
                .as_ref()
                .is_none_or(|before| !before.as_str().eq_ignore_ascii_case(email.as_str()))
        });
        if new_address.is_none() {
            return Ok(());
        }
        let order = self
            .payments
            .order(fact.order_id)
            .await
            .map_err(|error| anyhow::anyhow!("loading order {}: {error}", fact.order_id))?;
        let Some(order) = order else {
            return Ok(());
        };
        let Some(buyer_email) = order.placed().map(|placed| placed.buyer_email.as_str()) else {
            return Ok(());
        };
        let Some(to) = own_address(Some(fact.attendee), buyer_email) else {
            return Ok(());
        };
        // A refunded ticket no longer opens the door: nothing to hand over.
        let Some(ticket) = order
            .valid_tickets()
            .into_iter()
            .find(|ticket| ticket.ticket_id == fact.ticket_id)
        else {
            return Ok(());
        };
        let Some(event) = events.get(&self.catalogue, fact.event_id).await? else {
            return Ok(());
        };
        // The ticket as the correction left it: the new name, the new address.
        let ticket = IssuedTicket {
            attendee: Some(fact.attendee.clone()),
            ..ticket
        };
        let mail = self.attendee_mail(
            event,
            fact.event_id,
            &ticket,
            to,
            fact.sequence,
            AttendeeMailCause::Corrected,
        );
        queue(composed, fact.order_id, fact.ticket_id, mail);
        Ok(())
    }

    /// One attendee's email, drafted (composed later, with the batch); `None` when the
    /// event has no details to show.
    fn attendee_mail(
        &self,
        event: &Event,
        event_id: EventId,
        ticket: &IssuedTicket,
        to: &EmailAddress,
        sequence: i64,
        cause: AttendeeMailCause,
    ) -> Option<AttendeeTicketEmail> {
        let details = event.details()?.clone();
        let public_url = self.public_url.trim_end_matches('/');
        let api_url = self.api_public_url.trim_end_matches('/');
        Some(AttendeeTicketEmail {
            ticket_id: ticket.ticket_id.as_uuid(),
            fact_sequence: sequence,
            cause,
            attendee_email: to.as_str().to_owned(),
            event: details,
            ticket_url: format!(
                "{api_url}/tickets/{}/qr.png?key={}",
                ticket.ticket_id,
                self.order_keys.issue_for_ticket(ticket.ticket_id)
            ),
            event_url: format!("{public_url}/events/{event_id}"),
            calendar_url: format!("{api_url}/events/{event_id}/calendar.ics"),
            ticket: self.emailed(event, event_id, ticket),
        })
    }
}

/// Adds `email`, if there is one, to the batch composed and queued at its end.
fn queue(
    composed: &mut MailBatch,
    order_id: OrderId,
    ticket_id: TicketId,
    email: Option<AttendeeTicketEmail>,
) {
    if let Some(email) = email {
        composed.push(
            Draft::Attendee(Box::new(email)),
            MailNote::Attendee {
                order_id,
                ticket_id,
            },
        );
    }
}

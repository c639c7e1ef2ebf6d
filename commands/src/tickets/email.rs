//! The email that delivers an order's tickets: one QR code per ticket, attached as a
//! PNG (mail clients show PNG everywhere, SVG almost nowhere), the venue's address, and
//! links to the order, the event's page and its calendar file.

use std::fmt::Write as _;

use carneau_domain::event::EventDetails;
use carneau_domain::ticket_code::TicketCode;
use uuid::Uuid;

use super::qr::{qr_png, QrError};
use crate::buyer_mail::EventSummary;
use crate::mail::{Attachment, MailBody, MailError, OutgoingMail};

/// One ticket as the email shows it.
#[derive(Debug, Clone)]
pub struct EmailedTicket {
    /// Its ticket type's name ("VIP").
    pub ticket_type_name: String,
    /// Its signed code.
    pub code: TicketCode,
    /// Who it is for, when the event asks and the buyer said.
    pub attendee_name: Option<String>,
}

/// Everything the tickets email of one order says.
#[derive(Debug, Clone)]
pub struct TicketEmail {
    /// The order (its id makes the dedupe key `tickets:{order_id}`).
    pub order_id: Uuid,
    /// When this is the email sent again on request: the sequence number of the
    /// `TicketsResendRequested` fact in the order's stream, its own dedupe key.
    pub resend: Option<i64>,
    /// Where it goes.
    pub buyer_email: String,
    /// The event's details, shown in its own time zone.
    pub event: EventDetails,
    /// The order's secret link, where the tickets can be seen again.
    pub order_url: String,
    /// The event's public page.
    pub event_url: String,
    /// The event as an iCalendar file ("add to calendar").
    pub calendar_url: String,
    /// The tickets, one per seat.
    pub tickets: Vec<EmailedTicket>,
}

/// Why the tickets email could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum TicketEmailError {
    /// A QR code could not be rendered.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// The message could not be built (e.g. the buyer's address does not parse).
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl TicketEmail {
    /// The dedupe key: one tickets email per order, ever.
    pub fn dedupe_key(order_id: Uuid) -> String {
        format!("tickets:{order_id}")
    }

    /// The dedupe key of the email sent again for the order's resend fact `sequence`:
    /// one email per such fact, ever.
    pub fn resend_dedupe_key(order_id: Uuid, sequence: i64) -> String {
        format!("tickets:{order_id}:resend:{sequence}")
    }

    /// The message, from `from` (a mailbox such as `Carneau <tickets@example.com>`).
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, TicketEmailError> {
        let EventSummary {
            title,
            starts,
            place,
        } = EventSummary::of(&self.event);
        let again = if self.resend.is_some() {
            "As asked, here are your tickets again. Tickets refunded since are not included.\n\n"
        } else {
            ""
        };
        let mut text = format!(
            "{again}Your tickets for {title}\n\n{starts}\n{place}\n\n\
             The event: {event_url}\nAdd it to your calendar: {calendar_url}\n\n",
            event_url = self.event_url,
            calendar_url = self.calendar_url,
        );
        let mut attachments = Vec::with_capacity(self.tickets.len());
        for (n, ticket) in self.tickets.iter().enumerate() {
            let file_name = format!("ticket-{}.png", n + 1);
            // Writing to a String cannot fail.
            let holder = ticket
                .attendee_name
                .as_deref()
                .map(|name| format!(" for {name}"))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "Ticket {}: {}{holder} (QR code attached as {file_name})",
                n + 1,
                ticket.ticket_type_name
            );
            attachments.push(Attachment {
                file_name,
                content_type: "image/png".to_owned(),
                bytes: qr_png(&ticket.code)?,
            });
        }
        let _ = write!(
            text,
            "\nShow each QR code at the door; each one lets one person in once.\n\n\
             Your order, with your tickets:\n{}\n",
            self.order_url
        );
        let dedupe_key = match self.resend {
            Some(sequence) => Self::resend_dedupe_key(self.order_id, sequence),
            None => Self::dedupe_key(self.order_id),
        };
        Ok(OutgoingMail::build(
            &dedupe_key,
            from,
            &self.buyer_email,
            &format!("Your tickets for {title}"),
            MailBody::from_text(text),
            attachments,
        )?)
    }
}

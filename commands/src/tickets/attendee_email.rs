//! The email that gives an attendee their own ticket, when the buyer named them with an
//! address of their own: the ticket's QR code attached, a link to that ticket alone (not
//! the order: the buyer's other tickets stay theirs), the event in its own time zone.

use carneau_domain::event::EventDetails;
use uuid::Uuid;

use super::email::{EmailedTicket, TicketEmailError};
use super::qr::qr_png;
use crate::buyer_mail::EventSummary;
use crate::mail::{Attachment, MailBody, OutgoingMail};

/// Why the attendee gets this email: the fact it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendeeMailCause {
    /// The order's tickets were issued with the attendee's address.
    Issued,
    /// A correction gave the ticket this address.
    Corrected,
}

/// Everything one attendee's ticket email says.
#[derive(Debug, Clone)]
pub struct AttendeeTicketEmail {
    /// The ticket.
    pub ticket_id: Uuid,
    /// The sequence number of the fact in the order's stream that sends it
    /// (`TicketsIssued` or `AttendeeCorrected`): with the ticket, its dedupe key.
    pub fact_sequence: i64,
    /// Why it is sent.
    pub cause: AttendeeMailCause,
    /// Where it goes: the attendee's address.
    pub attendee_email: String,
    /// The event's details, shown in its own time zone.
    pub event: EventDetails,
    /// The ticket's own page (its QR code), openable with the link alone.
    pub ticket_url: String,
    /// The event's public page.
    pub event_url: String,
    /// The event as an iCalendar file ("add to calendar").
    pub calendar_url: String,
    /// The ticket.
    pub ticket: EmailedTicket,
}

impl AttendeeTicketEmail {
    /// The dedupe key: one email per ticket and fact, ever.
    pub fn dedupe_key(ticket_id: Uuid, fact_sequence: i64) -> String {
        format!("attendee-ticket:{ticket_id}:{fact_sequence}")
    }

    /// The message, from `from` (a mailbox such as `Carneau <tickets@example.com>`).
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, TicketEmailError> {
        let EventSummary {
            title,
            starts,
            place,
        } = EventSummary::of(&self.event);
        let greeting = self
            .ticket
            .attendee_name
            .as_deref()
            .map_or_else(|| "Hello,".to_owned(), |name| format!("Hello {name},"));
        let why = match self.cause {
            AttendeeMailCause::Issued => format!("A ticket for {title} was booked for you."),
            AttendeeMailCause::Corrected => {
                format!("A ticket for {title} was booked for you (its details were just updated).")
            }
        };
        let holder = self
            .ticket
            .attendee_name
            .as_deref()
            .map(|name| format!(" for {name}"))
            .unwrap_or_default();
        let text = format!(
            "Your ticket for {title}\n\n{greeting} {why}\n\n{starts}\n{place}\n\n\
             Your ticket: {ticket_type}{holder} (QR code attached as ticket.png)\n\n\
             Show the QR code at the door; it lets one person in once.\n\n\
             Your ticket, to open at the door:\n{ticket_url}\n\n\
             The event: {event_url}\nAdd it to your calendar: {calendar_url}\n",
            ticket_type = self.ticket.ticket_type_name,
            ticket_url = self.ticket_url,
            event_url = self.event_url,
            calendar_url = self.calendar_url,
        );
        let attachment = Attachment {
            file_name: "ticket.png".to_owned(),
            content_type: "image/png".to_owned(),
            bytes: qr_png(&self.ticket.code)?,
        };
        Ok(OutgoingMail::build(
            &Self::dedupe_key(self.ticket_id, self.fact_sequence),
            from,
            &self.attendee_email,
            &format!("Your ticket for {title}"),
            MailBody::from_text(text),
            vec![attachment],
        )?)
    }
}

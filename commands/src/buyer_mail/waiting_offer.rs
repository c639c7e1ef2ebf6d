//! The email that tells a buyer on a waiting list that tickets are held for them: what,
//! until when (in the event's time zone), and the link that takes them to pay.

use uuid::Uuid;

use super::EventSummary;
use crate::mail::{MailBody, MailError, OutgoingMail};

/// Everything one offer's email says.
#[derive(Debug, Clone)]
pub struct WaitingOfferEmail {
    /// The place served (also the offer's reservation id).
    pub entry_id: Uuid,
    /// Where it goes: the address given when joining.
    pub email: String,
    /// The event.
    pub event: EventSummary,
    /// "2 × Standing".
    pub tickets: String,
    /// When the offer lapses, in the event's time zone.
    pub expires: String,
    /// The hold's page, with its token: the buyer pays from there.
    pub hold_url: String,
}

impl WaitingOfferEmail {
    /// The dedupe key: one email per place served.
    pub fn dedupe_key(entry_id: Uuid) -> String {
        format!("waiting-offer:{entry_id}")
    }

    /// The message, from `from`.
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, MailError> {
        let EventSummary {
            title,
            starts,
            place,
        } = &self.event;
        let text = format!(
            "Tickets for {title} are waiting for you\n\n\
             You were on the waiting list, and tickets came back: {tickets} are held for \
             you until {expires}.\n\n\
             Pay for them here:\n{url}\n\n\
             If you do not pay by then, they go to the next person in line. If you no \
             longer want them, you can give them back from the same page.\n\n\
             {title}\n{starts}\n{place}\n",
            tickets = self.tickets,
            expires = self.expires,
            url = self.hold_url,
        );
        OutgoingMail::build(
            &Self::dedupe_key(self.entry_id),
            from,
            &self.email,
            &format!("Tickets for {title} are waiting for you"),
            MailBody::from_text(text),
            Vec::new(),
        )
    }
}

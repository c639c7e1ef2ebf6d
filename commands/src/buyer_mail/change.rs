//! The notice that a published event moved: a new date, time or venue, told to every
//! buyer whose tickets are still valid, with the old and the new side by side.

use std::fmt::Write as _;

use uuid::Uuid;

use super::EventSummary;
use crate::mail::{MailBody, MailError, OutgoingMail};

/// Everything one buyer's notice of one change says.
#[derive(Debug, Clone)]
pub struct EventChangeEmail {
    /// The order whose buyer is told.
    pub order_id: Uuid,
    /// The event that changed.
    pub event_id: Uuid,
    /// Which of the event's facts changed it: one notice per change and order.
    pub change_sequence: u64,
    /// Where it goes.
    pub buyer_email: String,
    /// The event as it is now.
    pub now: EventSummary,
    /// The event as it was announced before.
    pub before: EventSummary,
    /// The order's secret link.
    pub order_url: String,
}

impl EventChangeEmail {
    /// The dedupe key: one notice per change of the event and order.
    pub fn dedupe_key(event_id: Uuid, change_sequence: u64, order_id: Uuid) -> String {
        format!("event-changed:{event_id}:{change_sequence}:{order_id}")
    }

    /// The message, from `from`.
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, MailError> {
        let title = &self.now.title;
        let mut text = format!("{title} has changed\n\n");
        let what = match (
            self.now.starts != self.before.starts,
            self.now.place != self.before.place,
        ) {
            (true, true) => "date, time and place",
            (true, false) => "date and time",
            _ => "place",
        };
        let _ = write!(
            text,
            "The organiser has changed the {what} of the event.\n\n\
             Now:\n{}\n{}\n\nBefore:\n{}\n{}\n\n\
             Your tickets stay valid for the event as it is now: there is nothing you need \
             to do.\n\n\
             Your order, with your tickets:\n{}\n",
            self.now.starts, self.now.place, self.before.starts, self.before.place, self.order_url
        );
        OutgoingMail::build(
            &Self::dedupe_key(self.event_id, self.change_sequence, self.order_id),
            from,
            &self.buyer_email,
            &format!("Changed: {title}"),
            MailBody::from_text(text),
            Vec::new(),
        )
    }
}

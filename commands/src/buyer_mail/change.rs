//! The notice that a published event moved: a new date, time, end or venue, told to every
//! buyer whose tickets are still valid, with what changed (old → new) and the event as it
//! is now and was before, times in the event's time zone.

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
    /// When it ends now, in its time zone (`buyer_mail::local_end`).
    pub now_ends: String,
    /// The event as it was announced before.
    pub before: EventSummary,
    /// When it was to end before, in its time zone then.
    pub before_ends: String,
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
        let (title, now, before) = (&self.now.title, &self.now, &self.before);
        let one_line = |place: &str| place.replace('\n', ", ");
        let lines = [
            ("Starts", before.starts.clone(), now.starts.clone()),
            ("Ends", self.before_ends.clone(), self.now_ends.clone()),
            ("Place", one_line(&before.place), one_line(&now.place)),
        ];
        let changed: Vec<_> = lines.iter().filter(|(_, was, is)| was != is).collect();
        let did = |label: &str| changed.iter().any(|(name, _, _)| *name == label);
        let what = match (did("Starts"), did("Ends"), did("Place")) {
            (true, _, true) => "date, time and place",
            (true, _, false) => "date and time",
            (false, true, true) => "end time and place",
            (false, true, false) => "end time",
            (false, false, _) => "place",
        };
        let mut text = format!(
            "{title} has changed\n\nThe organiser has changed the {what} of the event.\n\n"
        );
        for (label, was, is) in &changed {
            let _ = writeln!(text, "{label}: {was} → {is}");
        }
        let _ = write!(
            text,
            "\nNow:\n{}\n{}\n\nBefore:\n{}\n{}\n\n\
             Your tickets stay valid for the event as it is now: there is nothing you need \
             to do.\n\n\
             Your order, with your tickets:\n{}\n",
            now.starts, now.place, before.starts, before.place, self.order_url
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

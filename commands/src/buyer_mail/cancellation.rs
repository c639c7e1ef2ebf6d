//! The notice that an event is called off, sent to each buyer when their order's refund
//! is decided: what happens to their money, before the refund itself is confirmed.

use std::fmt::Write as _;

use carneau_domain::money::Money;
use uuid::Uuid;

use super::EventSummary;
use crate::mail::{MailBody, MailError, OutgoingMail};

/// Everything one order's cancellation notice says.
#[derive(Debug, Clone)]
pub struct CancellationEmail {
    /// The order whose event is cancelled.
    pub order_id: Uuid,
    /// Where it goes.
    pub buyer_email: String,
    /// The event (as it was announced).
    pub event: EventSummary,
    /// The organiser's reason, if they gave one.
    pub reason: Option<String>,
    /// What goes back to the buyer.
    pub refund: Money,
    /// The order's secret link.
    pub order_url: String,
}

impl CancellationEmail {
    /// The dedupe key: one notice per order.
    pub fn dedupe_key(order_id: Uuid) -> String {
        format!("event-cancelled:{order_id}")
    }

    /// The message, from `from`.
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, MailError> {
        let EventSummary {
            title,
            starts,
            place,
        } = &self.event;
        let mut text = format!(
            "{title} is cancelled\n\nIt was to take place on {starts}\n{place}\n\n\
             The organiser has called it off"
        );
        match self.reason.as_deref().map(str::trim) {
            Some(reason) if !reason.is_empty() => {
                let _ = write!(text, ", and says:\n\n  {reason}\n\n");
            }
            _ => text.push_str(".\n\n"),
        }
        text.push_str("Your tickets are no longer valid.\n");
        if self.refund.amount_minor > 0 {
            let _ = writeln!(
                text,
                "We are refunding everything you paid, {} {}, to the card or account you \
                 paid with. You will get another email when the refund is done; banks \
                 usually show it within 5 to 10 business days after that.",
                self.refund.currency.format_minor(self.refund.amount_minor),
                self.refund.currency
            );
        } else {
            text.push_str("Your tickets were free: there is no money to give back.\n");
        }
        let _ = write!(text, "\nYour order:\n{}\n", self.order_url);
        OutgoingMail::build(
            &Self::dedupe_key(self.order_id),
            from,
            &self.buyer_email,
            &format!("Cancelled: {title}"),
            MailBody::from_text(text),
            Vec::new(),
        )
    }
}

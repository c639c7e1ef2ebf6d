//! The refund confirmation: which tickets were refunded, how much went back, and when a
//! buyer can expect to see it.

use std::fmt::Write as _;

use carneau_domain::money::Money;
use uuid::Uuid;

use super::EventSummary;
use crate::mail::{MailBody, MailError, OutgoingMail};

/// Everything one refund's email says.
#[derive(Debug, Clone)]
pub struct RefundEmail {
    /// The order refunded.
    pub order_id: Uuid,
    /// Which of its refunds (1, 2, ...): one email per refund.
    pub refund_number: u32,
    /// Where it goes.
    pub buyer_email: String,
    /// The event.
    pub event: EventSummary,
    /// The ticket type name of each refunded ticket, in order; empty when the money
    /// went back for a payment that bought nothing (a surplus or late payment).
    pub refunded_tickets: Vec<String>,
    /// How much went back.
    pub amount: Money,
    /// Whether the event was cancelled (the reason of the refund).
    pub event_cancelled: bool,
    /// The order's secret link.
    pub order_url: String,
}

impl RefundEmail {
    /// The dedupe key: one email per refund of an order.
    pub fn dedupe_key(order_id: Uuid, refund_number: u32) -> String {
        format!("refund:{order_id}:{refund_number}")
    }

    /// The message, from `from`.
    pub fn compose(&self, from: &str) -> Result<OutgoingMail, MailError> {
        let EventSummary {
            title,
            starts,
            place,
        } = &self.event;
        let amount = format!(
            "{} {}",
            self.amount.currency.format_minor(self.amount.amount_minor),
            self.amount.currency
        );
        let mut text = format!("Your refund for {title}\n\n{starts}\n{place}\n\n");
        if self.event_cancelled {
            text.push_str("The event is cancelled, so every ticket of your order is refunded.\n\n");
        }
        if self.refunded_tickets.is_empty() {
            let _ = writeln!(
                text,
                "We refunded a payment of {amount} that bought no tickets (it was made \
                 twice, or after the tickets were gone). Your order is unchanged."
            );
        } else {
            let count = self.refunded_tickets.len();
            let tickets = if count == 1 { "ticket" } else { "tickets" };
            let _ = writeln!(text, "Refunded: {count} {tickets}");
            for (n, name) in self.refunded_tickets.iter().enumerate() {
                let _ = writeln!(text, "  Ticket {}: {name}", n + 1);
            }
            text.push_str(
                "\nThese tickets are no longer valid: their QR codes will not open the door.\n",
            );
        }
        if self.amount.amount_minor > 0 {
            let _ = write!(
                text,
                "\nAmount refunded: {amount}\n\
                 It goes back to the card or account you paid with. Banks usually show it \
                 within 5 to 10 business days.\n"
            );
        } else {
            text.push_str("\nThese tickets were free: no money was taken, so none goes back.\n");
        }
        let _ = write!(text, "\nYour order:\n{}\n", self.order_url);
        OutgoingMail::build(
            &Self::dedupe_key(self.order_id, self.refund_number),
            from,
            &self.buyer_email,
            &format!("Your refund for {title}"),
            MailBody::from_text(text),
            Vec::new(),
        )
    }
}

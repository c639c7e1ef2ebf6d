//! An order's facts in words.

use carneau_domain::order::{Attendee, OrderEvent, OrderLine, RefundReason};

use super::{money, tickets, uses};

/// The sentence of one order fact done `by` someone (without its time).
pub(super) fn sentence(event: &OrderEvent, by: &str) -> String {
    match event {
        OrderEvent::OrderPlaced(placed) => format!(
            "Order placed by {by} for {}, {}",
            lines(&placed.lines),
            money(&placed.total)
        ),
        OrderEvent::PaymentReceived { .. } => format!("Payment confirmed by {by}"),
        OrderEvent::SurplusPaymentReceived {
            amount, session_id, ..
        } => format!(
            "Second payment of {} (session {session_id}) reported by {by}: to be refunded",
            money(amount)
        ),
        OrderEvent::PaymentPending { .. } => {
            format!("Payment started by {by}, to settle later")
        }
        OrderEvent::TicketsIssued {
            tickets: issued,
            buyer_email,
            ..
        } => format!(
            "{} issued to {} by {by}",
            tickets(issued.len()),
            buyer_email.as_str()
        ),
        OrderEvent::LatePaymentRefused { .. } => {
            format!("Late payment refused by {by}: the tickets were gone")
        }
        OrderEvent::OrderExpired { .. } => format!("Order expired unpaid, recorded by {by}"),
        OrderEvent::OrderCancelled { .. } => format!("Order cancelled, recorded by {by}"),
        OrderEvent::RefundRequested {
            refund_number,
            ticket_ids,
            amount,
            reason,
            code_given_back,
            ..
        } => format!(
            "Refund {refund_number} of {} requested by {by} ({}, {}){}",
            tickets(ticket_ids.len()),
            money(amount),
            refund_reason(*reason),
            code_given_back
                .as_ref()
                .map_or(String::new(), |code_use| format!(
                    ", giving back {} of code {}",
                    uses(code_use.uses),
                    code_use.code
                ))
        ),
        OrderEvent::TicketsRefunded {
            ticket_ids, amount, ..
        } => format!(
            "{} refunded by {by} ({})",
            tickets(ticket_ids.len()),
            money(amount)
        ),
        OrderEvent::TicketsResendRequested {
            tickets: resent,
            buyer_email,
            ..
        } => format!(
            "Tickets email sent again to {} with {}, asked for by {by}",
            buyer_email.as_str(),
            tickets(resent.len())
        ),
        OrderEvent::AttendeeCorrected {
            seat,
            previous,
            attendee,
            ..
        } => format!(
            "Ticket {} attendee changed by {by} from {} to {}",
            seat + 1,
            attendee_words(previous),
            attendee_words(attendee)
        ),
    }
}

/// "Ada Lovelace <ada@example.com>", or "nobody named" for a blank attendee.
fn attendee_words(attendee: &Attendee) -> String {
    match (&attendee.name, &attendee.email) {
        (Some(name), Some(email)) => format!("{} <{}>", name.as_str(), email.as_str()),
        (Some(name), None) => name.as_str().to_owned(),
        (None, Some(email)) => format!("<{}>", email.as_str()),
        (None, None) => "nobody named".to_owned(),
    }
}

/// "2 × Standard, 1 × VIP".
fn lines(lines: &[OrderLine]) -> String {
    lines
        .iter()
        .map(|line| format!("{} × {}", u32::from(line.quantity), line.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn refund_reason(reason: RefundReason) -> &'static str {
    match reason {
        RefundReason::RequestedByOrganiser => "asked by the organiser",
        RefundReason::EventCancelled => "the event was cancelled",
        RefundReason::LatePayment => "the payment came too late",
        RefundReason::SurplusPayment => "the order was already paid",
    }
}

//! The sentences that explain a reconciliation's figures: what is still in flight (so a
//! difference may close by itself) and what the log holds that it never should.

use super::event_log::ProjectorBehind;
use super::figures::LogFigures;

/// Notes on `log` and on the projectors found `behind`, in the order an auditor reads
/// them: lag first (it explains any difference), then work in flight, then anomalies.
pub fn notes(log: &LogFigures, behind: &[ProjectorBehind]) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(position), false) = (log.read_up_to, behind.is_empty()) {
        let projectors: Vec<String> = behind
            .iter()
            .map(|projector| match projector.at {
                Some(at) => format!("{} at {at}", projector.projector),
                None => format!("{} never ran", projector.projector),
            })
            .collect();
        notes.push(format!(
            "the sales page had not applied the log up to {position} ({}): differences may \
             close by themselves; run again",
            projectors.join(", ")
        ));
    }
    for money in &log.money {
        if money.refunds_pending_minor != 0 {
            notes.push(format!(
                "{} {} of refunds decided and not carried out by the provider yet: counted \
                 as refunded once they are",
                money.currency.format_minor(money.refunds_pending_minor),
                money.currency
            ));
        }
    }
    let awaiting = log.orders.awaiting_tickets.len();
    if awaiting > 0 {
        notes.push(format!(
            "{awaiting} paid order(s) waiting for their tickets: their money is in gross and \
             net, not yet in the sales page's revenue"
        ));
    }
    let unrecorded = log.orders.sold_awaiting_payment.len();
    if unrecorded > 0 {
        notes.push(format!(
            "{unrecorded} order(s) sold and waiting for their payment to be recorded: their \
             tickets are counted as sold, their money is not yet in gross, net or revenue"
        ));
    }
    for ticket_type in &log.ticket_types {
        if ticket_type.refunded != ticket_type.returned {
            notes.push(format!(
                "{}: {} ticket(s) refunded, {} returned to sale: the sales page counts a \
                 refunded ticket as sold until it is returned",
                ticket_type.name.as_deref().unwrap_or("unnamed ticket type"),
                ticket_type.refunded,
                ticket_type.returned
            ));
        }
    }
    if log.admitted_unknown_tickets > 0 {
        notes.push(format!(
            "{} check-in(s) of tickets that no order of this event issued",
            log.admitted_unknown_tickets
        ));
    }
    notes
}

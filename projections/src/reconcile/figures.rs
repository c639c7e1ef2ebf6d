//! What the event log says an event sold, refunded, admitted and took in: the figures
//! [`super::EventLedger`] computes, in the shape the report prints and `--json` emits.

use carneau_domain::ids::{OrderId, TicketTypeId};
use carneau_domain::money::Currency;
use serde::Serialize;

use crate::log::LogPosition;

/// One ticket type's tickets and revenue, from the log alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketTypeFigures {
    /// The ticket type.
    pub ticket_type_id: TicketTypeId,
    /// Its latest name in the event's stream (`None` if the log never named it).
    pub name: Option<String>,
    /// Tickets sold, ever: every `HoldSold` line, late sales included, refunded or not.
    pub sold: i64,
    /// Tickets refunded: named by a carried-out refund (`TicketsRefunded`).
    pub refunded: i64,
    /// Tickets put back on sale after their refund (`TicketsReturned`).
    pub returned: i64,
    /// Tickets let in at the door (`TicketCheckedIn`), refunded since or not.
    pub admitted: i64,
    /// `sold - returned` (never below 0): what the sales page calls "sold".
    pub sold_net: i64,
    /// Tickets issued at their line's price less refunded tickets at theirs, in minor
    /// units of the event's currency: what the sales page calls "revenue".
    pub revenue_minor: i64,
}

/// The money of one currency, from the log alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyFigures {
    /// The currency.
    pub currency: Currency,
    /// What buyers paid: the total of every order with a `PaymentReceived`, late
    /// payments included (refused ones too: that money was taken, then given back).
    pub gross_minor: i64,
    /// What went back: every carried-out refund (`TicketsRefunded`).
    pub refunded_minor: i64,
    /// `gross - refunded`: what the organiser keeps.
    pub net_minor: i64,
    /// Refunds decided (`RefundRequested`) that the provider has not carried out yet.
    pub refunds_pending_minor: i64,
}

/// The event's orders that an auditor asks about, from the log alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderFigures {
    /// Orders placed (`OrderPlaced`).
    pub placed: i64,
    /// Orders whose payment was received (`PaymentReceived`).
    pub paid: i64,
    /// The sales page's "orders paid": payment received and now paid, partially
    /// refunded or refunded (a refused late payment counts once its refund is done).
    pub paid_as_sales_page: i64,
    /// Paid but neither given tickets nor refused yet: fulfilment in flight.
    pub awaiting_tickets: Vec<OrderId>,
    /// Sold (`HoldSold`) but their payment not recorded yet: a payment sells the hold
    /// before the order records it, so this is that step in flight, or stopped between
    /// the two until the payment's next delivery or the payments process records it.
    pub sold_awaiting_payment: Vec<OrderId>,
    /// Paid after their hold had lapsed or ended and still sold (`HoldSold` marked late).
    pub paid_late_sold: Vec<OrderId>,
    /// Paid after their hold had lapsed, with the tickets gone: refused and refunded in
    /// full (`LatePaymentRefused`).
    pub refunded_for_lack_of_tickets: Vec<OrderId>,
}

/// Everything the log says about one event's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogFigures {
    /// The event's currency (`None` if its stream was never read: no such event).
    pub currency: Option<Currency>,
    /// Per ticket type, by name.
    pub ticket_types: Vec<TicketTypeFigures>,
    /// Per currency.
    pub money: Vec<CurrencyFigures>,
    /// The orders.
    pub orders: OrderFigures,
    /// How many facts of the event's streams were read.
    pub facts_read: u64,
    /// The last of them, in log order (`None` when none).
    pub read_up_to: Option<LogPosition>,
    /// Check-ins of tickets that none of the event's orders issued (never expected).
    pub admitted_unknown_tickets: i64,
}

impl LogFigures {
    /// The money of `currency`, if any order was in it.
    pub fn money_in(&self, currency: Currency) -> Option<&CurrencyFigures> {
        self.money.iter().find(|money| money.currency == currency)
    }
}

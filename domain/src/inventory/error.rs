//! Why the inventory refuses: a command as a whole ([`InventoryError`]) or one buyer's hold
//! request within a batch ([`HoldRefusal`]), in words a buyer can read.

use crate::ids::TicketTypeId;
use crate::voucher::VoucherUnusable;

/// A business rule of the inventory that a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// The reservation was never held in this event.
    #[error("There is no reservation with this id for this event.")]
    UnknownReservation,
    /// The reservation was already released; the API answers a repeated release as done.
    #[error("This reservation has already been released.")]
    AlreadyReleased,
    /// The hold lapsed (recorded or not) before it was released.
    #[error("This reservation has expired; its tickets are no longer held.")]
    HoldExpired,
    /// The hold was paid for; its tickets are sold.
    #[error("This reservation has been paid for.")]
    HoldSold,
    /// A payment landed after its hold stopped counting and the tickets are gone: the
    /// order is refunded instead.
    #[error("The tickets of this reservation are no longer available.")]
    TicketsNoLongerAvailable,
    /// The event was cancelled: nothing more is sold.
    #[error("This event has been cancelled.")]
    EventCancelled,
    /// Joining a waiting list broke a rule a hold request has too (no such ticket type,
    /// sales closed, too many for one order, event not on sale).
    #[error(transparent)]
    Refused(HoldRefusal),
    /// The organiser closed the event's waiting lists.
    #[error("The waiting list for this event is closed.")]
    WaitingListClosed,
    /// Tickets can be held right now: waiting would only lose them to the next buyer.
    #[error("{}", tickets_available_message(*.available))]
    TicketsAvailable {
        /// How many a buyer can hold now.
        available: u32,
    },
    /// The address already waits for this ticket type: one place per person.
    #[error("This email address is already on the waiting list for these tickets.")]
    AlreadyWaiting,
    /// The entry id was used by another join (other tickets): a new join needs a new id.
    #[error("This place on the waiting list was taken for other tickets; join again.")]
    WaitingEntryReused,
    /// No such place on this event's waiting list.
    #[error("There is no such place on this event's waiting list.")]
    UnknownWaitingEntry,
    /// Tickets were offered to this place already: the hold is released, not the place.
    #[error("Tickets have already been offered to this place in line; release the hold instead.")]
    WaitingEntryOffered,
}

fn tickets_available_message(available: u32) -> String {
    match available {
        1 => "1 ticket is available now: hold it instead of waiting.".to_owned(),
        n => format!("{n} tickets are available now: hold them instead of waiting."),
    }
}

impl InventoryError {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    /// Changing one breaks clients: add new slugs, never rename.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownReservation => "unknown-reservation",
            Self::AlreadyReleased => "reservation-already-released",
            Self::HoldExpired => "reservation-expired",
            Self::HoldSold => "reservation-paid",
            Self::TicketsNoLongerAvailable => "tickets-no-longer-available",
            Self::EventCancelled => "event-cancelled",
            Self::Refused(refusal) => refusal.kind(),
            Self::WaitingListClosed => "waiting-list-closed",
            Self::TicketsAvailable { .. } => "tickets-available",
            Self::AlreadyWaiting => "already-waiting",
            Self::WaitingEntryReused => "waiting-entry-reused",
            Self::UnknownWaitingEntry => "unknown-waiting-entry",
            Self::WaitingEntryOffered => "waiting-list-offered",
        }
    }
}

/// Why one hold request of a batch was refused; nothing of it is held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldRefusal {
    /// Fewer tickets of this type are left than asked for.
    #[error("{}", sold_out_message(*.available))]
    SoldOut {
        /// The ticket type that ran short.
        ticket_type_id: TicketTypeId,
        /// How many are left (may be 0).
        available: u32,
    },
    /// The event is not published (a draft, or no such event).
    #[error("Tickets for this event are not on sale.")]
    EventNotOnSale,
    /// The event was cancelled.
    #[error("This event has been cancelled.")]
    EventCancelled,
    /// The ticket type's sale window has not opened yet.
    #[error("Sales for this ticket type have not opened yet.")]
    SaleNotOpen(TicketTypeId),
    /// The ticket type's sale window has closed.
    #[error("Sales for this ticket type have closed.")]
    SaleClosed(TicketTypeId),
    /// More tickets of one type than a single order may hold.
    #[error("At most {max} tickets of this type can be bought in one order.")]
    TooManyPerOrder {
        /// The ticket type whose limit was exceeded.
        ticket_type_id: TicketTypeId,
        /// Its per-order limit.
        max: u16,
    },
    /// The event has no such ticket type (never had, or it was removed).
    #[error("This event has no such ticket type.")]
    UnknownTicketType(TicketTypeId),
    /// A request with no tickets in it.
    #[error("Choose at least one ticket.")]
    EmptyRequest,
    /// The same ticket type on two lines of one request.
    #[error("Each ticket type may appear only once in a reservation.")]
    DuplicateLine(TicketTypeId),
    /// The reservation id is already taken: by a hold with other tickets, or by a hold that
    /// has ended (released, expired or paid). A new attempt needs a new id.
    #[error("This reservation id has already been used; start a new reservation.")]
    ReservationIdReused,
    /// The event has no such promo code.
    #[error("This event has no such promo code.")]
    CodeUnknown,
    /// The code is switched off or outside its validity window.
    #[error("{0}")]
    CodeUnusable(VoucherUnusable),
    /// The code applies to none of the tickets asked for.
    #[error("This code does not apply to the tickets you chose.")]
    CodeNotApplicable,
    /// The code has been used (held or paid) as many times as it may be.
    #[error("This code has been used as many times as it may be.")]
    CodeUsedUp,
}

impl HoldRefusal {
    /// A stable kebab-case slug per reason, used by the API as its problem type.
    /// Changing one breaks clients: add new slugs, never rename.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SoldOut { .. } => "sold-out",
            Self::EventNotOnSale => "event-not-on-sale",
            Self::EventCancelled => "event-cancelled",
            Self::SaleNotOpen(_) => "sale-not-open",
            Self::SaleClosed(_) => "sale-closed",
            Self::TooManyPerOrder { .. } => "too-many-per-order",
            Self::UnknownTicketType(_) => "unknown-ticket-type",
            Self::EmptyRequest => "empty-reservation",
            Self::DuplicateLine(_) => "duplicate-line",
            Self::ReservationIdReused => "reservation-id-reused",
            Self::CodeUnknown => "voucher-unknown",
            Self::CodeUnusable(_) => "voucher-unusable",
            Self::CodeNotApplicable => "voucher-not-applicable",
            Self::CodeUsedUp => "voucher-used-up",
        }
    }

    /// The ticket type the refusal is about, when it is about one.
    pub fn ticket_type_id(&self) -> Option<TicketTypeId> {
        match self {
            Self::SoldOut { ticket_type_id, .. } | Self::TooManyPerOrder { ticket_type_id, .. } => {
                Some(*ticket_type_id)
            }
            Self::SaleNotOpen(id)
            | Self::SaleClosed(id)
            | Self::UnknownTicketType(id)
            | Self::DuplicateLine(id) => Some(*id),
            Self::EventNotOnSale
            | Self::EventCancelled
            | Self::EmptyRequest
            | Self::ReservationIdReused
            | Self::CodeUnknown
            | Self::CodeUnusable(_)
            | Self::CodeNotApplicable
            | Self::CodeUsedUp => None,
        }
    }
}

/// Buyers should read "sold out" rather than "only 0 left", and "1 ticket" in the singular.
fn sold_out_message(available: u32) -> String {
    match available {
        0 => "This ticket type is sold out.".to_owned(),
        1 => "Only 1 ticket of this type is left.".to_owned(),
        n => format!("Only {n} tickets of this type are left."),
    }
}

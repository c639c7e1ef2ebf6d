//! What the guard is told and what it answers, in the terms of a box office: lines of
//! tickets, stock, holds in flight, and the guard's verdicts. Kept apart from the Redis
//! calls so that callers can read what the guard means without its scripts.

use carneau_domain::ids::{CapacityPoolId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{CodeUse, IfCodeUsedUp};
use carneau_domain::voucher::VoucherCode;

/// Tickets of one type asked for in one hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardLine {
    /// The kind of ticket.
    pub ticket_type_id: TicketTypeId,
    /// How many tickets of that kind.
    pub quantity: u32,
}

/// A promo code asked with a hold: the uses it would take, its limit, and what the buyer
/// wants when they do not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardCode {
    /// The code and the uses the hold would take of it.
    pub code_use: CodeUse,
    /// The code's limit of uses, read by the caller from the event's codes.
    pub max_uses: u32,
    /// Refuse the hold, or admit its tickets alone.
    pub if_used_up: IfCodeUsedUp,
}

/// The guard's answer to a hold request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The hold is recorded in Redis.
    Admitted,
    /// The code's uses did not fit and the request asked to be held without it: its
    /// tickets alone are recorded, in the same atomic step, with no use of the code. The
    /// log must place the hold without the code too, or the two would count differently.
    AdmittedWithoutCode,
    /// This reservation already holds its tickets here (a retry): nothing was counted twice.
    /// The retry's lines are not compared with the held ones.
    AlreadyAdmitted,
    /// Not enough tickets of one type, or of its capacity pool, are left; nothing was
    /// recorded.
    SoldOut {
        /// The first ticket type found short.
        ticket_type_id: TicketTypeId,
        /// How many tickets of it were still free (the smaller of its own and its pool's,
        /// less what earlier lines of the request asked of the pool).
        available: u32,
    },
    /// The guard is loaded but does not know this ticket type: rebuild it with
    /// [`ReservationGuard::replace`](super::ReservationGuard::replace) if the log knows the type, else refuse the request.
    UnknownTicketType {
        /// The ticket type the guard does not know.
        ticket_type_id: TicketTypeId,
    },
    /// The request's promo code has fewer uses left than the hold would take.
    CodeUsedUp {
        /// Uses left (may be 0).
        left: u32,
    },
    /// The guard for this event is missing: rebuild it from the log, then retry.
    NotLoaded,
}

/// A promo code's uses spent by sales, as the log knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardCodeStock {
    /// The code.
    pub code: VoucherCode,
    /// Its uses paid for (and not given back by a refund).
    pub spent: u32,
}

/// Stock of one ticket type as the log knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardStock {
    /// The kind of ticket.
    pub ticket_type_id: TicketTypeId,
    /// How many tickets of it exist in total.
    pub capacity: u32,
    /// How many of them are paid for (no longer just held).
    pub sold: u32,
}

/// A capacity shared by several ticket types, as the log knows it: their tickets sold and
/// held together stay within `capacity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardPool {
    /// The pool.
    pub pool_id: CapacityPoolId,
    /// How many tickets its types may sell and hold together.
    pub capacity: u32,
    /// The ticket types drawing from it (each in no other pool).
    pub ticket_types: Vec<TicketTypeId>,
}

/// One hold in flight as the log knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardHold {
    /// The reservation holding the tickets.
    pub reservation_id: ReservationId,
    /// What it holds.
    pub lines: Vec<GuardLine>,
    /// The promo code's uses it holds.
    pub code_use: Option<CodeUse>,
    /// When the hold lapses, in Unix milliseconds.
    pub expires_at_ms: i64,
}

/// Everything the guard needs to know about one event, rebuilt from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardSnapshot {
    /// Capacity and sales of every ticket type of the event.
    pub ticket_types: Vec<GuardStock>,
    /// The event's capacity pools; their counts are their types'.
    pub pools: Vec<GuardPool>,
    /// Every promo code some sale spent; codes held only are counted from `holds`.
    pub codes: Vec<GuardCodeStock>,
    /// Holds in flight; lapsed ones are accepted and purged on the next admission.
    pub holds: Vec<GuardHold>,
    /// The version of the event's inventory in the log the snapshot was read at: the
    /// facts up to it are counted, so following one of them in place is a no-op.
    pub log_version: u64,
}

/// What the guard did with a payment fact it was asked to follow in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The guard counts the fact now.
    Applied,
    /// The guard counted it already: a repeat, or a snapshot read after the fact.
    AlreadyCounted,
    /// The guard for this event is missing (or was found broken and dropped).
    NotLoaded,
    /// The guard lacks what the fact starts from (the hold being sold or extended, the
    /// sold tickets being returned, a ticket type), or the fact is older than every mark
    /// it keeps ([`FOLLOWED_MARKS_KEPT`](super::FOLLOWED_MARKS_KEPT)) so it cannot tell whether it counted it: nothing
    /// was changed, and the guard should be rebuilt from the log.
    Disagrees,
}

/// What [`ReservationGuard::replace`](super::ReservationGuard::replace) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// The snapshot is the guard now.
    Installed,
    /// The guard in place counts facts the snapshot was read before (it was installed from
    /// a later read, or followed a later fact in place); it was kept. Read the log again.
    Stale,
}

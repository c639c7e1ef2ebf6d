//! What the command layer counts for operators: holds and their refusals, rebuilds of the
//! reservation guard, payments and refunds, mail deliveries. Counted where each is decided,
//! through the `metrics` facade: a process without a recorder (the CLI, unit tests) counts
//! nothing and pays nothing. The API installs the Prometheus recorder and serves
//! `GET /metrics`; the names below are what its dashboard and alerts are written against,
//! so renaming one breaks them (README, "Operating it").

use ::metrics::{counter, describe_counter, Unit};
use carneau_domain::inventory::{HoldOutcome, HoldRefusal};
use carneau_domain::order::{OrderEvent, RefundReason};

/// Holds placed (a retried request that found its hold already placed is not counted).
pub const HOLDS_PLACED: &str = "carneau_holds_placed_total";
/// Holds placed without the buyer's promo code, which had no use left: the buyer asked
/// to be held at the list price rather than refused.
pub const HOLDS_WITHOUT_CODE: &str = "carneau_holds_without_code_total";
/// Hold requests refused, by `reason` (the problem slug buyers get) and `stage` (`guard`:
/// turned away by the Redis guard without touching PostgreSQL; `guard_memory`: on the
/// guard's "none left" of a moment ago, without asking it; `log`: decided by the desk).
pub const HOLDS_REFUSED: &str = "carneau_holds_refused_total";
/// Rebuilds of an event's reservation guard from the log, by `trigger` (`missing`: Redis
/// had none, after a restart, a flush or a catalogue change; `replaced`: the guard could
/// not follow a fact and was reloaded).
pub const GUARD_REBUILDS: &str = "carneau_guard_rebuilds_total";
/// Appends to an event's inventory stream by the reservation desk (or the direct mode),
/// by `outcome`: `appended`; `conflict`: another process appended first, so the batch is
/// decided again on the caught-up inventory; `abandoned`: given up after repeated
/// conflicts, its buyers answered 503; `turn_timed_out`: the stream's turn (its desks
/// append one at a time) was not given in time, its buyers answered 503. Many nodes
/// selling one event show their contention here.
pub const INVENTORY_APPENDS: &str = "carneau_inventory_appends_total";
/// Rounds of appends committed together (`crate::append_rounds`), by `aggregate` and
/// `outcome`: `committed` in one statement; `split`: a collision or a failure, so each of
/// its appends went alone.
pub const APPEND_ROUNDS: &str = "carneau_append_rounds_total";
/// Appends committed through rounds, by `aggregate`: with the rounds committed, how many
/// appends a commit carries.
pub const APPENDS_IN_ROUNDS: &str = "carneau_appends_in_rounds_total";
/// Payments recorded, by `kind` (`order`: the order's payment; `surplus`: a second
/// payment of an order already paid, refunded). A redelivered webhook is not counted.
pub const PAYMENTS_RECEIVED: &str = "carneau_payments_received_total";
/// Orders whose tickets were issued (paid, or free).
pub const ORDERS_PAID: &str = "carneau_orders_paid_total";
/// Payments that landed after their hold lapsed and its tickets were gone: refunded.
pub const LATE_PAYMENTS_REFUSED: &str = "carneau_late_payments_refused_total";
/// Refunds requested, by `reason`.
pub const REFUNDS_REQUESTED: &str = "carneau_refunds_requested_total";
/// Refunds carried out at the payment provider (or at once, for free orders).
pub const REFUNDS_COMPLETED: &str = "carneau_refunds_completed_total";
/// Attempts to deliver a queued mail, by `outcome` (`sent`, `logged`: no SMTP server is
/// configured; `retry`: a temporary failure; `dead_lettered`: given up after the last
/// attempt, waiting for an admin; `refused`: refused for good).
pub const MAIL_DELIVERIES: &str = "carneau_mail_deliveries_total";

/// Which stage refused a hold.
#[derive(Debug, Clone, Copy)]
pub enum RefusedBy {
    /// The Redis guard, before the request reached the desk.
    Guard,
    /// The guard's answer of a moment ago that a ticket type has none left, remembered
    /// by this process: neither Redis nor the desk was asked.
    GuardMemory,
    /// The desk, deciding on the inventory as the log has it.
    Log,
}

/// Why a rebuild of a reservation guard was needed.
#[derive(Debug, Clone, Copy)]
pub enum GuardRebuildTrigger {
    /// Redis had no guard for the event.
    Missing,
    /// The guard was replaced: it lacked a new ticket type or could not follow a fact.
    Replaced,
    /// An organiser changed the event: built at once, before its next buyer asks.
    Changed,
    /// A sale of the event opens soon and its guard had lapsed: built ahead of the rush.
    SaleOpening,
}

/// Gives each metric above its help text, once, when the recorder is installed.
pub fn describe() {
    describe_counter!(HOLDS_PLACED, Unit::Count, "Holds placed.");
    describe_counter!(
        HOLDS_WITHOUT_CODE,
        Unit::Count,
        "Holds placed without the buyer's promo code, which had no use left."
    );
    describe_counter!(
        HOLDS_REFUSED,
        Unit::Count,
        "Hold requests refused, by reason and the stage that refused (guard, guard_memory or log)."
    );
    describe_counter!(
        GUARD_REBUILDS,
        Unit::Count,
        "Reservation guards rebuilt from the log, by trigger."
    );
    describe_counter!(
        INVENTORY_APPENDS,
        Unit::Count,
        "Appends to an event's inventory stream, by outcome (appended, conflict, abandoned)."
    );
    describe_counter!(
        APPEND_ROUNDS,
        Unit::Count,
        "Rounds of appends committed together, by aggregate and outcome (committed, split)."
    );
    describe_counter!(
        APPENDS_IN_ROUNDS,
        Unit::Count,
        "Appends committed through rounds, by aggregate."
    );
    describe_counter!(
        PAYMENTS_RECEIVED,
        Unit::Count,
        "Payments recorded, by kind (order or surplus)."
    );
    describe_counter!(
        ORDERS_PAID,
        Unit::Count,
        "Orders whose tickets were issued."
    );
    describe_counter!(
        LATE_PAYMENTS_REFUSED,
        Unit::Count,
        "Payments refused (and refunded) because the hold lapsed and its tickets were gone."
    );
    describe_counter!(
        REFUNDS_REQUESTED,
        Unit::Count,
        "Refunds requested, by reason."
    );
    describe_counter!(
        REFUNDS_COMPLETED,
        Unit::Count,
        "Refunds carried out at the payment provider."
    );
    describe_counter!(
        MAIL_DELIVERIES,
        Unit::Count,
        "Mail delivery attempts, by outcome."
    );
    // Series without labels exist from the start, so that rate() and alerts see a 0
    // rather than nothing before the first occurrence.
    for name in [
        HOLDS_PLACED,
        HOLDS_WITHOUT_CODE,
        ORDERS_PAID,
        LATE_PAYMENTS_REFUSED,
        REFUNDS_COMPLETED,
    ] {
        counter!(name).increment(0);
    }
    for outcome in ["appended", "conflict", "abandoned"] {
        counter!(INVENTORY_APPENDS, "outcome" => outcome).increment(0);
    }
}

/// Counts the answer to one hold request.
pub(crate) fn hold_decided(outcome: &HoldOutcome, by: RefusedBy) {
    match outcome {
        HoldOutcome::Held { code_used_up, .. } => {
            counter!(HOLDS_PLACED).increment(1);
            if *code_used_up {
                counter!(HOLDS_WITHOUT_CODE).increment(1);
            }
        }
        HoldOutcome::AlreadyHeld { .. } => {}
        HoldOutcome::Refused(refusal) => hold_refused(refusal, by),
    }
}

/// Counts one refused hold request.
pub(crate) fn hold_refused(refusal: &HoldRefusal, by: RefusedBy) {
    let stage = match by {
        RefusedBy::Guard => "guard",
        RefusedBy::GuardMemory => "guard_memory",
        RefusedBy::Log => "log",
    };
    counter!(HOLDS_REFUSED, "reason" => refusal.kind(), "stage" => stage).increment(1);
}

/// Counts one rebuild of a reservation guard.
pub(crate) fn guard_rebuilt(trigger: GuardRebuildTrigger) {
    let trigger = match trigger {
        GuardRebuildTrigger::Missing => "missing",
        GuardRebuildTrigger::Replaced => "replaced",
        GuardRebuildTrigger::Changed => "changed",
        GuardRebuildTrigger::SaleOpening => "sale_opening",
    };
    counter!(GUARD_REBUILDS, "trigger" => trigger).increment(1);
}

/// What became of one attempt to append to an inventory stream.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InventoryAppend {
    Appended,
    Conflict,
    Abandoned,
    TurnTimedOut,
}

/// Counts one attempt to append to an inventory stream, or a batch given up.
pub(crate) fn inventory_append(outcome: InventoryAppend) {
    let outcome = match outcome {
        InventoryAppend::Appended => "appended",
        InventoryAppend::Conflict => "conflict",
        InventoryAppend::Abandoned => "abandoned",
        InventoryAppend::TurnTimedOut => "turn_timed_out",
    };
    counter!(INVENTORY_APPENDS, "outcome" => outcome).increment(1);
}

/// Counts what the facts an order command just appended mean for operators. Driven by
/// the appended facts, not the commands, so a redelivered webhook or a retried step
/// (which append nothing) is never counted twice.
pub(crate) fn order_facts(appended: &[OrderEvent]) {
    for fact in appended {
        match fact {
            OrderEvent::PaymentReceived { .. } => {
                counter!(PAYMENTS_RECEIVED, "kind" => "order").increment(1)
            }
            OrderEvent::SurplusPaymentReceived { .. } => {
                counter!(PAYMENTS_RECEIVED, "kind" => "surplus").increment(1)
            }
            OrderEvent::TicketsIssued { .. } => counter!(ORDERS_PAID).increment(1),
            OrderEvent::LatePaymentRefused { .. } => counter!(LATE_PAYMENTS_REFUSED).increment(1),
            OrderEvent::RefundRequested { reason, .. } => {
                counter!(REFUNDS_REQUESTED, "reason" => refund_reason(*reason)).increment(1)
            }
            OrderEvent::TicketsRefunded { .. } => counter!(REFUNDS_COMPLETED).increment(1),
            OrderEvent::OrderPlaced(_)
            | OrderEvent::PaymentPending { .. }
            | OrderEvent::OrderExpired { .. }
            | OrderEvent::OrderCancelled { .. }
            | OrderEvent::TicketsResendRequested { .. }
            | OrderEvent::AttendeeCorrected { .. } => {}
        }
    }
}

fn refund_reason(reason: RefundReason) -> &'static str {
    match reason {
        RefundReason::RequestedByOrganiser => "requested_by_organiser",
        RefundReason::EventCancelled => "event_cancelled",
        RefundReason::LatePayment => "late_payment",
        RefundReason::SurplusPayment => "surplus_payment",
    }
}

/// What became of one attempt to deliver a queued mail.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MailOutcome {
    Sent,
    Logged,
    Retry,
    DeadLettered,
    Refused,
}

/// Counts one attempt to deliver a queued mail.
pub(crate) fn mail_delivered(outcome: MailOutcome) {
    let outcome = match outcome {
        MailOutcome::Sent => "sent",
        MailOutcome::Logged => "logged",
        MailOutcome::Retry => "retry",
        MailOutcome::DeadLettered => "dead_lettered",
        MailOutcome::Refused => "refused",
    };
    counter!(MAIL_DELIVERIES, "outcome" => outcome).increment(1);
}

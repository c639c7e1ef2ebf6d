//! The payments process manager: a resumable loop that drives every order that needs a
//! next step, as the `orders` read model (built from the log) lists them:
//!
//! - an order awaiting payment whose hold lapsed: expire the provider's session, then
//!   release the tickets (or take the payment that landed meanwhile);
//! - a payment recorded but not fulfilled (a crash or failure in between): fulfil it;
//! - a refund requested but not carried out, or whose tickets are not back on sale;
//! - a paid order of a cancelled event: refund it;
//! - an asynchronous payment pending past the limit: take it if it settled, else cancel;
//! - an order whose hold was sold but whose payment is not recorded (a stop between the
//!   two): take the payment the provider reports.
//!
//! Every step is idempotent (provider idempotency keys, forward-only orders), so running
//! it in every process, after a crash, or twice over the same order is safe. It is not a
//! spawned fire-and-forget: everything it does is found again from the log if it stops.

use std::sync::Arc;
use std::time::Duration;

use carneau_commands::payments::{DueStep, PaymentError, Payments};
use carneau_domain::ids::OrderId;
use chrono::Utc;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// Most orders of each kind handled per pass.
const ORDERS_PER_PASS: i64 = 100;

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    /// Steps that succeeded.
    pub done: usize,
    /// Steps that failed (tried again next pass).
    pub failed: usize,
}

/// Runs one pass over the pending work.
pub async fn run_pass(
    pool: &PgPool,
    payments: &Payments,
    pending_payment_limit: Duration,
) -> anyhow::Result<PassReport> {
    let now = Utc::now();
    let pending_since = now - chrono::Duration::from_std(pending_payment_limit)?;
    let work = carneau_projections::orders::work(pool, now, ORDERS_PER_PASS, pending_since).await?;
    let mut report = PassReport::default();
    let mut count = |result: Result<(), PaymentError>, what: &str, id: OrderId| match result {
        Ok(()) => report.done += 1,
        Err(error) => {
            report.failed += 1;
            tracing::warn!(%error, order_id = %id, step = what, "payments step failed; will retry");
        }
    };
    let steps = [
        (work.lapsed, DueStep::Lapse, "lapse"),
        (work.unfulfilled, DueStep::Fulfilment, "fulfil"),
        (work.refunds, DueStep::Refund, "refund"),
        (
            work.pending_too_long,
            DueStep::PendingLimit,
            "pending limit",
        ),
        (
            work.sold_awaiting_payment,
            DueStep::SoldAwaitingPayment,
            "payment of a sold hold",
        ),
    ];
    for (orders, step, what) in steps {
        for id in orders.into_iter().map(OrderId::from_uuid) {
            count(run_step(payments, id, step).await, what, id);
        }
    }
    for id in work
        .cancelled_event_orders
        .into_iter()
        .map(OrderId::from_uuid)
    {
        count(
            payments.refund_for_cancelled_event(id).await,
            "cancelled-event refund",
            id,
        );
    }
    Ok(report)
}

/// Runs `step` on order `id`, recording the fact that made it due (the timer, for a
/// lapse) as its cause.
async fn run_step(payments: &Payments, id: OrderId, step: DueStep) -> Result<(), PaymentError> {
    let metadata = payments.due_step_metadata(id, step).await?;
    match step {
        DueStep::Lapse => payments.lapse(id, &metadata).await,
        DueStep::Fulfilment => payments.fulfil(id, &metadata).await,
        DueStep::Refund => payments.drive_refunds(id, &metadata).await,
        DueStep::PendingLimit => payments.end_pending_payment(id, &metadata).await,
        DueStep::SoldAwaitingPayment => payments.take_payment_of_sold_hold(id, &metadata).await,
    }
}

/// Runs passes every `interval` until `shutdown`.
pub async fn run_payments_process(
    pool: PgPool,
    payments: Arc<Payments>,
    interval: Duration,
    pending_payment_limit: Duration,
    shutdown: CancellationToken,
) {
    loop {
        match run_pass(&pool, &payments, pending_payment_limit).await {
            Ok(report) if report.done + report.failed > 0 => {
                tracing::info!(done = report.done, failed = report.failed, "payments pass");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "payments pass could not read its work"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

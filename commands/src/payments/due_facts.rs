//! Why the payments process manager acts on an order: the fact of the order's stream that
//! left work undone. Its work list comes from the `orders` read model, which says which
//! orders are due but not which fact made them so; this finds that fact in the log, so
//! what the process appends names it as its cause instead of a bare timer.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{Order, OrderEvent};
use carneau_domain::{Cause, Decide, EventMetadata, Process};

use super::{PaymentError, Payments};

/// A step of the payments process manager, by the fact that makes it due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueStep {
    /// A payment recorded and not fulfilled: caused by the order's `PaymentReceived`.
    Fulfilment,
    /// A refund requested and not carried out: caused by its `RefundRequested`.
    Refund,
    /// An awaiting order whose hold lapsed: caused by the clock, there is no fact.
    Lapse,
    /// An asynchronous payment pending past the limit: caused by its `PaymentPending`.
    PendingLimit,
    /// A hold sold to an order whose payment is not recorded (a stop between the sale
    /// and the order's append): caused by the clock, the order holds no fact of it.
    SoldAwaitingPayment,
}

impl DueStep {
    fn is_cause(self, fact: &OrderEvent) -> bool {
        match self {
            Self::Fulfilment => matches!(fact, OrderEvent::PaymentReceived { .. }),
            Self::Refund => matches!(fact, OrderEvent::RefundRequested { .. }),
            Self::PendingLimit => matches!(fact, OrderEvent::PaymentPending { .. }),
            Self::Lapse | Self::SoldAwaitingPayment => false,
        }
    }
}

impl Payments {
    /// The metadata of the payments process's `step` on `order_id`: the process as actor,
    /// and as cause the newest fact of the order that makes the step due (the timer when
    /// the step has no such fact, or the stream holds none).
    pub async fn due_step_metadata(
        &self,
        order_id: OrderId,
        step: DueStep,
    ) -> Result<EventMetadata, PaymentError> {
        let cause = if matches!(step, DueStep::Lapse | DueStep::SoldAwaitingPayment) {
            Cause::Schedule
        } else {
            let aggregate_id = order_id.to_aggregate_id();
            let history = self.orders.history(&aggregate_id).await?;
            match history.iter().rposition(|fact| step.is_cause(fact)) {
                Some(index) => Cause::Fact {
                    aggregate_type: <Order as Decide>::TYPE.to_owned(),
                    aggregate_id,
                    sequence: index as u64 + 1,
                },
                None => Cause::Schedule,
            }
        };
        Ok(EventMetadata::process(Process::Payments, cause))
    }
}

//! Asynchronous payments pending too long: the payments process manager's step for an
//! order whose bank payment has been pending past the limit. Stripe says how it ended
//! with an event; when that event is lost, or the bank never answers, the order would
//! wait forever, its buyer neither served nor told.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{OrderCommand, OrderStatus};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Asks the provider one last time how the order's pending payment stands: settled,
    /// it is taken (its tickets sold if still available, refunded otherwise); still
    /// pending or failed, the order is cancelled. Money that arrives after that is a late
    /// payment, handled as any other. What it appends records `caller` (the process
    /// manager, caused by the order's `PaymentPending`).
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn end_pending_payment(
        &self,
        order_id: OrderId,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let metadata = in_purchase(caller, order_id);
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let (Some(placed), Some(OrderStatus::PaymentPending)) = (order.placed(), order.status())
        else {
            return Ok(());
        };
        let state = self.gateway.retrieve_checkout(&placed.session_id).await?;
        if state.paid {
            // Settled, but its event never came: take the payment now.
            return self
                .take_retrieved_payment(order_id, &placed.session_id, state, &metadata)
                .await;
        }
        tracing::info!("asynchronous payment pending past the limit; order cancelled");
        self.close(
            &order,
            OrderCommand::Cancel {
                provider_event_id: None,
                now: Utc::now(),
            },
            &metadata,
        )
        .await
    }
}

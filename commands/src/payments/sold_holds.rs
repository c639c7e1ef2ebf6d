//! Sold holds whose payment is not recorded: the payments process manager's step for an
//! order whose hold was sold to it while the order still waits for its payment. A payment
//! sells the hold before the order records it (see `fulfilment`), so a process that stops
//! between the two leaves this. The payment's next delivery mends it too, but Stripe may
//! take an hour to redeliver, and the buyer has paid: the process asks the provider now.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{OrderStatus, PaymentProvider};
use carneau_domain::EventMetadata;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Records the payment of an order whose hold is sold but whose payment is not
    /// recorded: the provider is asked how the order's session stands, and a paid session
    /// is taken as its event would have been (the second sale finds the hold sold and the
    /// tickets are issued). A session not paid is left alone: the hold was sold for a
    /// payment on another session, whose event records it. What it appends records
    /// `caller` (the process manager, woken by the clock).
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn take_payment_of_sold_hold(
        &self,
        order_id: OrderId,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let metadata = in_purchase(caller, order_id);
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let (Some(placed), Some(OrderStatus::AwaitingPayment | OrderStatus::PaymentPending)) =
            (order.placed(), order.status())
        else {
            return Ok(());
        };
        if placed.provider == PaymentProvider::Free {
            return self.take_free_payment(order_id).await;
        }
        let state = self.gateway.retrieve_checkout(&placed.session_id).await?;
        if !state.paid {
            tracing::info!(
                "hold sold while the order's own session is unpaid; left to its payment's event"
            );
            return Ok(());
        }
        tracing::warn!("hold sold and its payment not recorded; recording it now");
        self.take_retrieved_payment(order_id, &placed.session_id, state, &metadata)
            .await
    }
}

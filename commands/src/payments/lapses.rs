//! Hold lapses: the payments process manager's step for an order whose hold lapsed
//! while it was awaiting payment.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{OrderCommand, OrderStatus, PaymentProvider};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::gateway::{SessionState, SessionStatus};
use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// The payments process manager's step for an order whose hold lapsed while it was
    /// awaiting payment: expire the provider's session, then give the tickets back; or,
    /// if the buyer paid meanwhile, take the payment. What it appends records `caller`
    /// (the process manager, woken by the hold's lapse).
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn lapse(
        &self,
        order_id: OrderId,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let metadata = in_purchase(caller, order_id);
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let (Some(placed), Some(OrderStatus::AwaitingPayment)) = (order.placed(), order.status())
        else {
            return Ok(());
        };
        if placed.provider == PaymentProvider::Free {
            // Placed but never recorded paid (a crash at checkout): nothing to expire,
            // take the zero payment now; the tickets are sold if still available.
            return self.take_free_payment(order_id).await;
        }
        let state = self.gateway.expire_checkout(&placed.session_id).await?;
        let now = Utc::now();
        match state.status {
            SessionStatus::Expired => {
                tracing::info!("hold lapsed unpaid; session expired, tickets back on sale");
                self.close(
                    &order,
                    OrderCommand::Expire {
                        provider_event_id: None,
                        now,
                    },
                    &metadata,
                )
                .await
            }
            SessionStatus::Complete if state.paid => {
                // The payment landed but its event has not (yet): take it now. The
                // webhook's event later finds the payment recorded.
                self.take_retrieved_payment(order_id, &placed.session_id, state, &metadata)
                    .await
            }
            // An asynchronous payment is pending (its event was lost): record it so this
            // step stops; the hold lapses at its extended expiry.
            SessionStatus::Complete => {
                self.execute(
                    order_id,
                    OrderCommand::MarkPaymentPending {
                        provider_event_id: format!("retrieved-pending:{}", placed.session_id),
                        now,
                    },
                    &metadata,
                )
                .await?;
                Ok(())
            }
            // Not expired yet (the provider refused?): tried again next pass.
            SessionStatus::Open => Ok(()),
        }
    }

    /// Records the payment the provider reports on `session_id` whose event has not
    /// reached us, under the provider event id `retrieved:{session}`: the event, if it
    /// comes later, finds it recorded.
    pub(super) async fn take_retrieved_payment(
        &self,
        order_id: OrderId,
        session_id: &str,
        state: SessionState,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        self.record_payment(
            order_id,
            None,
            OrderCommand::RecordPayment {
                provider_event_id: format!("retrieved:{session_id}"),
                session_id: session_id.to_owned(),
                payment_reference: state.payment_reference,
                amount: None,
                now: Utc::now(),
            },
            metadata,
        )
        .await
    }
}

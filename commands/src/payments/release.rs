//! A buyer gives their tickets back: the hold is released, and a checkout started on it
//! is ended first, so no payment can land on a hold that is gone.

use carneau_domain::ids::{EventId, OrderId, ReservationId};
use carneau_domain::inventory::InventoryError;
use carneau_domain::order::{OrderCommand, OrderStatus, PaymentProvider};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::gateway::SessionStatus;
use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Releases a buyer's hold. When checkout started on it and is still waiting for the
    /// payment, the provider's session is expired first, then the hold released and the
    /// order cancelled (the buyer may have left the payment page with its back link,
    /// which ends nothing). A session found paid meanwhile is not released: the answer
    /// is the inventory's `HoldSold`, and the provider's event issues the tickets.
    /// `Ok(Err(_))` is the inventory's refusal. What it appends records `caller`.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn release_hold(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
        caller: &EventMetadata,
    ) -> Result<Result<(), InventoryError>, PaymentError> {
        let order_id = OrderId::for_reservation(reservation_id);
        let order = self.order(order_id).await?;
        let placed = order
            .as_ref()
            .and_then(|order| order.placed().zip(order.status()));
        match placed {
            Some((placed, OrderStatus::AwaitingPayment)) => {
                if placed.provider != PaymentProvider::Free {
                    let session = self.gateway.expire_checkout(&placed.session_id).await?;
                    if session.status == SessionStatus::Complete {
                        tracing::info!(%order_id, "release refused: the buyer completed checkout");
                        return Ok(Err(InventoryError::HoldSold));
                    }
                }
                let metadata = in_purchase(caller, order_id);
                let command = OrderCommand::Cancel {
                    provider_event_id: None,
                    now: Utc::now(),
                };
                if let Some(order) = &order {
                    self.close(order, command, &metadata).await?;
                }
                tracing::info!(%order_id, "buyer released their hold; checkout ended");
                Ok(Ok(()))
            }
            // Paid, or being paid: the tickets are no longer the buyer's to give back.
            Some((_, OrderStatus::PaymentPending | OrderStatus::PaymentReceived)) => {
                Ok(Err(InventoryError::HoldSold))
            }
            _ => Ok(self
                .reservations
                .release(event_id, reservation_id, caller)
                .await?),
        }
    }
}

//! The provider's events: a payment, a payment that settles later, a failure or an
//! expiry, each taken into account at most once.

use carneau_domain::order::{Order, OrderCommand, OrderStatus};
use carneau_domain::{Actor, Cause, EventMetadata};
use chrono::Utc;
use tracing::instrument;

use super::webhook::{ProviderEvent, ProviderEventKind};
use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Takes one provider event into account: at most once per event id, forward only.
    /// An error means "not done, deliver again" (the webhook answers 5xx). Everything it
    /// appends (the fulfilment or refund it sets off included) records the provider as
    /// actor and its event as cause: the provider is who told us.
    #[instrument(skip_all, fields(provider_event_id = %event.id, session_id = %event.session_id))]
    pub async fn handle_provider_event(&self, event: ProviderEvent) -> Result<(), PaymentError> {
        let Some(order_id) = event.order_id else {
            tracing::info!("provider event without an order of ours; ignored");
            return Ok(());
        };
        // A payment starts from the order as this process placed it, if it did: its
        // append proves that state current, or reads the log (see `placed_orders`).
        // Taken whatever the event, so no later event starts from a state this one ends.
        let kept = self.placed.take(order_id).filter(|_| {
            matches!(
                event.kind,
                ProviderEventKind::Completed { paid: true }
                    | ProviderEventKind::AsyncPaymentSucceeded
            )
        });
        let loaded = match kept {
            Some(order) => order,
            None => self.loaded_order(order_id).await?,
        };
        if loaded.state.placed().is_none() {
            tracing::warn!(%order_id, "provider event for an order that was never placed; ignored");
            return Ok(());
        }
        let order = &loaded.state;
        let metadata = in_purchase(
            &EventMetadata::new(
                Actor::PaymentProvider {
                    provider: self.gateway.provider(),
                    event_id: event.id.clone(),
                },
                Cause::ProviderEvent {
                    event_id: event.id.clone(),
                },
            ),
            order_id,
        );
        let now = Utc::now();
        // The order is found by its reference alone, so the session may be another one
        // for the same order (created outside our checkout). Only its payment concerns
        // the order; its pending, failed or expired state ends nothing of the order's.
        let own_session = order
            .placed()
            .is_some_and(|placed| placed.session_id == event.session_id);
        match event.kind {
            ProviderEventKind::Completed { paid: true }
            | ProviderEventKind::AsyncPaymentSucceeded => {
                if !own_session {
                    tracing::warn!(%order_id, "payment on a session that is not the order's own");
                }
                self.record_payment(
                    order_id,
                    Some(loaded),
                    OrderCommand::RecordPayment {
                        provider_event_id: event.id,
                        session_id: event.session_id,
                        payment_reference: event.payment_reference,
                        amount: event.amount,
                        now,
                    },
                    &metadata,
                )
                .await
            }
            ProviderEventKind::Completed { paid: false }
            | ProviderEventKind::AsyncPaymentFailed
            | ProviderEventKind::Expired
                if !own_session =>
            {
                // Its payment, if it settles, comes as its own event and is recorded then.
                tracing::info!(%order_id, "event about a session that is not the order's own; ignored");
                Ok(())
            }
            ProviderEventKind::Completed { paid: false } => {
                // Nothing to expire any more; the hold lapses at its extended expiry and
                // the settled payment, if it comes after that, is a late payment.
                self.execute(
                    order_id,
                    OrderCommand::MarkPaymentPending {
                        provider_event_id: event.id,
                        now,
                    },
                    &metadata,
                )
                .await?;
                Ok(())
            }
            ProviderEventKind::AsyncPaymentFailed => {
                self.close(
                    order,
                    OrderCommand::Cancel {
                        provider_event_id: Some(event.id),
                        now,
                    },
                    &metadata,
                )
                .await
            }
            ProviderEventKind::Expired => {
                self.close(
                    order,
                    OrderCommand::Expire {
                        provider_event_id: Some(event.id),
                        now,
                    },
                    &metadata,
                )
                .await
            }
        }
    }

    /// Ends an unpaid order: its hold goes back on sale first (a retry after a crash
    /// finds the order still awaiting payment and does both again), then the order.
    /// `metadata` is already in the purchase's story.
    pub(super) async fn close(
        &self,
        order: &Order,
        command: OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let (Some(placed), Some(OrderStatus::AwaitingPayment | OrderStatus::PaymentPending)) =
            (order.placed(), order.status())
        else {
            return Ok(());
        };
        match self
            .reservations
            .release(placed.event_id, placed.reservation_id, metadata)
            .await?
        {
            Ok(()) => {}
            // Already gone one way or another: nothing to give back.
            Err(refusal) => tracing::debug!(%refusal, "hold not released on close"),
        }
        self.execute(placed.order_id, command, metadata).await?;
        Ok(())
    }
}

//! Refunds: requested on the order, carried out at the provider (looked up first when it
//! may have been sent already), then the refunded tickets go back on sale.

use carneau_domain::event::{Event, EventCatalogueEvent};
use carneau_domain::ids::{EventId, OrderId, TicketId};
use carneau_domain::inventory::InventoryCommand;
use carneau_domain::money::Money;
use carneau_domain::order::{Order, OrderCommand, OrderError, PaymentProvider, RefundReason};
use carneau_domain::{Cause, EventMetadata, Process};
use chrono::Utc;
use cqrs_es::Aggregate;
use tracing::instrument;

use super::checkout::free_session_id;
use super::gateway::{GatewayError, RefundRequest};
use super::{in_purchase, PaymentError, Payments};

impl Payments {
    /// Refunds some tickets of a paid order (`None`: all not yet refunded) and carries the
    /// refund out. Answers the refund's number. What it appends records `caller` (the
    /// organiser's request, or the process manager for a cancelled event).
    ///
    /// `give_back_code`: the organiser gives back the uses of the order's promo code that
    /// these tickets took. The choice is recorded in the `RefundRequested` fact with the
    /// uses the order's rule gives, so whoever carries the refund out later (this call, or
    /// [`Self::drive_refunds`] after a crash) frees exactly those uses with the tickets.
    #[instrument(skip_all, fields(order_id = %order_id, actor = %caller.actor))]
    pub async fn refund(
        &self,
        order_id: OrderId,
        ticket_ids: Option<Vec<TicketId>>,
        reason: RefundReason,
        give_back_code: bool,
        caller: &EventMetadata,
    ) -> Result<u32, PaymentError> {
        let metadata = in_purchase(caller, order_id);
        let order = self
            .execute(
                order_id,
                OrderCommand::RequestRefund {
                    ticket_ids,
                    reason,
                    give_back_code,
                    now: Utc::now(),
                },
                &metadata,
            )
            .await?;
        let (number, code_given_back) = order
            .state
            .refunds()
            .iter()
            .next_back()
            .map_or((0, None), |(number, refund)| {
                (*number, refund.code_given_back.clone())
            });
        tracing::info!(
            refund_number = number,
            ?reason,
            ?code_given_back,
            "refund requested"
        );
        self.carry_out_refunds(order_id, Some(number), &metadata)
            .await?;
        Ok(number)
    }

    /// Carries out every refund requested and not done yet, then puts every refunded
    /// ticket back on sale (once per refund, however often this runs). Each refund may
    /// have been sent before, so each is looked up at the provider first. What it appends
    /// records `caller`.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn drive_refunds(
        &self,
        order_id: OrderId,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        self.carry_out_refunds(order_id, None, &in_purchase(caller, order_id))
            .await
    }

    /// [`Self::drive_refunds`], knowing that refund `first_attempt` was requested by the
    /// caller an instant ago.
    ///
    /// Stripe replays a request by its idempotency key for about 24 hours only. A refund
    /// sent once whose answer was lost, then sent again after that, would pay the buyer
    /// twice; so before sending a refund that may have been sent already, we look for it
    /// at the provider by our key in its metadata and record the one found. The refund
    /// just requested skips that look-up (the happy path stays one call): its number did
    /// not exist before the caller appended it, so every other attempt at it (a process
    /// manager pass racing us) starts after that append, within seconds of ours, well
    /// inside the key's lifetime, and the key makes them one refund.
    async fn carry_out_refunds(
        &self,
        order_id: OrderId,
        first_attempt: Option<u32>,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let Some(placed) = order.placed() else {
            return Ok(());
        };
        let pending: Vec<(u32, Money)> = order
            .pending_refunds()
            .map(|(number, refund)| (number, refund.amount))
            .collect();
        if !pending.is_empty() && placed.provider == PaymentProvider::Free {
            // Nothing was paid, so nothing goes back through a provider: the refund is
            // carried out as soon as it is decided (its tickets stop being valid).
            for (number, _) in pending {
                self.execute(
                    order_id,
                    OrderCommand::CompleteRefund {
                        refund_number: number,
                        provider_refund_id: format!(
                            "{}:refund:{number}",
                            free_session_id(order_id)
                        ),
                        now: Utc::now(),
                    },
                    metadata,
                )
                .await?;
            }
        } else if !pending.is_empty() {
            for (number, amount) in pending {
                let payment_reference = self.refunded_payment(&order, number).await?;
                let request = RefundRequest {
                    idempotency_key: format!("refund:{order_id}:{number}"),
                    payment_reference,
                    amount,
                    order_id: order_id.to_string(),
                };
                let provider_refund_id = self
                    .send_refund(request, first_attempt == Some(number))
                    .await?;
                self.execute(
                    order_id,
                    OrderCommand::CompleteRefund {
                        refund_number: number,
                        provider_refund_id: provider_refund_id.clone(),
                        now: Utc::now(),
                    },
                    metadata,
                )
                .await?;
                tracing::info!(refund_number = number, amount = %amount, %provider_refund_id, "refunded");
            }
        }
        self.return_refunded_tickets(order_id, metadata).await
    }

    /// The provider's reference of the payment refund `number` gives back: a surplus
    /// payment's own, else the order's payment. Without a recorded reference it is asked
    /// of that payment's session.
    async fn refunded_payment(&self, order: &Order, number: u32) -> Result<String, PaymentError> {
        let (reference, session) = match order.surplus_payment(number) {
            Some(surplus) => (
                surplus.payment_reference.as_deref(),
                Some(surplus.session_id.as_str()),
            ),
            None => (
                order.payment_reference(),
                order
                    .paid_session()
                    .or(order.placed().map(|placed| placed.session_id.as_str())),
            ),
        };
        if let Some(reference) = reference {
            return Ok(reference.to_owned());
        }
        let no_reference =
            || GatewayError::Refused("the payment has no reference to refund".into());
        let session = session.ok_or_else(no_reference)?;
        Ok(self
            .gateway
            .retrieve_checkout(session)
            .await?
            .payment_reference
            .ok_or_else(no_reference)?)
    }

    /// Sends one refund, unless (`first_attempt` false) the provider already has it
    /// under our key; answers the provider's refund id either way.
    async fn send_refund(
        &self,
        request: RefundRequest,
        first_attempt: bool,
    ) -> Result<String, PaymentError> {
        if !first_attempt {
            if let Some(found) = self.gateway.find_refund(&request).await? {
                tracing::info!(key = %request.idempotency_key, provider_refund_id = %found,
                    "refund already at the provider; recorded, not sent again");
                return Ok(found);
            }
        }
        Ok(self.gateway.refund(request).await?)
    }

    /// Puts the tickets of every completed refund of the order back on sale, with the
    /// code's uses its refund recorded as given back (the inventory does each refund once).
    async fn return_refunded_tickets(
        &self,
        order_id: OrderId,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let Some(placed) = order.placed() else {
            return Ok(());
        };
        for returned in order.refunds_to_return() {
            self.reservations
                .decide(
                    placed.event_id,
                    InventoryCommand::ReturnTickets {
                        order_id,
                        refund_number: returned.refund_number,
                        lines: returned.lines,
                        code_use: returned.code_use,
                        now: Utc::now(),
                    },
                    metadata,
                )
                .await?
                .map_err(PaymentError::Hold)?;
        }
        Ok(())
    }

    /// Refunds every ticket of a paid order of a cancelled event. Idempotent: an order
    /// already refunded is done. What it appends records the payments process acting on
    /// the event's cancellation. The promo code's uses stay spent: nothing of the event is
    /// sold any more, so there is nobody to give them to.
    pub async fn refund_for_cancelled_event(&self, order_id: OrderId) -> Result<(), PaymentError> {
        let Some(event_id) = self
            .order(order_id)
            .await?
            .and_then(|order| order.placed().map(|placed| placed.event_id))
        else {
            return Ok(());
        };
        let metadata =
            EventMetadata::process(Process::Payments, self.cancellation(event_id).await?);
        match self
            .refund(
                order_id,
                None,
                RefundReason::EventCancelled,
                false,
                &metadata,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(PaymentError::Order(OrderError::AlreadyRefunded | OrderError::NotPaid)) => {
                self.drive_refunds(order_id, &metadata).await
            }
            Err(error) => Err(error),
        }
    }

    /// The cause of a cancelled event's refunds: its `EventCancelled` fact, found in the
    /// event's stream (rarely long: a catalogue's edits). A stream without one (the order
    /// was listed for a cancellation the log does not show) is the process's own schedule.
    async fn cancellation(&self, event_id: EventId) -> Result<Cause, PaymentError> {
        let aggregate_id = event_id.to_aggregate_id();
        let history = self.events.events_since(&aggregate_id, 0).await?;
        let position = history
            .iter()
            .position(|fact| matches!(fact, EventCatalogueEvent::EventCancelled { .. }));
        Ok(match position {
            Some(index) => Cause::Fact {
                aggregate_type: Event::TYPE.to_owned(),
                aggregate_id,
                sequence: index as u64 + 1,
            },
            None => Cause::Schedule,
        })
    }
}

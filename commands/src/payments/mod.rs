//! Payments: checkout from a live hold, the provider's events (Stripe's webhook or the
//! simulated page), fulfilment, late payments, refunds and the hold-lapse process.
//!
//! Every step is idempotent and recorded before the next one starts, so any step can be
//! driven again, by a redelivered webhook or by the payments process manager, after a
//! crash anywhere:
//!
//! ```text
//! start_checkout: provider session (key checkout:{reservation}) -> HoldExtended -> OrderPlaced
//! payment:        PaymentReceived -> HoldSold -> TicketsIssued
//!                                  \-> (tickets gone) LatePaymentRefused + RefundRequested
//! refund:         RefundRequested -> [retry: look the refund up by its key in metadata]
//!                 -> provider refund (key refund:{order}:{n}) -> TicketsRefunded (its id)
//!                 -> TicketsReturned (inventory)
//! hold lapse:     provider session expired (key expire:{session}) -> HoldReleased -> OrderExpired
//! ```

pub mod gateway;
pub mod simulated;
pub mod stripe;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketId};
use carneau_domain::inventory::{HoldLine, HoldStatus, InventoryCommand, InventoryError};
use carneau_domain::money::Money;
use carneau_domain::order::{
    IssuedTicket, Order, OrderCommand, OrderError, OrderEvent, OrderLine, OrderStatus, RefundReason,
};
use chrono::{Duration, Utc};
use sqlx::PgPool;
use tracing::instrument;
use uuid::Uuid;

use crate::aggregate_store::{AggregateStore, CommandError, Executed};
use crate::reservations::{ReservationError, Reservations};
use gateway::{
    CheckoutLine, CheckoutRequest, GatewayError, PaymentGateway, RefundRequest, SessionStatus,
};
use webhook::{ProviderEvent, ProviderEventKind};

/// How long a provider's checkout session lives: Stripe refuses less than 30 minutes.
/// The hold is expired earlier, at its own lapse, by the payments process manager.
pub const CHECKOUT_SESSION_LIFETIME: Duration = Duration::minutes(31);
/// How long past the session's own expiry the hold keeps counting, so the provider's
/// `expired` event normally arrives while the tickets are still held.
pub const HOLD_PAST_SESSION: Duration = Duration::minutes(1);
/// How many times a command on an order is tried again after losing a race.
const ORDER_ATTEMPTS: usize = 10;

/// Why a payment operation did not complete. Everything but the refusals is transient:
/// the same call may succeed later.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The reservation's hold cannot be paid for (expired, released, unknown).
    #[error(transparent)]
    Hold(InventoryError),
    /// The order refuses (not paid, already refunded, ...).
    #[error(transparent)]
    Order(OrderError),
    /// The payment provider failed or refused.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The inventory could not be reached.
    #[error(transparent)]
    Reservation(#[from] ReservationError),
    /// The event store failed.
    #[error("event store failure: {0}")]
    Store(String),
}

impl From<CommandError<OrderError>> for PaymentError {
    fn from(error: CommandError<OrderError>) -> Self {
        match error {
            CommandError::Rejected(refusal) => Self::Order(refusal),
            other => Self::Store(other.to_string()),
        }
    }
}

impl From<CommandError<carneau_domain::event::EventError>> for PaymentError {
    fn from(error: CommandError<carneau_domain::event::EventError>) -> Self {
        Self::Store(error.to_string())
    }
}

/// What a buyer starts checkout with.
#[derive(Debug, Clone)]
pub struct StartCheckout {
    /// The event of the hold.
    pub event_id: EventId,
    /// The hold to pay for.
    pub reservation_id: ReservationId,
    /// Where the tickets go (already checked as an address).
    pub buyer_email: String,
    /// The signed-in buyer, if any.
    pub account_id: Option<Uuid>,
    /// Where the buyer lands after paying.
    pub success_url: String,
    /// Where the buyer lands after giving up.
    pub cancel_url: String,
}

/// A checkout in progress.
#[derive(Debug, Clone)]
pub struct StartedCheckout {
    /// The order (derived from the reservation).
    pub order_id: OrderId,
    /// Where the buyer pays.
    pub checkout_url: String,
    /// Whether this call placed it (false: an earlier call did).
    pub created: bool,
}

/// Payments over the event store, the inventory and one payment gateway.
pub struct Payments {
    orders: AggregateStore<Order>,
    events: AggregateStore<Event>,
    reservations: Arc<Reservations>,
    gateway: Arc<dyn PaymentGateway>,
}

impl Payments {
    /// Payments on `pool`, through `gateway`, selling from `reservations`' inventories.
    pub fn new(
        pool: PgPool,
        reservations: Arc<Reservations>,
        gateway: Arc<dyn PaymentGateway>,
    ) -> Self {
        Self {
            orders: AggregateStore::new(pool.clone(), ()),
            events: AggregateStore::new(pool, ()),
            reservations,
            gateway,
        }
    }

    /// The gateway in use.
    pub fn gateway(&self) -> &Arc<dyn PaymentGateway> {
        &self.gateway
    }

    /// An order as the log has it now (`None`: never placed).
    pub async fn order(&self, order_id: OrderId) -> Result<Option<Order>, PaymentError> {
        let order = self.orders.load(&order_id.to_aggregate_id()).await?.state;
        Ok(order.placed().is_some().then_some(order))
    }

    /// Starts checkout from a live hold: creates the provider's session, keeps the hold
    /// until that session is over, records the order. A retry answers the same order and
    /// session.
    #[instrument(skip_all, fields(event_id = %request.event_id, reservation_id = %request.reservation_id))]
    pub async fn start_checkout(
        &self,
        request: StartCheckout,
    ) -> Result<StartedCheckout, PaymentError> {
        let order_id = OrderId::for_reservation(request.reservation_id);
        if let Some(order) = self.order(order_id).await? {
            return Ok(started(order_id, &order, false));
        }
        let found = self
            .reservations
            .find(request.event_id, request.reservation_id)
            .await?
            .ok_or(PaymentError::Hold(InventoryError::UnknownReservation))?;
        let hold = match (found.status, found.hold) {
            (HoldStatus::Active, Some(hold)) => hold,
            (HoldStatus::Released, _) => {
                return Err(PaymentError::Hold(InventoryError::AlreadyReleased))
            }
            (HoldStatus::Sold, _) => return Err(PaymentError::Hold(InventoryError::HoldSold)),
            _ => return Err(PaymentError::Hold(InventoryError::HoldExpired)),
        };
        let event = self
            .events
            .load(&request.event_id.to_aggregate_id())
            .await?
            .state;
        if event.status() == carneau_domain::event::EventStatus::Cancelled {
            // Nothing will be sold: do not take the buyer to a payment page.
            return Err(PaymentError::Hold(InventoryError::EventCancelled));
        }
        let mut lines = Vec::with_capacity(hold.lines().len());
        for line in hold.lines() {
            let ticket_type = event
                .ticket_type(line.ticket_type_id)
                .ok_or(PaymentError::Hold(InventoryError::TicketsNoLongerAvailable))?;
            lines.push(OrderLine {
                ticket_type_id: line.ticket_type_id,
                name: ticket_type.name.to_string(),
                quantity: line.quantity,
                unit_price: ticket_type.price,
            });
        }
        let currency = lines
            .first()
            .map(|line| line.unit_price.currency)
            .ok_or(PaymentError::Hold(InventoryError::UnknownReservation))?;
        let total = Money::new(
            lines
                .iter()
                .map(|line| line.unit_price.amount_minor * i64::from(line.quantity.get()))
                .sum(),
            currency,
        );
        let now = Utc::now();
        let session = self
            .gateway
            .create_checkout(CheckoutRequest {
                idempotency_key: format!("checkout:{}", request.reservation_id),
                order_id: order_id.to_string(),
                reservation_id: request.reservation_id.to_string(),
                customer_email: request.buyer_email.clone(),
                lines: lines
                    .iter()
                    .map(|line| CheckoutLine {
                        name: line.name.clone(),
                        quantity: line.quantity.get(),
                        unit_price: line.unit_price,
                    })
                    .collect(),
                success_url: request.success_url.clone(),
                cancel_url: request.cancel_url.clone(),
                expires_at: now + CHECKOUT_SESSION_LIFETIME,
            })
            .await?;
        let reservation_id = request.reservation_id;
        let keep_until = session.expires_at + HOLD_PAST_SESSION;
        let extended = self
            .reservations
            .decide(
                request.event_id,
                InventoryCommand::ExtendHold {
                    reservation_id,
                    expires_at: keep_until,
                    now,
                },
            )
            .await?;
        if let Err(refusal) = extended {
            // The hold lapsed meanwhile: nobody may pay on this session.
            if let Err(error) = self.gateway.expire_checkout(&session.session_id).await {
                tracing::warn!(%error, "could not expire the session of a lapsed hold");
            }
            return Err(PaymentError::Hold(refusal));
        }
        let placed = OrderEvent::OrderPlaced {
            order_id,
            event_id: request.event_id,
            reservation_id,
            buyer_email: request.buyer_email,
            account_id: request.account_id,
            lines,
            total,
            provider: self.gateway.provider(),
            session_id: session.session_id,
            checkout_url: session.url,
            payment_due_by: hold.expires_at(),
            placed_at: now,
        };
        let order = self
            .execute(order_id, OrderCommand::Place(Box::new(placed)))
            .await?;
        tracing::info!(%order_id, "checkout started");
        Ok(started(order_id, &order.state, true))
    }

    /// Takes one provider event into account: at most once per event id, forward only.
    /// An error means "not done, deliver again" (the webhook answers 5xx).
    #[instrument(skip_all, fields(provider_event_id = %event.id, session_id = %event.session_id))]
    pub async fn handle_provider_event(&self, event: ProviderEvent) -> Result<(), PaymentError> {
        let Some(order_id) = event.order_id else {
            tracing::info!("provider event without an order of ours; ignored");
            return Ok(());
        };
        let Some(order) = self.order(order_id).await? else {
            tracing::warn!(%order_id, "provider event for an order that was never placed; ignored");
            return Ok(());
        };
        let now = Utc::now();
        match event.kind {
            ProviderEventKind::Completed { paid: true }
            | ProviderEventKind::AsyncPaymentSucceeded => {
                self.execute(
                    order_id,
                    OrderCommand::RecordPayment {
                        provider_event_id: event.id,
                        payment_reference: event.payment_reference,
                        now,
                    },
                )
                .await?;
                self.fulfil(order_id).await
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
                )
                .await?;
                Ok(())
            }
            ProviderEventKind::AsyncPaymentFailed | ProviderEventKind::CancelledByBuyer => {
                self.close(
                    &order,
                    OrderCommand::Cancel {
                        provider_event_id: Some(event.id),
                        now,
                    },
                )
                .await
            }
            ProviderEventKind::Expired => {
                self.close(
                    &order,
                    OrderCommand::Expire {
                        provider_event_id: Some(event.id),
                        now,
                    },
                )
                .await
            }
        }
    }

    /// Ends an unpaid order: its hold goes back on sale first (a retry after a crash
    /// finds the order still awaiting payment and does both again), then the order.
    async fn close(&self, order: &Order, command: OrderCommand) -> Result<(), PaymentError> {
        let (Some(placed), Some(OrderStatus::AwaitingPayment | OrderStatus::PaymentPending)) =
            (order.placed(), order.status())
        else {
            return Ok(());
        };
        match self
            .reservations
            .release(placed.event_id, placed.reservation_id)
            .await?
        {
            Ok(()) => {}
            // Already gone one way or another: nothing to give back.
            Err(refusal) => tracing::debug!(%refusal, "hold not released on close"),
        }
        self.execute(placed.order_id, command).await?;
        Ok(())
    }

    /// After a payment is recorded: sells the hold and issues tickets, or, when the
    /// tickets went to someone else after the hold lapsed, refuses and refunds. Does
    /// nothing for an order that is not waiting for this.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn fulfil(&self, order_id: OrderId) -> Result<(), PaymentError> {
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let (Some(placed), Some(OrderStatus::PaymentReceived)) = (order.placed(), order.status())
        else {
            return Ok(());
        };
        let event = self
            .events
            .load(&placed.event_id.to_aggregate_id())
            .await?
            .state;
        let lines = hold_lines(&placed.lines);
        let reservation_id = placed.reservation_id;
        let sold = self
            .reservations
            .decide(
                placed.event_id,
                InventoryCommand::SellHold {
                    event: Box::new(event),
                    reservation_id,
                    order_id,
                    lines,
                    now: Utc::now(),
                },
            )
            .await?;
        let now = Utc::now();
        match sold {
            Ok(_) => {
                let tickets = placed
                    .lines
                    .iter()
                    .flat_map(|line| {
                        (0..line.quantity.get()).map(|_| IssuedTicket {
                            ticket_id: TicketId::new(),
                            ticket_type_id: line.ticket_type_id,
                        })
                    })
                    .collect();
                self.execute(order_id, OrderCommand::IssueTickets { tickets, now })
                    .await?;
                tracing::info!("order paid; tickets issued");
                Ok(())
            }
            Err(refusal) => {
                tracing::warn!(%refusal, "payment refused after the hold lapsed; refunding");
                self.execute(order_id, OrderCommand::RefuseLatePayment { now })
                    .await?;
                // Rare enough not to tell a first attempt from a retry: always look up.
                self.drive_refunds(order_id).await
            }
        }
    }

    /// Refunds some tickets of a paid order (`None`: all not yet refunded) and carries the
    /// refund out. Answers the refund's number.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn refund(
        &self,
        order_id: OrderId,
        ticket_ids: Option<Vec<TicketId>>,
        reason: RefundReason,
    ) -> Result<u32, PaymentError> {
        let order = self
            .execute(
                order_id,
                OrderCommand::RequestRefund {
                    ticket_ids,
                    reason,
                    now: Utc::now(),
                },
            )
            .await?;
        let number = order
            .state
            .refunds()
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0);
        tracing::info!(refund_number = number, ?reason, "refund requested");
        self.carry_out_refunds(order_id, Some(number)).await?;
        Ok(number)
    }

    /// Carries out every refund requested and not done yet, then puts every refunded
    /// ticket back on sale (once per refund, however often this runs). Each refund may
    /// have been sent before, so each is looked up at the provider first.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn drive_refunds(&self, order_id: OrderId) -> Result<(), PaymentError> {
        self.carry_out_refunds(order_id, None).await
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
        if !pending.is_empty() {
            let payment_reference = match order.payment_reference() {
                Some(reference) => reference.to_owned(),
                None => self
                    .gateway
                    .retrieve_checkout(&placed.session_id)
                    .await?
                    .payment_reference
                    .ok_or_else(|| {
                        GatewayError::Refused("the payment has no reference to refund".into())
                    })?,
            };
            for (number, amount) in pending {
                let request = RefundRequest {
                    idempotency_key: format!("refund:{order_id}:{number}"),
                    payment_reference: payment_reference.clone(),
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
                )
                .await?;
                tracing::info!(refund_number = number, amount = %amount, %provider_refund_id, "refunded");
            }
        }
        self.return_refunded_tickets(order_id).await
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

    /// Puts the tickets of every completed refund of the order back on sale.
    async fn return_refunded_tickets(&self, order_id: OrderId) -> Result<(), PaymentError> {
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let Some(placed) = order.placed() else {
            return Ok(());
        };
        for (number, refund) in order.refunds() {
            if !refund.completed || refund.ticket_ids.is_empty() {
                continue;
            }
            let mut per_type: HashMap<_, u32> = HashMap::new();
            for ticket_id in &refund.ticket_ids {
                if let Some(ticket) = order.tickets().iter().find(|t| t.ticket_id == *ticket_id) {
                    *per_type.entry(ticket.ticket_type_id).or_default() += 1;
                }
            }
            let lines: Vec<HoldLine> = per_type
                .into_iter()
                .filter_map(|(ticket_type_id, count)| {
                    carneau_domain::inventory::Quantity::parse(count)
                        .ok()
                        .map(|quantity| HoldLine {
                            ticket_type_id,
                            quantity,
                        })
                })
                .collect();
            let number = *number;
            self.reservations
                .decide(
                    placed.event_id,
                    InventoryCommand::ReturnTickets {
                        order_id,
                        refund_number: number,
                        lines,
                        now: Utc::now(),
                    },
                )
                .await?
                .map_err(PaymentError::Hold)?;
        }
        Ok(())
    }

    /// The payments process manager's step for an order whose hold lapsed while it was
    /// awaiting payment: expire the provider's session, then give the tickets back; or,
    /// if the buyer paid meanwhile, take the payment.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub async fn lapse(&self, order_id: OrderId) -> Result<(), PaymentError> {
        let Some(order) = self.order(order_id).await? else {
            return Ok(());
        };
        let (Some(placed), Some(OrderStatus::AwaitingPayment)) = (order.placed(), order.status())
        else {
            return Ok(());
        };
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
                )
                .await
            }
            SessionStatus::Complete if state.paid => {
                // The payment landed but its event has not (yet): take it now. The
                // webhook's event later finds the payment recorded.
                self.execute(
                    order_id,
                    OrderCommand::RecordPayment {
                        provider_event_id: format!("retrieved:{}", placed.session_id),
                        payment_reference: state.payment_reference,
                        now,
                    },
                )
                .await?;
                self.fulfil(order_id).await
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
                )
                .await?;
                Ok(())
            }
            // Not expired yet (the provider refused?): tried again next pass.
            SessionStatus::Open => Ok(()),
        }
    }

    /// Refunds every ticket of a paid order of a cancelled event. Idempotent: an order
    /// already refunded is done.
    pub async fn refund_for_cancelled_event(&self, order_id: OrderId) -> Result<(), PaymentError> {
        match self
            .refund(order_id, None, RefundReason::EventCancelled)
            .await
        {
            Ok(_) => Ok(()),
            Err(PaymentError::Order(OrderError::AlreadyRefunded | OrderError::NotPaid)) => {
                self.drive_refunds(order_id).await
            }
            Err(error) => Err(error),
        }
    }

    async fn execute(
        &self,
        order_id: OrderId,
        command: OrderCommand,
    ) -> Result<Executed<Order>, PaymentError> {
        let aggregate_id = order_id.to_aggregate_id();
        for _ in 0..ORDER_ATTEMPTS {
            match self
                .orders
                .execute(&aggregate_id, command.clone(), None, HashMap::new())
                .await
            {
                Err(CommandError::Conflict) => continue,
                other => return Ok(other?),
            }
        }
        Err(PaymentError::Store("the order is too busy".to_owned()))
    }
}

fn started(order_id: OrderId, order: &Order, created: bool) -> StartedCheckout {
    StartedCheckout {
        order_id,
        checkout_url: order
            .placed()
            .map(|placed| placed.checkout_url.clone())
            .unwrap_or_default(),
        created,
    }
}

fn hold_lines(lines: &[OrderLine]) -> Vec<HoldLine> {
    lines
        .iter()
        .map(|line| HoldLine {
            ticket_type_id: line.ticket_type_id,
            quantity: line.quantity,
        })
        .collect()
}

//! Checkout: from a live hold to a provider's payment session and a placed order.

use carneau_domain::account::EmailAddress;
use carneau_domain::event::EventStatus;
use carneau_domain::ids::{AccountId, EventId, OrderId, ReservationId};
use carneau_domain::inventory::{CodeClaim, HoldStatus, InventoryCommand, InventoryError};
use carneau_domain::order::{
    attendees_for, price_hold, Attendee, Order, OrderCommand, PaymentProvider, PlacedOrder,
    PricingError,
};
use carneau_domain::{Actor, Cause, EventMetadata, Process};
use chrono::{Duration, Utc};
use cqrs_es::Aggregate;
use tracing::instrument;
use uuid::Uuid;

use super::gateway::{CheckoutLine, CheckoutRequest};
use super::{PaymentError, Payments};
use crate::aggregate_store::Executed;

/// How long a provider's checkout session lives: Stripe refuses less than 30 minutes.
/// The hold is expired earlier, at its own lapse, by the payments process manager.
pub const CHECKOUT_SESSION_LIFETIME: Duration = Duration::minutes(31);
/// How long past the session's own expiry the hold keeps counting, so the provider's
/// `expired` event normally arrives while the tickets are still held.
pub const HOLD_PAST_SESSION: Duration = Duration::minutes(1);

/// What a buyer starts checkout with.
#[derive(Debug, Clone)]
pub struct StartCheckout {
    /// The event of the hold.
    pub event_id: EventId,
    /// The hold to pay for.
    pub reservation_id: ReservationId,
    /// Where the tickets go, as the order records it (normalised by the caller).
    pub buyer_email: EmailAddress,
    /// The signed-in buyer, if any.
    pub account_id: Option<Uuid>,
    /// Where the buyer lands after paying.
    pub success_url: String,
    /// Where the buyer lands after giving up.
    pub cancel_url: String,
    /// The id of the buyer's HTTP request, recorded as the cause of what checkout appends.
    pub request_id: Option<String>,
    /// Who each ticket is for, one per seat in line order, as the buyer gave them; the
    /// event's questions decide what is kept and what is missing.
    pub attendees: Vec<Attendee>,
}

impl StartCheckout {
    /// What checkout's facts record: the buyer (their account when signed in, else the
    /// guest holding the reservation's token) and their request, in the purchase's story.
    /// Built here from the request's own fields so the actor cannot disagree with the
    /// account the order records.
    fn metadata(&self, order_id: OrderId) -> EventMetadata {
        let buyer = match self.account_id {
            Some(account_id) => Actor::Account {
                account_id: AccountId::from_uuid(account_id),
            },
            None => Actor::Guest {
                reservation_id: self.reservation_id,
            },
        };
        let cause = Cause::Request {
            request_id: self.request_id.clone(),
        };
        EventMetadata::new(buyer, cause).correlated(order_id.correlation_id())
    }
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

impl Payments {
    /// Starts checkout from a live hold: creates the provider's session, keeps the hold
    /// until that session is over, records the order. A retry answers the same order and
    /// session.
    #[instrument(skip_all, fields(event_id = %request.event_id, reservation_id = %request.reservation_id))]
    pub async fn start_checkout(
        &self,
        request: StartCheckout,
    ) -> Result<StartedCheckout, PaymentError> {
        let order_id = OrderId::for_reservation(request.reservation_id);
        let metadata = request.metadata(order_id);
        match self.place_order(order_id, request, &metadata).await {
            Ok(started) => Ok(started),
            Err(error) => {
                // A retry of a checkout that placed the order already, stopped before its
                // append by what changed since (the hold sold, the provider's key used):
                // answered with the order, as the first call was.
                let order = self.loaded_order(order_id).await?;
                match order.state.placed() {
                    Some(_) => Ok(started(order_id, &order.state, false)),
                    None => Err(error),
                }
            }
        }
    }

    /// [`start_checkout`](Self::start_checkout) on an order assumed new, without reading
    /// it: nearly every checkout is a first one, and `OrderPlaced` is appended at version
    /// 0, so a retry that gets this far loses the append, reads the order and answers it.
    async fn place_order(
        &self,
        order_id: OrderId,
        request: StartCheckout,
        metadata: &EventMetadata,
    ) -> Result<StartedCheckout, PaymentError> {
        // Asked together, so the event's desk answers both after one read of the log.
        let (found, event) = tokio::join!(
            self.reservations
                .find(request.event_id, request.reservation_id),
            self.reservations.catalogue(request.event_id),
        );
        let found = found?.ok_or(PaymentError::Hold(InventoryError::UnknownReservation))?;
        let event = event?;
        let hold = match (found.status, found.hold) {
            (HoldStatus::Active, Some(hold)) => hold,
            (HoldStatus::Released, _) => {
                return Err(PaymentError::Hold(InventoryError::AlreadyReleased))
            }
            (HoldStatus::Sold, _) => return Err(PaymentError::Hold(InventoryError::HoldSold)),
            _ => return Err(PaymentError::Hold(InventoryError::HoldExpired)),
        };
        if event.status() == EventStatus::Cancelled {
            // Nothing will be sold: do not take the buyer to a payment page.
            return Err(PaymentError::Hold(InventoryError::EventCancelled));
        }
        // The code's terms now: the hold took its uses, so it is priced with the code even
        // if the organiser has switched it off since.
        let code = match hold.code_use() {
            Some(code_use) => self
                .reservations
                .vouchers(request.event_id)
                .await?
                .voucher(&code_use.code)
                .map(|voucher| (code_use.clone(), voucher.terms.clone())),
            None => None,
        };
        let terms = code.as_ref().map(|(_, terms)| terms);
        // Kept on the order: a late payment is sold against it, and a refund that gives
        // the code back counts the uses its tickets took with it.
        let claim = code
            .as_ref()
            .map(|(code_use, terms)| CodeClaim::new(code_use.clone(), terms, hold.lines()));
        let priced =
            price_hold(hold.lines(), |id| event.ticket_type(id), terms).map_err(|error| {
                // Said to the buyer as the inventory would: the tickets, or the hold, are gone.
                PaymentError::Hold(match error {
                    PricingError::UnknownTicketType => InventoryError::TicketsNoLongerAvailable,
                    PricingError::NothingToPrice => InventoryError::UnknownReservation,
                })
            })?;
        let seats = priced
            .lines
            .iter()
            .map(|line| usize::try_from(line.quantity.get()).unwrap_or(usize::MAX))
            .sum();
        let questions = event
            .details()
            .map(|details| details.attendee_questions)
            .unwrap_or_default();
        // Checked before any payment session exists: a buyer told which ticket lacks a
        // name has paid nothing yet.
        let attendees = attendees_for(&questions, seats, request.attendees.clone())
            .map_err(|refusal| PaymentError::Order(refusal.into()))?;
        let now = Utc::now();
        if priced.total.is_zero() {
            // Nothing to pay: no payment page, the order is placed and paid at once.
            let placed = PlacedOrder {
                order_id,
                event_id: request.event_id,
                reservation_id: request.reservation_id,
                buyer_email: request.buyer_email.clone(),
                account_id: request.account_id,
                lines: priced.lines,
                total: priced.total,
                provider: PaymentProvider::Free,
                session_id: free_session_id(order_id),
                checkout_url: request.success_url.clone(),
                payment_due_by: hold.expires_at(),
                placed_at: now,
                code: claim,
                attendees,
            };
            let order = self.record_placed(placed, metadata).await?;
            tracing::info!(%order_id, "free order placed");
            self.take_free_payment(order_id).await?;
            return Ok(StartedCheckout {
                order_id,
                checkout_url: request.success_url,
                created: !order.appended.is_empty(),
            });
        }
        let session = self
            .gateway
            .create_checkout(CheckoutRequest {
                idempotency_key: format!("checkout:{}", request.reservation_id),
                order_id: order_id.to_string(),
                reservation_id: request.reservation_id.to_string(),
                customer_email: request.buyer_email.to_string(),
                lines: priced
                    .lines
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
                metadata,
            )
            .await?;
        if let Err(refusal) = extended {
            // The hold lapsed meanwhile: nobody may pay on this session.
            if let Err(error) = self.gateway.expire_checkout(&session.session_id).await {
                tracing::warn!(%error, "could not expire the session of a lapsed hold");
            }
            return Err(PaymentError::Hold(refusal));
        }
        let placed = PlacedOrder {
            order_id,
            event_id: request.event_id,
            reservation_id,
            buyer_email: request.buyer_email,
            account_id: request.account_id,
            lines: priced.lines,
            total: priced.total,
            provider: self.gateway.provider(),
            session_id: session.session_id,
            checkout_url: session.url,
            payment_due_by: hold.expires_at(),
            placed_at: now,
            code: claim,
            attendees,
        };
        let order = self.record_placed(placed, metadata).await?;
        // Nothing appended: a retry lost the append to the first call, and reread it.
        let created = !order.appended.is_empty();
        let answer = started(order_id, &order.state, created);
        if created {
            tracing::info!(%order_id, "checkout started");
            self.placed.keep(order_id, order);
        }
        Ok(answer)
    }
}

impl Payments {
    /// Appends `OrderPlaced` on the order assumed new (version 0, not read): a retry
    /// loses that append to the first call, reads the order and appends nothing.
    async fn record_placed(
        &self,
        placed: PlacedOrder,
        metadata: &EventMetadata,
    ) -> Result<Executed<Order>, PaymentError> {
        let unplaced = Executed {
            state: Order::default(),
            version: 0,
            appended: Vec::new(),
        };
        self.execute_after(
            placed.order_id,
            Some(unplaced),
            OrderCommand::Place(Box::new(placed)),
            metadata,
        )
        .await
    }

    /// Records the zero payment of a free order and issues its tickets. The payments
    /// process records it (no provider took part), because the order was placed: the
    /// cause is the order's first fact, `OrderPlaced`. Idempotent: the payment is known
    /// by the order's id, and recording it again sells and issues nothing more.
    #[instrument(skip_all, fields(order_id = %order_id))]
    pub(super) async fn take_free_payment(&self, order_id: OrderId) -> Result<(), PaymentError> {
        let metadata = EventMetadata::process(
            Process::Payments,
            Cause::Fact {
                aggregate_type: Order::TYPE.to_owned(),
                aggregate_id: order_id.to_aggregate_id(),
                // `OrderPlaced` is always the first fact of an order.
                sequence: 1,
            },
        )
        .correlated(order_id.correlation_id());
        self.record_payment(
            order_id,
            None,
            OrderCommand::RecordPayment {
                provider_event_id: free_session_id(order_id),
                session_id: free_session_id(order_id),
                payment_reference: None,
                amount: None,
                now: Utc::now(),
            },
            &metadata,
        )
        .await
    }
}

/// What stands for a free order's session and its zero payment: there is no provider.
pub(super) fn free_session_id(order_id: OrderId) -> String {
    format!("free:{order_id}")
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

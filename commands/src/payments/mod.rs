//! Payments: checkout from a live hold, the provider's events (Stripe's webhook or the
//! simulated page), fulfilment, late payments, refunds and the hold-lapse process.
//!
//! Every step is idempotent and recorded before the next one starts, so any step can be
//! driven again, by a redelivered webhook or by the payments process manager, after a
//! crash anywhere:
//!
//! ```text
//! start_checkout: provider session (key checkout:{reservation}) -> HoldExtended -> OrderPlaced
//! payment:        HoldSold -> PaymentReceived + TicketsIssued (one append)
//!                 \-> (tickets gone) PaymentReceived + LatePaymentRefused + RefundRequested
//! surplus:        (another session of a paid order) SurplusPaymentReceived + RefundRequested
//!                 -> refund against that payment's own reference
//! refund:         RefundRequested -> [retry: look the refund up by its key in metadata]
//!                 -> provider refund (key refund:{order}:{n}) -> TicketsRefunded (its id)
//!                 -> TicketsReturned (inventory)
//! hold lapse:     provider session expired (key expire:{session}) -> HoldReleased -> OrderExpired
//! sold, unpaid:   (a stop after HoldSold) provider session retrieved -> payment as above
//! ```
//!
//! Each stage is one `impl Payments` block in its own module, in the diagram's order:
//! `checkout`, `provider_events`, `fulfilment`, `refunds`, `lapses`. This module keeps
//! what they share: the struct, its error and the one call into the event store. A
//! payment's sale comes before the order's append (see `fulfilment`): a crash between
//! them is mended by the payment's next delivery, which finds the hold already sold.
//!
//! Provenance: every entry point takes (or, for a provider event, builds) the metadata of
//! the facts it appends, order and inventory alike: who asked (the buyer, the provider,
//! the process manager, an organiser) and why (their request, the provider's event, a
//! timer, an earlier fact). [`in_purchase`] ties it to the order's correlation id, so an
//! auditor finds everything one purchase set off by one id.

mod attendees;
mod checkout;
mod due_facts;
mod fulfilment;
pub mod gateway;
mod lapses;
mod pending_limit;
mod placed_orders;
mod provider_events;
mod refunds;
mod release;
mod resends;
pub mod simulated;
mod sold_holds;
pub mod stripe;
pub mod webhook;

use std::sync::Arc;

use carneau_domain::event::Event;
use carneau_domain::ids::OrderId;
use carneau_domain::inventory::InventoryError;
use carneau_domain::order::{Order, OrderCommand, OrderError};
use sqlx::PgPool;

use crate::aggregate_store::{AggregateStore, CommandError, Executed};
use crate::event_store::StoreError;
use crate::reservations::{ReservationError, Reservations};
use carneau_domain::EventMetadata;
pub use checkout::{StartCheckout, StartedCheckout, CHECKOUT_SESSION_LIFETIME, HOLD_PAST_SESSION};
pub use due_facts::DueStep;
use gateway::{GatewayError, PaymentGateway};
use placed_orders::{PlacedOrders, KEPT_ORDERS};
pub use resends::is_recorded_resend;

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
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The order kept changing under every attempt; the same call may succeed later.
    #[error("the order is too busy right now")]
    Busy,
}

impl From<CommandError<OrderError>> for PaymentError {
    fn from(error: CommandError<OrderError>) -> Self {
        match error {
            CommandError::Rejected(refusal) => Self::Order(refusal),
            CommandError::Store(error) => Self::Store(error),
            CommandError::Conflict | CommandError::IdempotencyKeyReused => Self::Busy,
        }
    }
}

/// Payments over the event store, the inventory and one payment gateway.
pub struct Payments {
    orders: AggregateStore<Order>,
    events: AggregateStore<Event>,
    reservations: Arc<Reservations>,
    gateway: Arc<dyn PaymentGateway>,
    /// Orders this process placed, for the payment that follows.
    placed: PlacedOrders,
}

impl Payments {
    /// Payments on `pool`, through `gateway`, selling from `reservations`' inventories.
    /// Starts the orders' append rounds: must be called inside a Tokio runtime.
    pub fn new(
        pool: PgPool,
        reservations: Arc<Reservations>,
        gateway: Arc<dyn PaymentGateway>,
    ) -> Self {
        Self {
            // Every buyer of a paying rush appends to an order of their own.
            orders: AggregateStore::in_rounds(pool.clone(), ()),
            events: AggregateStore::new(pool, ()),
            reservations,
            gateway,
            placed: PlacedOrders::new(KEPT_ORDERS),
        }
    }

    /// The gateway in use.
    pub fn gateway(&self) -> &Arc<dyn PaymentGateway> {
        &self.gateway
    }

    /// An order as the log has it now (`None`: never placed).
    pub async fn order(&self, order_id: OrderId) -> Result<Option<Order>, PaymentError> {
        let order = self.loaded_order(order_id).await?.state;
        Ok(order.placed().is_some().then_some(order))
    }

    /// An order as the log has it now, with its version (0: never placed), for a command
    /// that follows without reading it again ([`execute_after`](Self::execute_after)).
    async fn loaded_order(&self, order_id: OrderId) -> Result<Executed<Order>, PaymentError> {
        Ok(self.orders.load(&order_id.to_aggregate_id()).await?)
    }

    /// Executes `command` on the order, recording `metadata` (already in the purchase's
    /// story, see [`in_purchase`]), retrying after losing a race.
    async fn execute(
        &self,
        order_id: OrderId,
        command: OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<Executed<Order>, PaymentError> {
        self.execute_after(order_id, None, command, metadata).await
    }

    /// [`execute`](Self::execute) on the order as the caller has just loaded it (`loaded`,
    /// from [`loaded_order`](Self::loaded_order) or an earlier command): the first attempt
    /// appends without reading the order again, so the steps of a payment read the order
    /// once in all; a lost race reads it again, as `execute` does.
    async fn execute_after(
        &self,
        order_id: OrderId,
        mut loaded: Option<Executed<Order>>,
        command: OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<Executed<Order>, PaymentError> {
        let aggregate_id = order_id.to_aggregate_id();
        for _ in 0..ORDER_ATTEMPTS {
            let attempt = match loaded.take() {
                Some(order) => {
                    self.orders
                        .execute_on(&aggregate_id, order, command.clone(), metadata)
                        .await
                }
                None => {
                    self.orders
                        .execute(&aggregate_id, command.clone(), None, metadata)
                        .await
                }
            };
            match attempt {
                Err(CommandError::Conflict) => continue,
                other => {
                    let executed = other?;
                    // Every order fact goes through here: counted once, as appended.
                    crate::metrics::order_facts(&executed.appended);
                    return Ok(executed);
                }
            }
        }
        Err(PaymentError::Busy)
    }
}

/// `caller`'s actor and cause, in the story of `order_id`'s purchase. Applied at every
/// entry point, whatever the caller passed, so no fact of a purchase can miss or
/// contradict its correlation id.
fn in_purchase(caller: &EventMetadata, order_id: OrderId) -> EventMetadata {
    caller.clone().correlated(order_id.correlation_id())
}

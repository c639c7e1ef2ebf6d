//! Fulfilment: a payment that makes the order's own payment received sells its hold
//! first, then one append records the payment with its outcome: the tickets issued, or,
//! when the tickets went to someone else after the hold lapsed, the late payment refused
//! and its refund requested.
//!
//! Selling first saves the order a second append per payment. A crash between the sale
//! and the append leaves the hold sold to the order and the order awaiting payment; the
//! payment comes again (the provider redelivers its event, the buyer presses Pay again,
//! or the payments process finds the session paid at the hold's lapse), the desk answers
//! the second sale as already made, and that append issues the tickets. Orders whose
//! payment was recorded before its sale (the log's older facts, or an old process that
//! stopped between the two) are fulfilled by [`Payments::fulfil`].

use carneau_domain::event::Event;
use carneau_domain::ids::{OrderId, TicketId};
use carneau_domain::inventory::{InventoryCommand, InventoryError};
use carneau_domain::order::{IssuedTicket, Order, OrderCommand, OrderStatus, PlacedOrder};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments, ORDER_ATTEMPTS};
use crate::aggregate_store::{CommandError, Executed};

/// What the inventory answered to an order's paid hold.
enum Sale {
    /// Sold (now, or already by an earlier attempt).
    Sold,
    /// Not sold: the tickets went to someone else after the hold lapsed.
    Refused(InventoryError),
}

impl Sale {
    /// The order's command that records this outcome.
    fn command(&self, placed: &PlacedOrder) -> OrderCommand {
        let now = Utc::now();
        match self {
            Self::Sold => OrderCommand::IssueTickets {
                tickets: placed
                    .lines
                    .iter()
                    .flat_map(|line| {
                        (0..line.quantity.get()).map(|_| IssuedTicket {
                            attendee: None,
                            ticket_id: TicketId::new(),
                            ticket_type_id: line.ticket_type_id,
                        })
                    })
                    .collect(),
                now,
            },
            Self::Refused(_) => OrderCommand::RefuseLatePayment { now },
        }
    }

    fn log(&self) {
        match self {
            Self::Sold => tracing::info!("order paid; tickets issued"),
            Self::Refused(refusal) => {
                tracing::warn!(%refusal, "payment refused after the hold lapsed; refunding");
            }
        }
    }
}

impl Payments {
    /// Records a payment (`command` is an `OrderCommand::RecordPayment`) and sees it
    /// through: the order's own payment sells its hold first and is recorded with the
    /// tickets, or refused and refunded; a surplus payment (another session of an order
    /// already paid) is refunded against its own reference. Each provider event and each
    /// session counts once, so a redelivery does nothing again. What it appends records
    /// `metadata` (already in the purchase's story).
    /// `loaded` is the order as the caller just read it, if it did: recorded on without
    /// reading it again.
    pub(super) async fn record_payment(
        &self,
        order_id: OrderId,
        mut loaded: Option<Executed<Order>>,
        command: OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let aggregate_id = order_id.to_aggregate_id();
        for _ in 0..ORDER_ATTEMPTS {
            let order = match loaded.take() {
                Some(order) => order,
                None => self.loaded_order(order_id).await?,
            };
            let sale = self.sale_before(&order.state, &command, metadata).await?;
            let mut commands = vec![command.clone()];
            if let Some((sale, placed)) = &sale {
                commands.push(sale.command(placed));
            }
            let recorded = match self
                .orders
                .execute_all_on(&aggregate_id, order, commands, metadata)
                .await
            {
                // Another call recorded on the order meanwhile (maybe this payment's own
                // redelivery): decided again on the order as it is now.
                Err(CommandError::Conflict) => continue,
                other => other?,
            };
            crate::metrics::order_facts(&recorded.appended);
            let surplus_refunds: Vec<u32> = recorded
                .state
                .pending_refunds()
                .filter(|(number, _)| recorded.state.surplus_payment(*number).is_some())
                .map(|(number, _)| number)
                .collect();
            // Does nothing unless a payment recorded before its sale awaits its tickets.
            self.fulfil_loaded(order_id, recorded, metadata).await?;
            if let Some((sale, _)) = &sale {
                self.after_sale(sale, order_id, metadata).await?;
            } else if !surplus_refunds.is_empty() {
                tracing::warn!(refunds = ?surplus_refunds, "surplus payment on a paid order; refunding it");
                // Looked up first: the refund may be one a crash left requested and unsent.
                self.drive_refunds(order_id, metadata).await?;
            }
            return Ok(());
        }
        Err(PaymentError::Busy)
    }

    /// The sale to make before recording `command` on `order`, decided on the order in
    /// memory: when it makes the order's own payment received, the hold is sold (or the
    /// sale refused) now and the outcome returned with the order as placed; otherwise
    /// (a surplus payment, a repeated event, a payment already recorded) nothing is sold.
    async fn sale_before(
        &self,
        order: &Order,
        command: &OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<(Sale, PlacedOrder)>, PaymentError> {
        if order.status() == Some(OrderStatus::PaymentReceived) {
            return Ok(None);
        }
        let after = self.orders.preview(order.clone(), command.clone()).await?;
        let (Some(placed), Some(OrderStatus::PaymentReceived)) = (after.placed(), after.status())
        else {
            return Ok(None);
        };
        let sale = self.sell_hold(placed, metadata).await?;
        Ok(Some((sale, placed.clone())))
    }

    /// Sells the hold `placed` was made from to its order, in the purchase's story.
    async fn sell_hold(
        &self,
        placed: &PlacedOrder,
        metadata: &EventMetadata,
    ) -> Result<Sale, PaymentError> {
        let (reservation_id, order_id) = (placed.reservation_id, placed.order_id);
        let (lines, code) = (placed.hold_lines(), placed.code.clone());
        let sell = move |event: &Event| InventoryCommand::SellHold {
            event: Box::new(event.clone()),
            reservation_id,
            order_id,
            lines,
            code,
            now: Utc::now(),
        };
        let sold = self
            .reservations
            .decide_on_catalogue(placed.event_id, sell, metadata)
            .await?;
        Ok(match sold {
            Ok(_) => Sale::Sold,
            Err(refusal) => Sale::Refused(refusal),
        })
    }

    /// A payment recorded before its sale (the log's older facts, or a process that
    /// stopped between the two): sells the hold and issues tickets, or, when the tickets
    /// went to someone else after the hold lapsed, refuses and refunds. Does nothing for
    /// an order that is not waiting for this. What it appends records `caller`: the
    /// process manager retrying.
    #[instrument(skip_all, fields(order_id = %order_id, actor = %caller.actor))]
    pub async fn fulfil(
        &self,
        order_id: OrderId,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let order = self.loaded_order(order_id).await?;
        self.fulfil_loaded(order_id, order, caller).await
    }

    /// [`fulfil`](Self::fulfil) on the order as the caller has just read or recorded it.
    pub(super) async fn fulfil_loaded(
        &self,
        order_id: OrderId,
        order: Executed<Order>,
        caller: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let metadata = in_purchase(caller, order_id);
        let (Some(placed), Some(OrderStatus::PaymentReceived)) =
            (order.state.placed(), order.state.status())
        else {
            return Ok(());
        };
        let placed = placed.clone();
        let sale = self.sell_hold(&placed, &metadata).await?;
        self.execute_after(order_id, Some(order), sale.command(&placed), &metadata)
            .await?;
        self.after_sale(&sale, order_id, &metadata).await
    }

    /// Once a sale's outcome is recorded on the order: said in the log and, for a refused
    /// sale, its refund carried out.
    async fn after_sale(
        &self,
        sale: &Sale,
        order_id: OrderId,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        sale.log();
        match sale {
            Sale::Sold => Ok(()),
            // Rare enough not to tell a first attempt from a retry: always look up.
            Sale::Refused(_) => self.drive_refunds(order_id, metadata).await,
        }
    }
}

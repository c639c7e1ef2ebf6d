//! Fulfilment: a recorded payment becomes sold tickets, or, when the tickets went to
//! someone else after the hold lapsed, a refused late payment and its refund.

use carneau_domain::ids::{OrderId, TicketId};
use carneau_domain::inventory::InventoryCommand;
use carneau_domain::order::{IssuedTicket, Order, OrderCommand, OrderStatus};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments};
use crate::aggregate_store::Executed;

impl Payments {
    /// Records a payment (`command` is an `OrderCommand::RecordPayment`) and sees it
    /// through: the order's payment is fulfilled (sold, or refused and refunded); a
    /// surplus payment (another session of an order already paid) is refunded against
    /// its own reference. Each provider event and each session counts once, so a
    /// redelivery does nothing again. What it appends records `metadata` (already in the
    /// purchase's story).
    /// `loaded` is the order as the caller just read it, if it did: recorded on without
    /// reading it again.
    pub(super) async fn record_payment(
        &self,
        order_id: OrderId,
        loaded: Option<Executed<Order>>,
        command: OrderCommand,
        metadata: &EventMetadata,
    ) -> Result<(), PaymentError> {
        let recorded = self
            .execute_after(order_id, loaded, command, metadata)
            .await?;
        let surplus_refunds: Vec<u32> = recorded
            .state
            .pending_refunds()
            .filter(|(number, _)| recorded.state.surplus_payment(*number).is_some())
            .map(|(number, _)| number)
            .collect();
        // Does nothing unless the order's own payment awaits its tickets.
        self.fulfil_loaded(order_id, recorded, metadata).await?;
        if !surplus_refunds.is_empty() {
            tracing::warn!(refunds = ?surplus_refunds, "surplus payment on a paid order; refunding it");
            // Looked up first: the refund may be one a crash left requested and unsent.
            self.drive_refunds(order_id, metadata).await?;
        }
        Ok(())
    }

    /// After a payment is recorded: sells the hold and issues tickets, or, when the
    /// tickets went to someone else after the hold lapsed, refuses and refunds. Does
    /// nothing for an order that is not waiting for this. What it appends records
    /// `caller`: whoever recorded the payment (the provider's event) or the process
    /// manager retrying.
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
        let event = self.reservations.catalogue(placed.event_id).await?;
        let lines = placed.hold_lines();
        let placed_code = placed.code.clone();
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
                    code: placed_code,
                    now: Utc::now(),
                },
                &metadata,
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
                            attendee: None,
                            ticket_id: TicketId::new(),
                            ticket_type_id: line.ticket_type_id,
                        })
                    })
                    .collect();
                self.execute_after(
                    order_id,
                    Some(order),
                    OrderCommand::IssueTickets { tickets, now },
                    &metadata,
                )
                .await?;
                tracing::info!("order paid; tickets issued");
                Ok(())
            }
            Err(refusal) => {
                tracing::warn!(%refusal, "payment refused after the hold lapsed; refunding");
                self.execute_after(
                    order_id,
                    Some(order),
                    OrderCommand::RefuseLatePayment { now },
                    &metadata,
                )
                .await?;
                // Rare enough not to tell a first attempt from a retry: always look up.
                self.drive_refunds(order_id, &metadata).await
            }
        }
    }
}

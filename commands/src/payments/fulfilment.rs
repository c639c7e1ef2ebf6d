//! Fulfilment: a recorded payment becomes sold tickets, or, when the tickets went to
//! someone else after the hold lapsed, a refused late payment and its refund.

use carneau_domain::ids::{OrderId, TicketId};
use carneau_domain::inventory::InventoryCommand;
use carneau_domain::order::{IssuedTicket, OrderCommand, OrderStatus};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;

use super::{in_purchase, PaymentError, Payments};

impl Payments {
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
        let metadata = in_purchase(caller, order_id);
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
        let lines = placed.hold_lines();
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
                            ticket_id: TicketId::new(),
                            ticket_type_id: line.ticket_type_id,
                        })
                    })
                    .collect();
                self.execute(
                    order_id,
                    OrderCommand::IssueTickets { tickets, now },
                    &metadata,
                )
                .await?;
                tracing::info!("order paid; tickets issued");
                Ok(())
            }
            Err(refusal) => {
                tracing::warn!(%refusal, "payment refused after the hold lapsed; refunding");
                self.execute(order_id, OrderCommand::RefuseLatePayment { now }, &metadata)
                    .await?;
                // Rare enough not to tell a first attempt from a retry: always look up.
                self.drive_refunds(order_id, &metadata).await
            }
        }
    }
}

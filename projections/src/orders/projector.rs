//! The `orders` projector: Order events into `orders`, `order_lines`, `order_tickets`,
//! `order_refunds`, `ticket_type_sales` and `order_attendees`; the inventory's `TicketsReturned` marks a
//! refund's tickets as back on sale.

use anyhow::Context;
use async_trait::async_trait;
use carneau_domain::inventory::{Inventory, InventoryEvent};
use carneau_domain::order::Order;
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};

use super::fold::{fold, refunded_orders, OrderFact};
use super::store;
use crate::log::Interest;
use crate::runner::{Batch, Projector};

/// Builds the orders read model.
#[derive(Debug, Default)]
pub struct OrdersProjector;

#[async_trait]
impl Projector for OrdersProjector {
    fn name(&self) -> &'static str {
        "orders"
    }

    /// Inventory events: only `TicketsReturned` (a refund back on sale); every order event.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[Order::TYPE],
            event_types: &["TicketsReturned"],
            metadata: false,
        })
    }

    /// Its checkpoint is read as how far the orders read model applied the log: the buyer
    /// notices wait for it to reach an event's change, a reconciliation for its facts.
    fn stores_every_stretch(&self) -> bool {
        true
    }

    /// Decodes the batch, loads what the refund rule needs of the orders it refunds,
    /// folds it in memory and writes it in a bounded number of statements.
    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let mut facts = Vec::with_capacity(batch.events.len());
        for recorded in batch.events {
            // Only this one inventory event matters here: the others are not decoded.
            if recorded.event_type == "TicketsReturned" {
                if let Some((
                    _,
                    InventoryEvent::TicketsReturned {
                        order_id,
                        refund_number,
                        ..
                    },
                )) = recorded.decode_of::<Inventory>()?
                {
                    facts.push(OrderFact::Returned {
                        order_id: order_id.as_uuid(),
                        refund_number: i32::try_from(refund_number).context("refund number")?,
                    });
                }
            }
            if let Some((order_id, event)) = recorded.decode_of::<Order>()? {
                facts.push(OrderFact::Order(order_id, event));
            }
        }
        let known = store::load_known(tx, &refunded_orders(&facts)).await?;
        let fold = fold(facts, &known)?;
        store::write(tx, &fold).await
    }
}

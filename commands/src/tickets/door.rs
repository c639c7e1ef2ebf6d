//! Check-in at the door: the log decides. Each scan reads the ticket's `Order` from the
//! event store, refuses a ticket a refund names, records the first admission and refuses
//! every later scan with when and by whom the ticket was first scanned.

use carneau_domain::admission::{Admission, AdmissionCommand, AdmissionError, CheckIn};
use carneau_domain::order::{Order, TicketStanding};
use carneau_domain::{EventId, TicketId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tracing::{info, instrument, warn};

use super::issued::issuing_order;
use crate::aggregate_store::{AggregateStore, CommandError};
use crate::context::CommandContext;

/// How often a check-in is retried after losing a race on the same ticket; the retry
/// sees the winner's check-in and refuses, so one retry is enough in practice.
const CHECK_IN_ATTEMPTS: usize = 3;

/// Records admissions in the event store, deciding revocation from the orders' histories.
pub struct Door {
    pub(super) pool: PgPool,
    pub(super) orders: AggregateStore<Order>,
    pub(super) admissions: AggregateStore<Admission>,
}

impl Door {
    /// The door over the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            orders: AggregateStore::new(pool.clone(), ()),
            admissions: AggregateStore::new(pool.clone(), ()),
            pool,
        }
    }

    /// Checks in a ticket whose code was verified: admitted once, unless a refund of its
    /// order names it.
    ///
    /// Why the order and not the tickets read model: the read model follows the log about
    /// a second behind, so a ticket refunded just before its scan could still get in once,
    /// and a derived table would decide who enters. The order is the aggregate whose
    /// history holds the refunds; it is short (a handful of facts per order), so loading
    /// it on every scan is cheap. Its id comes from the log too ([`issuing_order`]):
    /// ticket ids are random and only `TicketsIssued` links them to their order.
    ///
    /// The guarantee: a refund whose append committed before this scan read the order is
    /// always seen, and the scan answers [`AdmissionError::Revoked`]. A refund committing
    /// in the few milliseconds between that read and the check-in's append is concurrent
    /// with the scan and may not be seen: the ticket is admitted, and both facts are in
    /// the log. Closing that window would take one stream for both facts (the admission
    /// inside the order), making every scan contend with its order's other tickets.
    ///
    /// Two doors scanning the same ticket at once race on its admission's version: one
    /// appends, the other reads the order again, reloads the admission and gets
    /// [`AdmissionError::AlreadyCheckedIn`] (or `Revoked`, if a refund came in between).
    #[instrument(skip_all, fields(ticket_id = %ticket_id, event_id = %event_id))]
    pub async fn check_in(
        &self,
        ticket_id: TicketId,
        event_id: EventId,
        at: DateTime<Utc>,
        context: &CommandContext,
    ) -> Result<CheckIn, CommandError<AdmissionError>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let command = AdmissionCommand::CheckIn {
                ticket_id,
                event_id,
                at,
                by: context.actor().clone(),
                standing: self.standing(ticket_id).await?.standing,
            };
            match self
                .admissions
                .execute(
                    &ticket_id.to_aggregate_id(),
                    command,
                    None,
                    &context.metadata,
                )
                .await
            {
                Ok(executed) => {
                    // A successful `CheckIn` always records one; what it recorded is this.
                    let check_in = executed.state.check_in().cloned().unwrap_or(CheckIn {
                        event_id,
                        checked_in_at: at,
                        checked_in_by: context.actor().clone(),
                        device_id: None,
                    });
                    info!(by = %check_in.checked_in_by, "ticket checked in");
                    return Ok(check_in);
                }
                Err(CommandError::Conflict) if attempt < CHECK_IN_ATTEMPTS => continue,
                Err(error) => {
                    match &error {
                        CommandError::Rejected(AdmissionError::AlreadyCheckedIn { .. }) => {
                            info!("second scan of a checked-in ticket refused");
                        }
                        CommandError::Rejected(AdmissionError::Revoked) => {
                            info!("refunded ticket scanned");
                        }
                        CommandError::Rejected(AdmissionError::NotIssued) => {
                            warn!("genuine code of a ticket no order issued scanned");
                        }
                        _ => {}
                    }
                    return Err(error);
                }
            }
        }
    }

    /// What the ticket's order says about it, read from the event store now.
    pub(super) async fn standing(
        &self,
        ticket_id: TicketId,
    ) -> Result<Standing, CommandError<AdmissionError>> {
        let Some(order_id) = issuing_order(&self.pool, ticket_id).await? else {
            return Ok(Standing::NOT_ISSUED);
        };
        let order = self.orders.load(&order_id.to_aggregate_id()).await?;
        Ok(Standing::in_order(ticket_id, &order.state))
    }
}

/// A ticket's standing in its order, and when the order was paid (its tickets issued).
#[derive(Debug, Clone, Copy)]
pub(super) struct Standing {
    pub(super) standing: TicketStanding,
    pub(super) issued_at: Option<DateTime<Utc>>,
}

impl Standing {
    /// A ticket no order issued.
    pub(super) const NOT_ISSUED: Self = Self {
        standing: TicketStanding::NotIssued,
        issued_at: None,
    };

    /// What `order` (the one that issued `ticket_id`) says about it.
    pub(super) fn in_order(ticket_id: TicketId, order: &Order) -> Self {
        Self {
            standing: order.ticket_standing(ticket_id),
            issued_at: order.paid_at(),
        }
    }
}

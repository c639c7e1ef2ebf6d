//! The process manager that tells buyers what happened to their money or their event: a
//! cancellation notice when an event's cancellation decides their order's refund, a
//! refund confirmation when the provider has carried a refund out, and a change notice to
//! every buyer with valid tickets when a published event's date, time, end or place
//! changes (the recipients read from the orders read model once it has applied the change).
//!
//! Like the tickets mailer (`ticket_mail.rs`), it follows the log with a checkpoint and
//! queues each email in the mail outbox inside its batch's transaction, under a dedupe key
//! per fact, so an email is queued exactly once however often a batch is applied.
//! Facts older than [`NOTICE_FRESHNESS`] are passed over: a notice that late (the process
//! manager deployed onto an old log, or the mail path down for days) would only confuse.

use std::sync::Arc;

use async_trait::async_trait;
use carneau_commands::buyer_mail::{
    local_end, CancellationEmail, EventChangeEmail, EventSummary, RefundEmail,
};
use carneau_commands::mail::OutgoingMail;
use carneau_commands::payments::Payments;
use carneau_commands::Catalogue;
use carneau_domain::event::{Event, EventCatalogueEvent, EventDetails, EventStatus};
use carneau_domain::ids::{EventId, OrderId};
use carneau_domain::order::{Order, OrderEvent, RefundReason};
use carneau_projections::orders::{ticket_holders, OrdersProjector};
use carneau_projections::{checkpoint_reached, Batch, Interest, Projector, RecordedEvent};
use chrono::{TimeDelta, Utc};
use cqrs_es::Aggregate;
use sqlx::{Postgres, Transaction};

use crate::mail_batch::queue_composed;
use crate::order_key::OrderKeys;

/// How old a fact may be and still be told to the buyer.
pub const NOTICE_FRESHNESS: TimeDelta = TimeDelta::days(2);

/// Queues the cancellation notices and refund confirmations.
pub struct BuyerNotices {
    /// Loads orders (buyer, tickets) from the log.
    pub payments: Arc<Payments>,
    /// Loads the event's details and ticket type names from the log.
    pub catalogue: Arc<Catalogue>,
    /// Makes the order's secret link.
    pub order_keys: OrderKeys,
    /// Where buyers' pages live (`CARNEAU_PUBLIC_URL`).
    pub public_url: String,
    /// The sender (`CARNEAU_MAIL_FROM`).
    pub mail_from: String,
}

/// An order and its event, loaded for an email.
struct Loaded {
    order: Order,
    buyer_email: String,
    event: Event,
    /// How the email names the event.
    summary: EventSummary,
}

impl BuyerNotices {
    /// The process manager's name, its checkpoint key.
    pub const NAME: &'static str = "buyer-notices";

    async fn load(&self, order_id: OrderId) -> anyhow::Result<Option<Loaded>> {
        let Some(order) = self
            .payments
            .order(order_id)
            .await
            .map_err(|error| anyhow::anyhow!("loading order {order_id}: {error}"))?
        else {
            return Ok(None);
        };
        let Some(placed) = order.placed().cloned() else {
            return Ok(None);
        };
        let Some(event) = self
            .catalogue
            .load(placed.event_id)
            .await
            .map_err(|error| anyhow::anyhow!("loading event {}: {error}", placed.event_id))?
        else {
            return Ok(None);
        };
        let Some(summary) = event.state.details().map(EventSummary::of) else {
            return Ok(None);
        };
        Ok(Some(Loaded {
            order,
            buyer_email: placed.buyer_email.as_str().to_owned(),
            event: event.state,
            summary,
        }))
    }

    fn order_url(&self, order_id: OrderId) -> String {
        format!(
            "{}/orders/{order_id}?key={}",
            self.public_url.trim_end_matches('/'),
            self.order_keys.issue(order_id)
        )
    }

    /// The change notices of a catalogue fact: one per order with valid tickets when it
    /// moved a published event to another date, time, end or place.
    async fn change_notices(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        recorded: &RecordedEvent,
    ) -> anyhow::Result<Vec<OutgoingMail>> {
        let Some((event_uuid, EventCatalogueEvent::EventDetailsEdited { details })) =
            recorded.decode_of::<Event>()?
        else {
            return Ok(Vec::new());
        };
        let event_id = EventId::from_uuid(event_uuid);
        let sequence = u64::try_from(recorded.sequence).unwrap_or(0);
        let before = self
            .catalogue
            .before(event_id, sequence)
            .await
            .map_err(|error| anyhow::anyhow!("loading event {event_id}: {error}"))?;
        let Some(before) = before else {
            return Ok(Vec::new());
        };
        let Some(was) = before
            .details()
            .filter(|_| before.status() == EventStatus::Published)
        else {
            return Ok(Vec::new());
        };
        if !moved(was, &details) {
            return Ok(Vec::new());
        }
        // The recipients come from the orders read model: it must have applied the log
        // up to this change, or a buyer who paid just before it would be missed. Not yet:
        // the batch fails and is tried again shortly.
        if !checkpoint_reached(tx, OrdersProjector.name(), recorded.position).await? {
            anyhow::bail!("the orders read model has not reached this change yet");
        }
        let (now, before) = (EventSummary::of(&details), EventSummary::of(was));
        let (now_ends, before_ends) = (local_end(&details), local_end(was));
        let mut notices = Vec::new();
        for holder in ticket_holders(tx, event_uuid).await? {
            let order_id = OrderId::from_uuid(holder.order_id);
            let email = EventChangeEmail {
                order_id: holder.order_id,
                event_id: event_uuid,
                change_sequence: sequence,
                buyer_email: holder.buyer_email,
                now: now.clone(),
                now_ends: now_ends.clone(),
                before: before.clone(),
                before_ends: before_ends.clone(),
                order_url: self.order_url(order_id),
            };
            notices.extend(composed(order_id, email.compose(&self.mail_from)));
        }
        Ok(notices)
    }

    /// The email a fact calls for, if any.
    async fn notice_for(&self, recorded: &RecordedEvent) -> anyhow::Result<Option<OutgoingMail>> {
        let Some((order_uuid, fact)) = recorded.decode_of::<Order>()? else {
            return Ok(None);
        };
        let order_id = OrderId::from_uuid(order_uuid);
        match fact {
            OrderEvent::RefundRequested {
                reason: RefundReason::EventCancelled,
                amount,
                ..
            } => {
                let Some(loaded) = self.load(order_id).await? else {
                    return Ok(None);
                };
                let email = CancellationEmail {
                    order_id: order_uuid,
                    buyer_email: loaded.buyer_email,
                    event: loaded.summary,
                    reason: loaded.event.cancellation_reason().map(str::to_owned),
                    refund: amount,
                    order_url: self.order_url(order_id),
                };
                Ok(composed(order_id, email.compose(&self.mail_from)))
            }
            OrderEvent::TicketsRefunded {
                refund_number,
                ticket_ids,
                amount,
                ..
            } => {
                let Some(loaded) = self.load(order_id).await? else {
                    return Ok(None);
                };
                let event_cancelled = loaded
                    .order
                    .refunds()
                    .get(&refund_number)
                    .is_some_and(|refund| refund.reason == RefundReason::EventCancelled);
                let refunded_tickets = ticket_ids
                    .iter()
                    .map(|ticket_id| {
                        loaded
                            .order
                            .tickets()
                            .iter()
                            .find(|ticket| ticket.ticket_id == *ticket_id)
                            .and_then(|ticket| loaded.event.ticket_type(ticket.ticket_type_id))
                            .map_or_else(|| "Ticket".to_owned(), |t| t.name.as_str().to_owned())
                    })
                    .collect();
                let email = RefundEmail {
                    order_id: order_uuid,
                    refund_number,
                    buyer_email: loaded.buyer_email,
                    event: loaded.summary,
                    refunded_tickets,
                    amount,
                    event_cancelled,
                    order_url: self.order_url(order_id),
                };
                Ok(composed(order_id, email.compose(&self.mail_from)))
            }
            _ => Ok(None),
        }
    }
}

/// A message that could not be composed (a buyer address the mail library refuses) cannot
/// get better by retrying: say so once and move on rather than stall every later email.
fn composed(
    order_id: OrderId,
    outcome: Result<OutgoingMail, carneau_commands::mail::MailError>,
) -> Option<OutgoingMail> {
    outcome
        .inspect_err(
            |error| tracing::warn!(%order_id, %error, "a buyer notice could not be composed"),
        )
        .ok()
}

#[async_trait]
impl Projector for BuyerNotices {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// The refunds decided and carried out, and edits of events.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[],
            event_types: &["RefundRequested", "TicketsRefunded", "EventDetailsEdited"],
            metadata: false,
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        let oldest_told = Utc::now() - NOTICE_FRESHNESS;
        // Composed first, queued together: a write would hold every reader of the log
        // back while the rest were composed (`mail_batch.rs`).
        let mut composed: Vec<(OutgoingMail, &RecordedEvent)> = Vec::new();
        for recorded in batch.events {
            if recorded.recorded_at < oldest_told {
                continue;
            }
            let notices = if recorded.aggregate_type == Event::TYPE {
                self.change_notices(tx, recorded).await?
            } else {
                self.notice_for(recorded).await?.into_iter().collect()
            };
            composed.extend(notices.into_iter().map(|mail| (mail, recorded)));
        }
        for recorded in queue_composed(tx, composed).await? {
            tracing::info!(
                order_id = %recorded.aggregate_id,
                fact = %recorded.event_type,
                "buyer notice queued"
            );
        }
        Ok(())
    }
}

/// Whether an edit moved the event in time or space: what a buyer plans around (when it
/// ends too: the last train home, the babysitter).
fn moved(was: &EventDetails, now: &EventDetails) -> bool {
    was.starts_at != now.starts_at
        || was.ends_at != now.ends_at
        || was.time_zone != now.time_zone
        || was.venue.name != now.venue.name
        || was.venue.address != now.venue.address
}

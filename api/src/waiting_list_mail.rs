//! The process manager that emails each offer made to a waiting list: the tickets held,
//! until when, and the link to the hold's page (with its reservation token) to pay.
//!
//! Like the buyer notices (`buyer_notices.rs`), it follows the log with a checkpoint and
//! queues each email in the mail outbox inside its batch's transaction under a dedupe key
//! per place served, so an offer is emailed exactly once. An offer that has lapsed by the
//! time its fact is read (the process down for a day) is not emailed: its tickets have gone
//! to the next in line.

use std::sync::Arc;

use async_trait::async_trait;
use carneau_commands::buyer_mail::{local_time, EventSummary, WaitingOfferEmail};
use carneau_commands::mail::OutgoingMail;
use carneau_commands::Catalogue;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{Inventory, InventoryEvent, WaitingOffer};
use carneau_projections::{Batch, Interest, Projector, RecordedEvent};
use chrono::Utc;
use sqlx::{Postgres, Transaction};

use crate::mail_batch::queue_composed;
use crate::reservation_token::ReservationTokens;

/// Queues the offers' emails.
pub struct WaitingListMail {
    /// Loads the event's details and ticket type names from the log.
    pub catalogue: Arc<Catalogue>,
    /// Makes the hold's token for the link.
    pub reservation_tokens: ReservationTokens,
    /// Where buyers' pages live (`CARNEAU_PUBLIC_URL`).
    pub public_url: String,
    /// The sender (`CARNEAU_MAIL_FROM`).
    pub mail_from: String,
}

impl WaitingListMail {
    /// The process manager's name, its checkpoint key.
    pub const NAME: &'static str = "waiting-list-mail";

    /// The emails of one recorded fact: one per offer still standing.
    async fn emails_of(&self, recorded: &RecordedEvent) -> anyhow::Result<Vec<OutgoingMail>> {
        let Some((event_uuid, InventoryEvent::WaitingListOffered { offers, .. })) =
            recorded.decode_of::<Inventory>()?
        else {
            return Ok(Vec::new());
        };
        let event_id = EventId::from_uuid(event_uuid);
        let Some(executed) = self
            .catalogue
            .load(event_id)
            .await
            .map_err(|error| anyhow::anyhow!("loading event {event_id}: {error}"))?
        else {
            return Ok(Vec::new());
        };
        let event = executed.state;
        let Some(details) = event.details() else {
            return Ok(Vec::new());
        };
        let now = Utc::now();
        let mut emails = Vec::new();
        for WaitingOffer {
            entry_id,
            email,
            hold,
        } in offers
        {
            if hold.expires_at <= now {
                continue;
            }
            let reservation_id: ReservationId = hold.reservation_id;
            let tickets = hold
                .lines
                .iter()
                .map(|line| {
                    let name = event
                        .ticket_type(line.ticket_type_id)
                        .map_or("Ticket", |ticket_type| ticket_type.name.as_str());
                    format!("{} × {name}", line.quantity.get())
                })
                .collect::<Vec<_>>()
                .join(", ");
            let email = WaitingOfferEmail {
                entry_id: entry_id.as_uuid(),
                email: email.as_str().to_owned(),
                event: EventSummary::of(details),
                tickets,
                expires: local_time(details, hold.expires_at),
                hold_url: format!(
                    "{}/holds/{reservation_id}#token={}",
                    self.public_url.trim_end_matches('/'),
                    self.reservation_tokens.issue(event_id, reservation_id)
                ),
            };
            match email.compose(&self.mail_from) {
                Ok(mail) => emails.push(mail),
                // An address the mail library refuses cannot get better by retrying.
                Err(error) => {
                    tracing::warn!(%entry_id, %error, "a waiting list offer could not be composed")
                }
            }
        }
        Ok(emails)
    }
}

#[async_trait]
impl Projector for WaitingListMail {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// Only the offers.
    fn interest(&self) -> Option<Interest> {
        Some(Interest {
            aggregate_types: &[],
            event_types: &["WaitingListOffered"],
            metadata: false,
        })
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        // Composed first, queued together: a write would hold every reader of the log
        // back while the rest were composed (`mail_batch.rs`).
        let mut composed: Vec<(OutgoingMail, &RecordedEvent)> = Vec::new();
        for recorded in batch.events {
            let mails = self.emails_of(recorded).await?;
            composed.extend(mails.into_iter().map(|mail| (mail, recorded)));
        }
        for recorded in queue_composed(tx, composed).await? {
            tracing::info!(event_id = %recorded.aggregate_id, "waiting list offer queued");
        }
        Ok(())
    }
}

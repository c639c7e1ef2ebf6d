//! The waiting lists through the event's desk: joining, leaving, and offering the
//! tickets that came back. The inventory decides (`carneau_domain::inventory`'s waiting
//! lists); the desk appends; the guard, which cannot follow these facts in place, is
//! rebuilt from the log after each.

use std::time::Duration;

use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, WaitingEntryId};
use carneau_domain::inventory::{InventoryCommand, InventoryError, InventoryEvent, WaitingRequest};
use carneau_domain::EventMetadata;
use chrono::Utc;

use super::service::Reservations;
use super::ReservationError;

impl Reservations {
    /// Puts `request` on the event's waiting list, recording `metadata` (the buyer and
    /// their request). `Ok(Ok(false))`: the same join was recorded before.
    pub async fn join_waiting_list(
        &self,
        event_id: EventId,
        request: WaitingRequest,
        metadata: &EventMetadata,
    ) -> Result<Result<bool, InventoryError>, ReservationError> {
        let join = move |event: &Event| InventoryCommand::JoinWaitingList {
            event: Box::new(event.clone()),
            request,
            now: Utc::now(),
        };
        Ok(self
            .decide_on_catalogue(event_id, join, metadata)
            .await?
            .map(|events| !events.is_empty()))
    }

    /// Takes a waiting place out of the line; leaving twice is done.
    pub async fn leave_waiting_list(
        &self,
        event_id: EventId,
        entry_id: WaitingEntryId,
        metadata: &EventMetadata,
    ) -> Result<Result<(), InventoryError>, ReservationError> {
        let command = InventoryCommand::LeaveWaitingList {
            entry_id,
            now: Utc::now(),
        };
        Ok(self.decide(event_id, command, metadata).await?.map(|_| ()))
    }

    /// Has the inventory offer what it can to the event's waiting lists, each offer held for
    /// `offer_lifetime`; returns how many places were served.
    pub async fn offer_to_waiting_list(
        &self,
        event_id: EventId,
        offer_lifetime: Duration,
        metadata: &EventMetadata,
    ) -> Result<usize, ReservationError> {
        let lifetime = chrono::Duration::from_std(offer_lifetime)
            .unwrap_or_else(|_| chrono::Duration::days(1));
        let offer = move |event: &Event| {
            let now = Utc::now();
            InventoryCommand::OfferToWaitingList {
                event: Box::new(event.clone()),
                expires_at: now + lifetime,
                now,
            }
        };
        // Offering refuses nothing; were it to, nothing was recorded.
        let events = self
            .decide_on_catalogue(event_id, offer, metadata)
            .await?
            .unwrap_or_default();
        Ok(events
            .iter()
            .map(|event| match event {
                InventoryEvent::WaitingListOffered { offers, .. } => offers.len(),
                _ => 0,
            })
            .sum())
    }
}

//! Organiser commands on the event catalogue: create, edit, ticket types, shared
//! capacities, publish, cancel.

mod shared_capacity;
mod waiting_list;

use carneau_domain::event::{
    Event, EventCatalogueEvent, EventCommand, EventDetails, EventError, PromisedTickets,
    TicketType, TicketTypeChange,
};
use carneau_domain::ids::{AccountId, EventId, TicketTypeId};
use carneau_domain::inventory::Inventory;
use carneau_domain::money::Currency;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use sqlx::PgPool;
use tracing::instrument;

use crate::aggregate_store::{AggregateStore, CommandError, Executed};
use crate::context::CommandContext;
use crate::idempotency::IdempotencyKey;

/// The outcome of a catalogue command.
pub type CatalogueResult = Result<Executed<Event>, CommandError<EventError>>;

/// Carries out organiser commands on `Event` aggregates.
pub struct Catalogue {
    events: AggregateStore<Event>,
    /// Read, never written: the tickets sold or held that a ticket type change must keep.
    inventories: AggregateStore<Inventory>,
}

impl Catalogue {
    /// The catalogue over the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            events: AggregateStore::new(pool.clone(), ()),
            inventories: AggregateStore::new(pool, ()),
        }
    }

    /// The current state of an event, or `None` if it was never created.
    pub async fn load(
        &self,
        event_id: EventId,
    ) -> Result<Option<Executed<Event>>, CommandError<EventError>> {
        let loaded = self.events.load(&event_id.to_aggregate_id()).await?;
        Ok((loaded.version > 0).then_some(loaded))
    }

    /// Every fact recorded about the event, oldest first.
    pub async fn history(
        &self,
        event_id: EventId,
    ) -> Result<Vec<EventCatalogueEvent>, CommandError<EventError>> {
        Ok(self.events.history(&event_id.to_aggregate_id()).await?)
    }

    /// The event as it stood just before its fact number `sequence` (1 is its creation):
    /// what a change is compared with. `None` if it never existed then.
    pub async fn before(
        &self,
        event_id: EventId,
        sequence: u64,
    ) -> Result<Option<Event>, CommandError<EventError>> {
        let history = self.events.history(&event_id.to_aggregate_id()).await?;
        let earlier = usize::try_from(sequence.saturating_sub(1)).unwrap_or(usize::MAX);
        if earlier == 0 || history.is_empty() {
            return Ok(None);
        }
        let mut state = Event::default();
        for fact in history.into_iter().take(earlier) {
            state.apply(fact);
        }
        Ok(Some(state))
    }

    /// Runs one command on an existing event, optionally only if it is still at
    /// `expected_version` (the version the organiser last saw). Refused with
    /// `NotOrganiser` when the actor may not manage the event (checked on the state
    /// loaded for the command, at no extra cost).
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn execute(
        &self,
        event_id: EventId,
        command: EventCommand,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        if let EventCommand::EditDetails(change) = &command {
            refuse_past_start(change.starts_at)?;
        }
        let outcome = self
            .events
            .execute_if(
                &event_id.to_aggregate_id(),
                command,
                expected_version,
                &context.metadata,
                |event| {
                    // A missing event is the command's own refusal (404), not ours.
                    if event.id().is_none() || crate::policy::may_command_event(context, event) {
                        Ok(())
                    } else {
                        Err(EventError::NotOrganiser)
                    }
                },
            )
            .await;
        if let Err(error) = &outcome {
            tracing::info!(%error, "catalogue command refused");
        }
        outcome
    }

    /// Changes some fields of a ticket type; a capacity below its tickets sold and held
    /// now is refused with their numbers.
    #[instrument(skip_all, fields(event_id = %event_id, ticket_type_id = %ticket_type_id))]
    pub async fn change_ticket_type(
        &self,
        event_id: EventId,
        ticket_type_id: TicketTypeId,
        change: TicketTypeChange,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        let promised = self.promised(event_id, ticket_type_id).await?;
        let command = EventCommand::ChangeTicketType {
            ticket_type_id,
            change,
            promised,
        };
        self.execute(event_id, command, expected_version, context)
            .await
    }

    /// Removes a ticket type none of whose tickets is sold or held.
    ///
    /// The inventory is read before the event is written, so a hold placed in between
    /// is not seen; that hold then finds its ticket type gone and is refused at payment,
    /// as for any ticket type removed while a buyer pays.
    #[instrument(skip_all, fields(event_id = %event_id, ticket_type_id = %ticket_type_id))]
    pub async fn remove_ticket_type(
        &self,
        event_id: EventId,
        ticket_type_id: TicketTypeId,
        expected_version: Option<u64>,
        context: &CommandContext,
    ) -> CatalogueResult {
        let promised = self.promised(event_id, ticket_type_id).await?;
        let command = EventCommand::RemoveTicketType {
            ticket_type_id,
            promised,
        };
        self.execute(event_id, command, expected_version, context)
            .await
    }

    /// The tickets of a ticket type sold or held now, from the event's inventory.
    async fn promised(
        &self,
        event_id: EventId,
        ticket_type_id: TicketTypeId,
    ) -> Result<PromisedTickets, CommandError<EventError>> {
        let inventory = self
            .inventories
            .load(&event_id.to_aggregate_id())
            .await?
            .state;
        Ok(PromisedTickets {
            sold: inventory.sold(ticket_type_id),
            held: inventory.held(ticket_type_id, Utc::now()),
        })
    }

    /// Creates a draft event owned by `organiser`. With an idempotency key the event's id
    /// derives from it (per organiser), so a retry returns the event the first attempt
    /// created (`false`: not created now); the same key with different details is refused.
    #[instrument(skip_all, fields(organiser = %organiser))]
    pub async fn create_draft(
        &self,
        key: Option<&IdempotencyKey>,
        organiser: AccountId,
        details: EventDetails,
        currency: Currency,
        context: &CommandContext,
    ) -> Result<(Executed<Event>, bool), CommandError<EventError>> {
        refuse_past_start(Some(details.starts_at))?;
        let event_id = match key {
            Some(key) => EventId::from_uuid(key.derive_id(&format!("create-event:{organiser}"))),
            None => EventId::new_random(),
        };
        let command = EventCommand::CreateDraft {
            event_id,
            details: details.clone(),
            currency,
            organiser,
        };
        match self.execute(event_id, command, None, context).await {
            Ok(created) => Ok((created, true)),
            Err(CommandError::Rejected(EventError::AlreadyExists) | CommandError::Conflict)
                if key.is_some() =>
            {
                let history = self.events.history(&event_id.to_aggregate_id()).await?;
                let same_request = matches!(
                    history.first(),
                    Some(EventCatalogueEvent::EventDrafted { details: d, currency: c, .. })
                        if *d == details && *c == currency
                );
                if !same_request {
                    return Err(CommandError::IdempotencyKeyReused);
                }
                let existing = self.events.load(&event_id.to_aggregate_id()).await?;
                Ok((existing, false))
            }
            Err(error) => Err(error),
        }
    }

    /// Adds a ticket type; `build` receives the id to give it. With an idempotency key the
    /// id derives from it (within this event), so a retry adds nothing twice.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn add_ticket_type(
        &self,
        event_id: EventId,
        key: Option<&IdempotencyKey>,
        build: impl FnOnce(TicketTypeId) -> TicketType,
        context: &CommandContext,
    ) -> Result<(Executed<Event>, TicketTypeId, bool), CommandError<EventError>> {
        let ticket_type_id = match key {
            Some(key) => TicketTypeId::from_uuid(key.derive_id(&format!("ticket-type:{event_id}"))),
            None => TicketTypeId::new_random(),
        };
        let ticket_type = build(ticket_type_id);
        let command = EventCommand::AddTicketType(ticket_type.clone());
        match self.execute(event_id, command, None, context).await {
            Ok(added) => Ok((added, ticket_type_id, true)),
            // A retry (the id exists already) or a race with a concurrent command, maybe
            // the same retry: the history says whether this very ticket type was added.
            Err(
                error @ (CommandError::Rejected(EventError::DuplicateTicketType(_))
                | CommandError::Conflict),
            ) if key.is_some() => {
                let retried = self
                    .events
                    .recognise_retry(&event_id.to_aggregate_id(), |event| {
                        matches!(event, EventCatalogueEvent::TicketTypeAdded { ticket_type: added }
                            if *added == ticket_type)
                    })
                    .await?;
                if let Some(existing) = retried {
                    return Ok((existing, ticket_type_id, false));
                }
                match error {
                    CommandError::Conflict => Err(CommandError::Conflict),
                    _ => Err(CommandError::IdempotencyKeyReused),
                }
            }
            Err(error) => Err(error),
        }
    }
}

/// An event is created, or moved, only to a start still to come: one dated in the past
/// is a typing slip (a wrong year, day and month swapped) that would go on sale for a
/// night already over. The command layer holds the clock, so the rule is checked here,
/// before the aggregate, for every caller (the API, the seed).
fn refuse_past_start(starts_at: Option<DateTime<Utc>>) -> Result<(), CommandError<EventError>> {
    match starts_at {
        Some(starts_at) if starts_at <= Utc::now() => {
            tracing::info!(%starts_at, "event refused: it would start in the past");
            Err(CommandError::Rejected(EventError::StartsInPast))
        }
        _ => Ok(()),
    }
}

//! Organiser commands on the event catalogue: create, edit, ticket types, publish, cancel.

use carneau_domain::event::{
    Event, EventCatalogueEvent, EventCommand, EventDetails, EventError, TicketType,
};
use carneau_domain::ids::{AccountId, EventId, TicketTypeId};
use carneau_domain::money::Currency;
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
}

impl Catalogue {
    /// The catalogue over the event store in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            events: AggregateStore::new(pool, ()),
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
                let history = self.events.history(&event_id.to_aggregate_id()).await?;
                let same_request = history.iter().any(|event| {
                    matches!(event, EventCatalogueEvent::TicketTypeAdded { ticket_type: added }
                        if *added == ticket_type)
                });
                if same_request {
                    let existing = self.events.load(&event_id.to_aggregate_id()).await?;
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

//! Load an aggregate from the PostgreSQL event store, let it decide, append what it
//! decided under optimistic versioning.

use std::collections::HashMap;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{EventStoreAggregateContext, PersistedEventRepository, PersistedEventStore};
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventEnvelope, EventStore};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;

/// The state of an aggregate after a command, and the version it is at.
#[derive(Debug, Clone)]
pub struct Executed<A> {
    /// The aggregate with the command's events applied.
    pub state: A,
    /// Its sequence number: the number of events in its history (0 = never created).
    pub version: u64,
}

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused it: a business rule.
    #[error(transparent)]
    Rejected(E),
    /// Another command appended to the same aggregate between our load and our append.
    #[error("the aggregate was changed concurrently")]
    Conflict,
    /// The idempotency key was used before for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The store failed (connection, serialisation); nothing was appended.
    #[error("event store failure: {0}")]
    Store(String),
}

impl<E: std::error::Error> From<AggregateError<E>> for CommandError<E> {
    fn from(error: AggregateError<E>) -> Self {
        match error {
            AggregateError::UserError(error) => Self::Rejected(error),
            AggregateError::AggregateConflict => Self::Conflict,
            other => Self::Store(other.to_string()),
        }
    }
}

/// The event store for one aggregate type, over the shared `events` table.
///
/// It uses the plain event store of postgres-es: its snapshot stores apply events twice
/// in 0.5 (see docs/architecture.md).
pub struct AggregateStore<A: Aggregate> {
    store: PersistedEventStore<PostgresEventRepository, A>,
    repository: PostgresEventRepository,
    services: A::Services,
}

impl<A> AggregateStore<A>
where
    A: Aggregate + Clone,
{
    /// A store on `pool` whose aggregates get `services` when handling commands.
    pub fn new(pool: PgPool, services: A::Services) -> Self {
        Self {
            store: PersistedEventStore::new_event_store(PostgresEventRepository::new(pool.clone())),
            repository: PostgresEventRepository::new(pool),
            services,
        }
    }

    /// Replays the aggregate's history; version 0 means it has none.
    pub async fn load(&self, aggregate_id: &str) -> Result<Executed<A>, CommandError<A::Error>> {
        let mut context = self.store.load_aggregate(aggregate_id).await?;
        Ok(Executed {
            state: context.aggregate().clone(),
            version: context.current_sequence as u64,
        })
    }

    /// The events appended after `version`, oldest first: how a caller that keeps an
    /// aggregate in memory catches up without replaying its whole history.
    pub async fn events_since(
        &self,
        aggregate_id: &str,
        version: u64,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        let serialized = self
            .repository
            .get_last_events::<A>(aggregate_id, version as usize)
            .await
            .map_err(|error| CommandError::Store(error.to_string()))?;
        serialized
            .into_iter()
            .map(|event| {
                EventEnvelope::<A>::try_from(event)
                    .map(|envelope| envelope.payload)
                    .map_err(|error| CommandError::Store(error.to_string()))
            })
            .collect()
    }

    /// Appends `events` decided on the aggregate as it was at `version`, in one
    /// transaction; `Conflict` (and nothing appended) if the aggregate has moved on.
    /// Returns the new version.
    pub async fn append(
        &self,
        aggregate_id: &str,
        version: u64,
        events: Vec<A::Event>,
        metadata: HashMap<String, String>,
    ) -> Result<u64, CommandError<A::Error>> {
        let appended = events.len() as u64;
        if appended == 0 {
            return Ok(version);
        }
        let context = EventStoreAggregateContext {
            aggregate_id: aggregate_id.to_owned(),
            // Only the plain event store is used, which never reads the state on commit.
            aggregate: A::default(),
            current_sequence: version as usize,
            current_snapshot: None,
        };
        self.store.commit(events, context, metadata).await?;
        Ok(version + appended)
    }

    /// The aggregate's events, oldest first.
    pub async fn history(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<A::Event>, CommandError<A::Error>> {
        let envelopes = self.store.load_events(aggregate_id).await?;
        Ok(envelopes
            .into_iter()
            .map(|envelope| envelope.payload)
            .collect())
    }

    /// Loads, handles `command` and appends the resulting events in one transaction.
    /// A concurrent append to the same aggregate makes this fail with `Conflict` and
    /// append nothing; the caller decides whether to retry. With `expected_version`, the
    /// command also fails with `Conflict` when the aggregate has moved past that version
    /// (the caller decided on a state that is no longer current).
    pub async fn execute(
        &self,
        aggregate_id: &str,
        command: A::Command,
        expected_version: Option<u64>,
        metadata: HashMap<String, String>,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        self.execute_if(
            aggregate_id,
            command,
            expected_version,
            metadata,
            |_| Ok(()),
        )
        .await
    }

    /// [`execute`](Self::execute), refused with `permit`'s error when `permit` rejects the
    /// aggregate as loaded (say, the caller does not own it): the check costs no extra
    /// load, and nothing is appended when it fails.
    pub async fn execute_if(
        &self,
        aggregate_id: &str,
        command: A::Command,
        expected_version: Option<u64>,
        metadata: HashMap<String, String>,
        permit: impl FnOnce(&A) -> Result<(), A::Error>,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        let mut context = self.store.load_aggregate(aggregate_id).await?;
        permit(context.aggregate()).map_err(CommandError::Rejected)?;
        if expected_version.is_some_and(|expected| expected != context.current_sequence as u64) {
            return Err(CommandError::Conflict);
        }
        let sink = EventSink::default();
        context
            .aggregate()
            .handle(command, &self.services, &sink)
            .await
            .map_err(CommandError::Rejected)?;
        let events = sink.collect().await;
        // The sink has applied the events already: this is the state after the command.
        let state = context.aggregate().clone();
        let base_version = context.current_sequence as u64;
        let committed = self.store.commit(events, context, metadata).await?;
        Ok(Executed {
            state,
            version: base_version + committed.len() as u64,
        })
    }
}

//! Load an aggregate from the event log, let it decide, append what it decided through
//! the one write path ([`crate::event_store::append`]) under optimistic versioning.

use std::collections::HashMap;

use carneau_domain::EventMetadata;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use sqlx::{PgConnection, PgPool};

use crate::append_rounds::AppendRounds;
use crate::event_store::{self, AppendError, EncodedAppend, NewEvent, StoreError};

/// The state of an aggregate after a command, and the version it is at.
#[derive(Debug, Clone)]
pub struct Executed<A: Aggregate> {
    /// The aggregate with the command's events applied.
    pub state: A,
    /// Its sequence number: the number of events in its history (0 = never created).
    pub version: u64,
    /// The events this call appended, oldest first: none for a load, or for a command the
    /// aggregate found already done (a retry). Lets callers count what happened once.
    pub appended: Vec<A::Event>,
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<E: std::error::Error> From<AppendError> for CommandError<E> {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Conflict => Self::Conflict,
            AppendError::Store(error) => Self::Store(error),
        }
    }
}

impl<E: std::error::Error> From<sqlx::Error> for CommandError<E> {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(error))
    }
}

/// The event store for one aggregate type, over the shared `events` table.
///
/// Snapshots are deliberately absent: postgres-es 0.5's snapshot stores apply events
/// twice (see docs/architecture.md). Aggregates with long histories are kept in memory by
/// their callers, who catch up with [`events_since`](Self::events_since).
pub struct AggregateStore<A: Aggregate> {
    pool: PgPool,
    services: A::Services,
    /// Where appends on a pooled connection go, when they are committed in rounds.
    rounds: Option<AppendRounds>,
}

impl<A> AggregateStore<A>
where
    A: Aggregate + Clone,
{
    /// A store on `pool` whose aggregates get `services` when handling commands.
    pub fn new(pool: PgPool, services: A::Services) -> Self {
        Self {
            pool,
            services,
            rounds: None,
        }
    }

    /// A store whose appends on a pooled connection are committed in rounds with other
    /// aggregates' of the type (see [`crate::append_rounds`]): for aggregates that many
    /// callers append to at once, each their own, as buyers their orders in a paying
    /// rush. Appends inside a caller's transaction commit with it, as in any store. Must
    /// be called inside a Tokio runtime.
    pub fn in_rounds(pool: PgPool, services: A::Services) -> Self {
        Self {
            rounds: Some(AppendRounds::start(pool.clone(), A::TYPE)),
            pool,
            services,
        }
    }

    /// Replays the aggregate's history; version 0 means it has none.
    pub async fn load(&self, aggregate_id: &str) -> Result<Executed<A>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        load_on::<A>(&mut conn, aggregate_id).await
    }

    /// Replays several aggregates in one read, by id; one with no history is at version 0.
    pub async fn load_many(
        &self,
        aggregate_ids: &[String],
    ) -> Result<HashMap<String, Executed<A>>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut streams = event_store::read_streams::<A>(&mut conn, aggregate_ids).await?;
        Ok(aggregate_ids
            .iter()
            .map(|id| {
                let events = streams.remove(id).unwrap_or_default();
                (id.clone(), replay(events))
            })
            .collect())
    }

    /// Handles `command` on `loaded` (the aggregate as the caller loaded it, e.g. with
    /// [`load_many`](Self::load_many)) and appends the resulting events without reading
    /// it again: `Conflict`, and nothing appended, if it moved on since.
    pub async fn execute_on(
        &self,
        aggregate_id: &str,
        loaded: Executed<A>,
        command: A::Command,
        metadata: &EventMetadata,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        self.execute_all_on(aggregate_id, loaded, vec![command], metadata)
            .await
    }

    /// [`execute_on`](Self::execute_on) for several commands handled one after the
    /// other, each on the state the previous ones left: their events go in one append,
    /// all or none (a payment and the tickets it issues, say). A refusal of any command
    /// appends nothing.
    pub async fn execute_all_on(
        &self,
        aggregate_id: &str,
        loaded: Executed<A>,
        commands: Vec<A::Command>,
        metadata: &EventMetadata,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        let mut state = loaded.state;
        let mut events = Vec::new();
        for command in commands {
            let (after, decided) = self.decide(state, command).await?;
            state = after;
            events.extend(decided);
        }
        let version = self
            .append(
                aggregate_id,
                loaded.version,
                &NewEvent::all(&events, metadata),
            )
            .await?;
        Ok(Executed {
            state,
            version,
            appended: events,
        })
    }

    /// What the aggregate would be after `command`, decided in memory on `state` and
    /// appended nowhere: for a caller that must act elsewhere before it records the
    /// command (a payment sells its hold first). Refused as the command itself would be.
    pub async fn preview(
        &self,
        state: A,
        command: A::Command,
    ) -> Result<A, CommandError<A::Error>> {
        Ok(self.decide(state, command).await?.0)
    }

    /// The events appended after `version`, oldest first: how a caller that keeps an
    /// aggregate in memory catches up without replaying its whole history.
    pub async fn events_since(
        &self,
        aggregate_id: &str,
        version: u64,
    ) -> Result<Vec<A::Event>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        event_store::read_stream::<A>(&mut conn, aggregate_id, version).await
    }

    /// The aggregate's events, oldest first.
    pub async fn history(&self, aggregate_id: &str) -> Result<Vec<A::Event>, StoreError> {
        self.events_since(aggregate_id, 0).await
    }

    /// After a command carrying an idempotency key was refused because what it creates
    /// exists already, or lost a race (maybe to its own retry): the aggregate as it is now
    /// if its history holds the very fact this request records (`recorded`), so the
    /// request is a retry and nothing more is to be done; `None` if it is another request.
    pub async fn recognise_retry(
        &self,
        aggregate_id: &str,
        recorded: impl Fn(&A::Event) -> bool,
    ) -> Result<Option<Executed<A>>, StoreError> {
        let history = self.history(aggregate_id).await?;
        if !history.iter().any(recorded) {
            return Ok(None);
        }
        Ok(Some(replay(history)))
    }

    /// Appends `events` (each with its own metadata) decided on the aggregate as it was at
    /// `version`; [`AppendError::Conflict`] (and nothing appended) if the aggregate has
    /// moved on. Returns the new version.
    pub async fn append(
        &self,
        aggregate_id: &str,
        version: u64,
        events: &[NewEvent<'_, A::Event>],
    ) -> Result<u64, AppendError> {
        if let Some(rounds) = &self.rounds {
            let append = EncodedAppend::new::<A>(aggregate_id, version, events)?;
            let version = append.version_after();
            rounds.append(append).await?;
            return Ok(version);
        }
        let mut conn = self.pool.acquire().await.map_err(StoreError::from)?;
        event_store::append::<A>(&mut conn, aggregate_id, version, events).await
    }

    /// Loads, handles `command` and appends the resulting events. A concurrent append to
    /// the same aggregate makes this fail with `Conflict` and append nothing; the caller
    /// decides whether to retry. With `expected_version`, the command also fails with
    /// `Conflict` when the aggregate has moved past that version (the caller decided on a
    /// state that is no longer current).
    pub async fn execute(
        &self,
        aggregate_id: &str,
        command: A::Command,
        expected_version: Option<u64>,
        metadata: &EventMetadata,
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
        metadata: &EventMetadata,
        permit: impl FnOnce(&A) -> Result<(), A::Error>,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        let mut conn = self.pool.acquire().await?;
        let loaded = load_on::<A>(&mut conn, aggregate_id).await?;
        permit(&loaded.state).map_err(CommandError::Rejected)?;
        if expected_version.is_some_and(|expected| expected != loaded.version) {
            return Err(CommandError::Conflict);
        }
        let (state, events) = self.decide(loaded.state, command).await?;
        let new_events = NewEvent::all(&events, metadata);
        let version = if self.rounds.is_some() {
            // Given back before the append waits for its round.
            drop(conn);
            self.append(aggregate_id, loaded.version, &new_events)
                .await?
        } else {
            event_store::append::<A>(&mut conn, aggregate_id, loaded.version, &new_events).await?
        };
        Ok(Executed {
            state,
            version,
            appended: events,
        })
    }

    /// [`execute`](Self::execute) inside the caller's transaction `conn`: the events commit
    /// with the caller's other writes or not at all. On `Conflict` the transaction must be
    /// rolled back.
    pub async fn execute_in(
        &self,
        conn: &mut PgConnection,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        let loaded = load_on::<A>(conn, aggregate_id).await?;
        let (state, events) = self.decide(loaded.state, command).await?;
        let version = event_store::append::<A>(
            conn,
            aggregate_id,
            loaded.version,
            &NewEvent::all(&events, metadata),
        )
        .await?;
        Ok(Executed {
            state,
            version,
            appended: events,
        })
    }

    /// Runs the aggregate's own `handle` (the path the given/when/then tests exercise) and
    /// returns the state after its events with the events themselves.
    async fn decide(
        &self,
        mut state: A,
        command: A::Command,
    ) -> Result<(A, Vec<A::Event>), CommandError<A::Error>> {
        let sink = EventSink::default();
        state
            .handle(command, &self.services, &sink)
            .await
            .map_err(CommandError::Rejected)?;
        // The sink has applied the events already: `state` is the state after the command.
        Ok((state, sink.collect().await))
    }
}

/// Replays aggregate `aggregate_id` of type `A` on `conn`.
async fn load_on<A: Aggregate>(
    conn: &mut PgConnection,
    aggregate_id: &str,
) -> Result<Executed<A>, StoreError> {
    let events = event_store::read_stream::<A>(conn, aggregate_id, 0).await?;
    Ok(replay(events))
}

/// The aggregate after its whole history `events`.
fn replay<A: Aggregate>(events: Vec<A::Event>) -> Executed<A> {
    let version = events.len() as u64;
    let mut state = A::default();
    for event in events {
        state.apply(event);
    }
    Executed {
        state,
        version,
        appended: Vec::new(),
    }
}

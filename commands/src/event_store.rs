//! The one write path to the event log: table `events`.
//!
//! Every fact of every aggregate goes into the log through [`insert`], one statement for
//! one or several aggregates' appends: by [`append`], on a pooled connection or inside a
//! caller's transaction (so that it commits together with rows of other tables, such as
//! an email claim or a password hash, or not at all), or by the append rounds of a store
//! whose appends commit together (`crate::append_rounds`). Each event's metadata (who
//! and why) is a required part of it: a batch deciding for many callers at once (the
//! reservation desk) records each caller on its own events. Nothing else in the workspace
//! inserts into `events`.
//!
//! Optimistic versioning comes from the primary key `(aggregate_type, aggregate_id,
//! sequence)`: a writer that decided on an older version collides with the row another
//! writer added and gets [`AppendError::Conflict`], with nothing appended. The columns
//! `global_position`, `transaction_id`, `recorded_at` and `event_id` take their defaults;
//! the projectors read the log in `(transaction_id, global_position)` order.

use std::collections::HashMap;

use carneau_domain::EventMetadata;
use cqrs_es::{Aggregate, DomainEvent};
use sqlx::PgConnection;

/// The primary key of `events`: its violation means another writer got there first.
const EVENTS_PRIMARY_KEY: &str = "events_pkey";

/// The event store failed: nothing can be said about the aggregate.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// PostgreSQL failed or could not be reached.
    #[error("the event store failed")]
    Database(#[from] sqlx::Error),
    /// An event could not be turned into JSON or back (a stored event of an unknown shape).
    #[error("an event could not be serialised or read back")]
    Serialisation(#[from] serde_json::Error),
    /// A stored aggregate id is not the id its type says it is (a log edited by hand).
    #[error("aggregate id {aggregate_id:?} in the log is malformed")]
    MalformedAggregateId {
        /// The id as stored.
        aggregate_id: String,
        /// Why it does not parse.
        #[source]
        source: uuid::Error,
    },
}

impl StoreError {
    /// Whether the store could not be reached at all (as opposed to refusing a statement):
    /// the caller may answer "unavailable, retry later".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Database(error) if is_database_unavailable(error))
    }
}

/// Whether PostgreSQL could not serve a statement at all: no connection in time, a broken
/// connection, a server shutting down or starting up (SQLSTATE class 08, and 57P01-03), or
/// one with no connection left (53300).
/// Such a statement changed nothing, so the caller may answer "unavailable, retry later"
/// instead of "internal error".
pub fn is_database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // 53300: the server has no connection left for us (`max_connections`): the same
        // outage for the client, and nothing ran.
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Why an append did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The aggregate moved past the version the caller decided on (a concurrent command).
    /// Inside a caller's transaction, that transaction is now unusable and must be rolled
    /// back (dropping it does so).
    #[error("the aggregate was changed concurrently")]
    Conflict,
    /// The store failed; nothing was appended.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AppendError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(database)
                if database.constraint() == Some(EVENTS_PRIMARY_KEY) =>
            {
                Self::Conflict
            }
            _ => Self::Store(StoreError::Database(error)),
        }
    }
}

/// One event to append, with the metadata it is recorded with.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a, E> {
    /// The fact.
    pub event: &'a E,
    /// Who caused it and why.
    pub metadata: &'a EventMetadata,
}

impl<'a, E> NewEvent<'a, E> {
    /// `events` of one caller, each carrying `metadata`: the usual case of one command.
    pub fn all(events: &'a [E], metadata: &'a EventMetadata) -> Vec<Self> {
        events
            .iter()
            .map(|event| Self { event, metadata })
            .collect()
    }
}

/// Appends `events` of aggregate `A` with id `aggregate_id`, decided on its state at
/// `version` (the number of events it had), each with its own metadata. Returns the new
/// version. One statement: on a pooled connection it commits on its own, inside a
/// transaction it commits with it.
pub async fn append<A: Aggregate>(
    conn: &mut PgConnection,
    aggregate_id: &str,
    version: u64,
    events: &[NewEvent<'_, A::Event>],
) -> Result<u64, AppendError> {
    let encoded = EncodedAppend::new::<A>(aggregate_id, version, events)?;
    insert(conn, A::TYPE, std::slice::from_ref(&encoded)).await?;
    Ok(encoded.version_after())
}

/// One aggregate's append as the `events` rows it becomes: what [`insert`] sends, built
/// by the caller so that an append queued for a shared commit (`crate::append_rounds`)
/// is already checked and serialised.
#[derive(Debug, Clone)]
pub struct EncodedAppend {
    aggregate_id: String,
    version: u64,
    event_types: Vec<String>,
    event_versions: Vec<String>,
    // Sent as text and stored as the `json` the columns are: sent as `jsonb`, PostgreSQL
    // parsed each document into `jsonb`, printed it back and checked it again as `json`,
    // about three times the work of the check alone (docs/benchmarks.md, "What the log's
    // appends cost"). The seals read them as `jsonb` text, whatever text was stored.
    payloads: Vec<String>,
    metadata: Vec<String>,
}

impl EncodedAppend {
    /// `events` of aggregate `A` with id `aggregate_id`, decided at `version`.
    pub fn new<A: Aggregate>(
        aggregate_id: &str,
        version: u64,
        events: &[NewEvent<'_, A::Event>],
    ) -> Result<Self, StoreError> {
        let mut encoded = Self {
            aggregate_id: aggregate_id.to_owned(),
            version,
            event_types: Vec::with_capacity(events.len()),
            event_versions: Vec::with_capacity(events.len()),
            payloads: Vec::with_capacity(events.len()),
            metadata: Vec::with_capacity(events.len()),
        };
        for new in events {
            encoded.event_types.push(new.event.event_type());
            encoded.event_versions.push(new.event.event_version());
            encoded.payloads.push(serde_json::to_string(new.event)?);
            encoded.metadata.push(serde_json::to_string(new.metadata)?);
        }
        Ok(encoded)
    }

    /// Whether there is nothing to append.
    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    /// The aggregate's version once this append is in.
    pub fn version_after(&self) -> u64 {
        self.version + self.payloads.len() as u64
    }
}

/// Inserts `appends` of aggregates of type `aggregate_type` in one statement, all or
/// none: [`AppendError::Conflict`] if any of them collides with a row another writer
/// added (which one is not said). The rows take increasing global positions in the order
/// given, each aggregate's in sequence order, in one round trip.
pub async fn insert(
    conn: &mut PgConnection,
    aggregate_type: &str,
    appends: &[EncodedAppend],
) -> Result<(), AppendError> {
    let rows: usize = appends.iter().map(|append| append.payloads.len()).sum();
    if rows == 0 {
        return Ok(());
    }
    let mut aggregate_ids = Vec::with_capacity(rows);
    let mut sequences = Vec::with_capacity(rows);
    let mut event_types = Vec::with_capacity(rows);
    let mut event_versions = Vec::with_capacity(rows);
    let mut payloads = Vec::with_capacity(rows);
    let mut metadata = Vec::with_capacity(rows);
    for append in appends {
        for (row, sequence) in (append.version + 1..append.version_after() + 1).enumerate() {
            aggregate_ids.push(append.aggregate_id.as_str());
            sequences.push(to_sequence(sequence));
            event_types.push(append.event_types[row].as_str());
            event_versions.push(append.event_versions[row].as_str());
            payloads.push(append.payloads[row].as_str());
            metadata.push(append.metadata[row].as_str());
        }
    }
    sqlx::query(
        "INSERT INTO events \
         (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         SELECT $1, e.aggregate_id, e.sequence, e.event_type, e.event_version, e.payload::json, \
                e.metadata::json \
         FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) \
              WITH ORDINALITY AS e(aggregate_id, sequence, event_type, event_version, payload, \
                                   metadata, row_number) \
         ORDER BY e.row_number",
    )
    .bind(aggregate_type)
    .bind(&aggregate_ids)
    .bind(&sequences)
    .bind(&event_types)
    .bind(&event_versions)
    .bind(&payloads)
    .bind(&metadata)
    .execute(conn)
    .await?;
    Ok(())
}

/// The events of one aggregate after `version`, oldest first, read from table `events`.
pub async fn read_stream<A: Aggregate>(
    conn: &mut PgConnection,
    aggregate_id: &str,
    version: u64,
) -> Result<Vec<A::Event>, StoreError> {
    let payloads: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 \
         ORDER BY sequence",
    )
    .bind(A::TYPE)
    .bind(aggregate_id)
    .bind(to_sequence(version))
    .fetch_all(conn)
    .await?;
    payloads
        .into_iter()
        .map(|payload| serde_json::from_value(payload).map_err(StoreError::from))
        .collect()
}

/// The whole histories of several aggregates of type `A`, in one statement, by id
/// (an aggregate with no history is absent).
pub async fn read_streams<A: Aggregate>(
    conn: &mut PgConnection,
    aggregate_ids: &[String],
) -> Result<HashMap<String, Vec<A::Event>>, StoreError> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT aggregate_id, payload FROM events \
         WHERE aggregate_type = $1 AND aggregate_id = ANY($2) \
         ORDER BY aggregate_id, sequence",
    )
    .bind(A::TYPE)
    .bind(aggregate_ids)
    .fetch_all(conn)
    .await?;
    let mut streams: HashMap<String, Vec<A::Event>> = HashMap::new();
    for (aggregate_id, payload) in rows {
        streams
            .entry(aggregate_id)
            .or_default()
            .push(serde_json::from_value(payload)?);
    }
    Ok(streams)
}

/// A version as the `bigint` column holds it; no stream comes near `i64::MAX` events.
fn to_sequence(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

//! The event log in commit order: the one reader that projectors and auditors use.
//!
//! A global position is taken when a row is inserted but the row only becomes visible
//! when its transaction commits, so positions alone would let a reader step past a
//! transaction that is still open and skip its events forever. This reader orders the
//! log by `(transaction_id, global_position)` and only returns rows whose transaction is
//! older than every transaction still running, which makes the order it returns final:
//! nothing can later appear before a position it has already returned.

use std::collections::BTreeSet;
use std::fmt;

use anyhow::Context;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{Executor, Postgres, QueryBuilder, Row};
use uuid::Uuid;

mod filter;

pub use filter::LogFilter;

/// A place in the event log: the appending transaction, then the position within it.
///
/// The derived ordering (transaction first, then position) is the log's order. A cursor
/// must keep the whole pair; keying it on `global_position` alone is unsound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogPosition {
    /// The PostgreSQL `xid8` of the transaction that appended the event.
    pub transaction_id: u64,
    /// The event's `global_position` identity value.
    pub global_position: i64,
}

impl LogPosition {
    /// Before the first event: reading after it starts from the beginning of the log.
    pub const START: LogPosition = LogPosition {
        transaction_id: 0,
        global_position: 0,
    };
}

impl fmt::Display for LogPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.transaction_id, self.global_position)
    }
}

/// One event of the log with everything a projector or an auditor needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Where the event sits in the log.
    pub position: LogPosition,
    /// The event's own identifier, stable across replays.
    pub event_id: Uuid,
    /// The aggregate type the event belongs to (cqrs-es `Aggregate::aggregate_type`).
    pub aggregate_type: String,
    /// The aggregate instance the event belongs to.
    pub aggregate_id: String,
    /// The event's sequence number within its aggregate.
    pub sequence: i64,
    /// The event's type name (cqrs-es `DomainEvent::event_type`).
    pub event_type: String,
    /// The version of the event's payload schema (cqrs-es `DomainEvent::event_version`).
    pub event_version: String,
    /// The serialised domain event.
    pub payload: serde_json::Value,
    /// Metadata stored alongside the event (request id, actor, ...).
    pub metadata: serde_json::Value,
    /// When the appending statement ran.
    pub recorded_at: DateTime<Utc>,
}

/// The ids (as UUIDs) of the aggregates of `aggregate_type` that `events` changed: what a
/// projector invalidates after its commit.
pub fn changed_aggregates(events: &[RecordedEvent], aggregate_type: &str) -> BTreeSet<Uuid> {
    events
        .iter()
        .filter(|event| event.aggregate_type == aggregate_type)
        .filter_map(|event| event.aggregate_id.parse().ok())
        .collect()
}

impl RecordedEvent {
    /// The aggregate's id as a UUID: every aggregate of ours is keyed by one, so a
    /// projector refuses (and retries) an event whose id is not.
    pub fn aggregate_uuid(&self) -> anyhow::Result<Uuid> {
        self.aggregate_id.parse().map_err(|_| {
            anyhow::anyhow!(
                "{} id {:?} of event {} is not a UUID",
                self.aggregate_type,
                self.aggregate_id,
                self.event_id
            )
        })
    }

    /// This event as one of aggregate `A`: the aggregate's id and the decoded event, or
    /// `None` when it belongs to another aggregate type. The filter, id and decoding every
    /// projector starts with, written once.
    pub fn decode_of<A: Aggregate>(&self) -> anyhow::Result<Option<(Uuid, A::Event)>> {
        if self.aggregate_type != A::TYPE {
            return Ok(None);
        }
        let aggregate_id = self.aggregate_uuid()?;
        let event = self
            .decode()
            .with_context(|| format!("decoding {}", self.event_type))?;
        Ok(Some((aggregate_id, event)))
    }

    /// Deserialises the payload into a domain event type.
    ///
    /// A projector should first filter on [`RecordedEvent::event_type`] (or
    /// `aggregate_type`): the log holds every aggregate's events, and a projector must
    /// ignore those it does not know rather than fail on them.
    pub fn decode<E: DeserializeOwned>(&self) -> Result<E, DecodeError> {
        E::deserialize(&self.payload).map_err(|source| DecodeError {
            event_id: self.event_id,
            event_type: self.event_type.clone(),
            source,
        })
    }
}

/// A payload that does not deserialise into the requested event type.
#[derive(Debug, thiserror::Error)]
#[error("the payload of event {event_id} ({event_type}) does not decode")]
pub struct DecodeError {
    /// The event whose payload was rejected.
    pub event_id: Uuid,
    /// Its stored type name.
    pub event_type: String,
    /// What serde objected to.
    #[source]
    pub source: serde_json::Error,
}

/// Why the event log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The query failed.
    #[error("reading the event log")]
    Database(#[from] sqlx::Error),
    /// A `transaction_id` came back that is not an unsigned 64-bit number.
    #[error("the event log returned transaction id {0:?}, which is not an xid8")]
    TransactionId(String),
}

/// Reads at most `limit` events after `after`, in log order, from table `events`.
///
/// Only events whose transaction is older than every transaction still running are
/// returned, so the result never has a hole that a later commit could fill: feeding the
/// last returned position back as `after` walks the whole log exactly once. Events of a
/// transaction that is still open (and everything appended after it) are held back
/// until it ends, so an empty result does not mean the log has nothing newer.
///
/// This is one statement, hence one snapshot; any executor will do (a pool, a
/// connection, a transaction). Auditors replay the log by calling it from
/// [`LogPosition::START`] until it returns fewer than `limit` events.
pub async fn read_after<'e, E>(
    executor: E,
    after: LogPosition,
    limit: u32,
) -> Result<Vec<RecordedEvent>, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    Ok(read_page(executor, after, limit, None).await?.events)
}

/// What [`read_page`] found: the events asked for, and how far the page reached.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// The events of the aggregate types asked for, in log order.
    pub events: Vec<RecordedEvent>,
    /// The position of the page's last row, of any type: where the next page starts.
    pub last: Option<LogPosition>,
    /// How many rows the page walked (of any type): a page of `limit` rows may have more
    /// behind it.
    pub rows: usize,
}

/// The rows of the log a reader wants whole: every event of `aggregate_types`, and the
/// events named in `event_types` whatever their aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest {
    /// Aggregate types (`Aggregate::TYPE`) all of whose events are wanted.
    pub aggregate_types: &'static [&'static str],
    /// Event types (`DomainEvent::event_type`) wanted from any aggregate.
    pub event_types: &'static [&'static str],
    /// Whether the wanted events come with their metadata (who and why); without it,
    /// [`RecordedEvent::metadata`] is `null`. No read model shows it, and a flash sale's
    /// holds each carry their own buyer's: leaving it out of the page spares the
    /// projector that follows the sale most closely a third to a half of what a hold
    /// costs to read (docs/benchmarks.md, "What a read model reads").
    pub metadata: bool,
}

impl Interest {
    /// No event whole: the reader walks only the positions, as the sealer does (it reads
    /// its batches itself, in another form).
    pub const NOTHING: Interest = Interest {
        aggregate_types: &[],
        event_types: &[],
        metadata: false,
    };
}

/// [`read_after`] for a reader with an [`Interest`] (`None`: everything, metadata
/// included): it walks the same rows in the same order, so its cursor
/// ([`LogPage::last`]) never revisits or skips a row, but only the rows it wants are
/// fetched whole and decoded. A projector of
/// orders then does not pay for a flash sale's thousands of holds, which it would read
/// and drop.
pub async fn read_page<'e, E>(
    executor: E,
    after: LogPosition,
    limit: u32,
    interest: Option<Interest>,
) -> Result<LogPage, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    // xid8 has no Rust type in sqlx: it travels as text both ways, which is exact. The
    // text gets its own name: an output column called `transaction_id` would capture the
    // ORDER BY, which would then sort xids as strings ('10' before '9').
    let rows = sqlx::query(
        r#"
        SELECT transaction_id::text AS transaction_id_text,
               global_position,
               wanted,
               CASE WHEN wanted THEN event_id END AS event_id,
               CASE WHEN wanted THEN aggregate_type END AS aggregate_type,
               CASE WHEN wanted THEN aggregate_id END AS aggregate_id,
               CASE WHEN wanted THEN sequence END AS sequence,
               CASE WHEN wanted THEN event_type END AS event_type,
               CASE WHEN wanted THEN event_version END AS event_version,
               CASE WHEN wanted THEN payload END AS payload,
               CASE WHEN wanted AND $6 THEN metadata END AS metadata,
               CASE WHEN wanted THEN recorded_at END AS recorded_at
          FROM (SELECT events.*,
                       ($4::text[] IS NULL
                        OR aggregate_type = ANY($4::text[])
                        OR event_type = ANY($5::text[])) AS wanted
                  FROM events
                 WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
                   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                 ORDER BY events.transaction_id, events.global_position
                 LIMIT $3) AS page
         ORDER BY page.transaction_id, page.global_position
        "#,
    )
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(i64::from(limit))
    .bind(interest.map(|interest| interest.aggregate_types))
    .bind(interest.map(|interest| interest.event_types))
    .bind(interest.is_none_or(|interest| interest.metadata))
    .fetch_all(executor)
    .await?;
    let mut page = LogPage {
        events: Vec::with_capacity(rows.len()),
        last: None,
        rows: rows.len(),
    };
    for row in &rows {
        let position = position_of_row(row)?;
        page.last = Some(position);
        if row.try_get("wanted")? {
            page.events.push(recorded_event_at(row, position)?);
        }
    }
    Ok(page)
}

/// [`read_after`] restricted to the events `filter` matches: the same order and the same
/// horizon, so the last returned position is a cursor that walks the matching events
/// exactly once. The auditors' read (`GET /audit/log`, `carneau log export`).
pub async fn read_matching<'e, E>(
    executor: E,
    after: LogPosition,
    limit: u32,
    filter: &LogFilter,
) -> Result<Vec<RecordedEvent>, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    // xid8 has no Rust type in sqlx: it travels as text both ways, which is exact. The
    // text gets its own name: an output column called `transaction_id` would capture the
    // ORDER BY, which would then sort xids as strings ('10' before '9').
    let mut query = QueryBuilder::new(
        r#"
        SELECT transaction_id::text AS transaction_id_text,
               global_position,
               event_id,
               aggregate_type,
               aggregate_id,
               sequence,
               event_type,
               event_version,
               payload,
               metadata,
               recorded_at
          FROM events
         WHERE (transaction_id, global_position) > ("#,
    );
    query
        .push_bind(after.transaction_id.to_string())
        .push("::text::xid8, ")
        .push_bind(after.global_position)
        .push(") AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())");
    filter.push_conditions(&mut query);
    query
        .push(" ORDER BY events.transaction_id, events.global_position LIMIT ")
        .push_bind(i64::from(limit));
    let rows = query.build().fetch_all(executor).await?;
    rows.iter().map(recorded_event).collect()
}

/// How many events `filter` matches below the horizon now (a progress bar's length; the
/// log may have grown by the time a reader gets there).
pub async fn count_matching<'e, E>(executor: E, filter: &LogFilter) -> Result<u64, LogError>
where
    E: Executor<'e, Database = Postgres>,
{
    let mut query = QueryBuilder::new(
        "SELECT count(*) FROM events \
         WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())",
    );
    filter.push_conditions(&mut query);
    let count: i64 = query.build_query_scalar().fetch_one(executor).await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// One row of `events` selected as [`read_after`] does (the xid as `transaction_id_text`),
/// as a [`RecordedEvent`]: shared with the readers of one event's streams.
pub(crate) fn recorded_event(row: &PgRow) -> Result<RecordedEvent, LogError> {
    recorded_event_at(row, position_of_row(row)?)
}

/// The position of a row that selected `transaction_id::text AS transaction_id_text` and
/// `global_position`.
pub(crate) fn position_of_row(row: &PgRow) -> Result<LogPosition, LogError> {
    let transaction_id: String = row.try_get("transaction_id_text")?;
    Ok(LogPosition {
        transaction_id: parse_transaction_id(transaction_id)?,
        global_position: row.try_get("global_position")?,
    })
}

fn recorded_event_at(row: &PgRow, position: LogPosition) -> Result<RecordedEvent, LogError> {
    Ok(RecordedEvent {
        position,
        event_id: row.try_get("event_id")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: row.try_get("payload")?,
        metadata: row
            .try_get::<Option<serde_json::Value>, _>("metadata")?
            .unwrap_or(serde_json::Value::Null),
        recorded_at: row.try_get("recorded_at")?,
    })
}

/// Parses an `xid8` that PostgreSQL rendered as text.
pub(crate) fn parse_transaction_id(text: String) -> Result<u64, LogError> {
    text.parse().map_err(|_| LogError::TransactionId(text))
}

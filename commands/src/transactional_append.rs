//! Appending an aggregate's events inside a caller's transaction, so that they commit
//! together with rows of other tables (an email claim, a password hash) or not at all.
//!
//! postgres-es opens its own transaction for every commit and cannot join ours, so this
//! writes the same `events` columns it writes, in the same serde form: the aggregate
//! store reads these rows back like its own. Optimistic versioning is the same too: the
//! primary key `(aggregate_type, aggregate_id, sequence)` refuses a second writer.

use std::collections::HashMap;

use cqrs_es::{Aggregate, DomainEvent};
use sqlx::{Postgres, Transaction};

/// The primary key of `events`: its violation means another writer got there first.
const EVENTS_PRIMARY_KEY: &str = "events_pkey";

/// Why the append did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The aggregate moved past the expected version (a concurrent command).
    #[error("the aggregate was changed concurrently")]
    Conflict,
    /// The database failed, or an event could not be serialised.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// An event could not be serialised.
    #[error(transparent)]
    Serialisation(#[from] serde_json::Error),
}

/// Inserts `events` into table `events` after `version` (the aggregate's sequence when
/// the caller decided), within `tx`. Returns the new version. On `Conflict` the caller's
/// transaction is unusable and must be rolled back (dropping it does so).
pub async fn append_in_transaction<A: Aggregate>(
    tx: &mut Transaction<'_, Postgres>,
    aggregate_id: &str,
    version: u64,
    events: &[A::Event],
    metadata: &HashMap<String, String>,
) -> Result<u64, AppendError> {
    let metadata = serde_json::to_value(metadata)?;
    let mut sequence = version;
    for event in events {
        sequence += 1;
        let payload = serde_json::to_value(event)?;
        let inserted = sqlx::query(
            "INSERT INTO events \
             (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(sequence as i64)
        .bind(event.event_type())
        .bind(event.event_version())
        .bind(&payload)
        .bind(&metadata)
        .execute(&mut **tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.constraint() == Some(EVENTS_PRIMARY_KEY) => {
                return Err(AppendError::Conflict)
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(sequence)
}

//! One event of the log as auditors read it, in JSON pages and NDJSON lines alike.

use carneau_projections::{LogPosition, RecordedEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::cursor::encode_cursor;

/// Where an event sits in the log: the opaque cursor to read on from it, and the pair it
/// stands for (the appending transaction, then the position within it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditPosition {
    /// Pass it as `after` to read the events that follow this one.
    pub cursor: String,
    /// The PostgreSQL transaction (`xid8`) that appended the event.
    pub transaction_id: u64,
    /// The event's global position (an identity, in insertion order).
    pub global_position: i64,
}

impl From<LogPosition> for AuditPosition {
    fn from(position: LogPosition) -> Self {
        Self {
            cursor: encode_cursor(position),
            transaction_id: position.transaction_id,
            global_position: position.global_position,
        }
    }
}

/// One event of the log, exactly as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Where it sits in the log.
    pub position: AuditPosition,
    /// The event's own id.
    pub event_id: Uuid,
    /// Its stream's aggregate type (`Event`, `Inventory`, `Order`, `Admission`, `Account`).
    pub aggregate_type: String,
    /// Its stream's id.
    pub aggregate_id: String,
    /// Its number in its stream, from 1.
    pub sequence: i64,
    /// What happened (`OrderPlaced`, ...).
    pub event_type: String,
    /// The version of the payload's shape.
    pub event_version: String,
    /// The fact, as stored.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Who and why (actor, cause, correlation id), as stored.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// When it was appended.
    pub recorded_at: DateTime<Utc>,
}

impl From<&RecordedEvent> for AuditEntry {
    fn from(event: &RecordedEvent) -> Self {
        Self {
            position: event.position.into(),
            event_id: event.event_id,
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
            payload: event.payload.clone(),
            metadata: event.metadata.clone(),
            recorded_at: event.recorded_at,
        }
    }
}

/// `event` as one NDJSON line (its JSON, then a newline): what the NDJSON route and
/// `carneau log export` write, byte for byte.
pub fn ndjson_line(event: &RecordedEvent) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(&AuditEntry::from(event))?;
    line.push(b'\n');
    Ok(line)
}

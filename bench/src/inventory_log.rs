//! Reads an event's inventory history from the event log (table `events`) in the order
//! auditors replay it, `(transaction_id, global_position)`, and feeds it to the
//! [`oversell`](crate::oversell) audit.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};
use tracing::instrument;
use uuid::Uuid;

use crate::oversell::{
    InventoryChange, OversellAudit, OversellFinding, SharedCapacity, HOLD_CHANGE_NAMES,
};

/// The aggregate type of an event's inventory in the log.
pub const INVENTORY_AGGREGATE_TYPE: &str = "Inventory";

/// Why an entry of the log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InventoryLogError {
    /// A hold change whose payload does not have the agreed shape: the audit cannot
    /// vouch for a log it cannot read, so it stops instead of skipping the entry.
    #[error(
        "inventory entry {global_position} ({name}) does not have the expected shape: {source}"
    )]
    MalformedChange {
        /// Where the entry sits in the log.
        global_position: i64,
        /// The payload's key.
        name: String,
        /// What did not match.
        source: serde_json::Error,
    },
}

/// Connects to the event log's database with a small pool: the audit runs one query.
pub async fn connect(database_url: &str) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(database_url)
        .await
        .context("connecting to the event log's database")
}

/// Replays the inventory of `event_id` (table `events`) against `capacities` and the
/// capacities `shared` by several ticket types.
#[instrument(skip_all, fields(event_id = %event_id))]
pub async fn audit_inventory(
    pool: &PgPool,
    event_id: Uuid,
    capacities: HashMap<Uuid, u64>,
    shared: Vec<SharedCapacity>,
) -> anyhow::Result<OversellFinding> {
    // The payload comes back as text because the column is `json`, and decoding it
    // ourselves keeps the audit independent of how the driver maps that type.
    let rows = sqlx::query(
        "SELECT global_position, payload::text AS payload
           FROM events
          WHERE aggregate_type = $1
            AND aggregate_id = $2
          ORDER BY transaction_id, global_position",
    )
    .bind(INVENTORY_AGGREGATE_TYPE)
    .bind(event_id.to_string())
    .fetch_all(pool)
    .await
    .context("reading the inventory from table events")?;
    let mut audit = OversellAudit::new(capacities).with_pools(shared);
    for row in rows {
        let global_position: i64 = row.try_get("global_position")?;
        let payload: String = row.try_get("payload")?;
        let value: serde_json::Value = serde_json::from_str(&payload)
            .with_context(|| format!("inventory entry {global_position} is not JSON"))?;
        let name = payload_name(&value);
        if HOLD_CHANGE_NAMES.contains(&name.as_str()) {
            let change = serde_json::from_value::<InventoryChange>(value).map_err(|source| {
                InventoryLogError::MalformedChange {
                    global_position,
                    name: name.clone(),
                    source,
                }
            })?;
            audit.apply(change);
        } else {
            audit.skip(&name);
        }
    }
    Ok(audit.finish())
}

/// The name of an event as serde writes an enum: the payload's only key.
fn payload_name(payload: &serde_json::Value) -> String {
    match payload.as_object() {
        Some(object) if object.len() == 1 => object.keys().next().cloned().unwrap_or_default(),
        _ => "(not a single-key object)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_an_entry_by_its_only_key() {
        let value = serde_json::json!({"InventoryOpened": {"capacity": 3}});
        assert_eq!(payload_name(&value), "InventoryOpened");
        assert_eq!(
            payload_name(&serde_json::json!([1])),
            "(not a single-key object)"
        );
    }
}

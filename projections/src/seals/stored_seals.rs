//! Table `event_seals`: the chain as the sealer wrote it, one row per event.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Executor, PgConnection, Postgres, Row};
use uuid::Uuid;

use super::chain::Seal;
use crate::log::{position_of_row, LogError, LogPosition};

/// One event's link of the chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSeal {
    /// The sealed event's place in the log.
    pub position: LogPosition,
    /// Its number in the chain, from 1.
    pub ordinal: u64,
    /// The sealed event's id.
    pub event_id: Uuid,
    /// SHA-256 of its payload's `jsonb` text when it was sealed.
    pub payload_digest: Seal,
    /// SHA-256 of its metadata's `jsonb` text when it was sealed.
    pub metadata_digest: Seal,
    /// The seal.
    pub seal: Seal,
    /// When the sealer committed it.
    pub sealed_at: DateTime<Utc>,
}

/// Why a stored seal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoredSealError {
    /// The query failed or a column was missing.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A stored value is malformed (a seal not 32 bytes long, an ordinal below 1).
    #[error("event_seals row at {position} is malformed: {what}")]
    Malformed {
        /// The row's position.
        position: LogPosition,
        /// What is wrong.
        what: &'static str,
    },
}

impl From<sqlx::Error> for StoredSealError {
    fn from(error: sqlx::Error) -> Self {
        Self::Log(LogError::Database(error))
    }
}

const SEAL_COLUMNS: &str = r#"
    SELECT transaction_id::text AS transaction_id_text, global_position, ordinal, event_id,
           payload_digest, metadata_digest, seal, sealed_at
      FROM event_seals
"#;

/// The newest link of the chain in `event_seals`, or `None` before the first event.
pub async fn chain_head<'e, E>(executor: E) -> Result<Option<StoredSeal>, StoredSealError>
where
    E: Executor<'e, Database = Postgres>,
{
    let row = sqlx::query(&format!(
        "{SEAL_COLUMNS} ORDER BY transaction_id DESC, global_position DESC LIMIT 1"
    ))
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(stored_seal).transpose()
}

/// At most `limit` links of `event_seals` after `after`, in log order.
pub async fn read_seals_after<'e, E>(
    executor: E,
    after: LogPosition,
    limit: u32,
) -> Result<Vec<StoredSeal>, StoredSealError>
where
    E: Executor<'e, Database = Postgres>,
{
    let rows = sqlx::query(&format!(
        "{SEAL_COLUMNS}
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
         ORDER BY transaction_id, global_position
         LIMIT $3"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(i64::from(limit))
    .fetch_all(executor)
    .await?;
    rows.iter().map(stored_seal).collect()
}

/// Where `event_seals` sealed event `event_id`, if it did. Only run when the chain
/// breaks, to say whether an event moved: no index, one scan.
pub async fn sealed_position_of<'e, E>(
    executor: E,
    event_id: Uuid,
) -> Result<Option<LogPosition>, StoredSealError>
where
    E: Executor<'e, Database = Postgres>,
{
    let row = sqlx::query(
        "SELECT transaction_id::text AS transaction_id_text, global_position \
           FROM event_seals WHERE event_id = $1 LIMIT 1",
    )
    .bind(event_id)
    .fetch_optional(executor)
    .await?;
    Ok(row.as_ref().map(position_of_row).transpose()?)
}

/// Appends `seals` to `event_seals` in one statement.
pub async fn insert_seals(
    conn: &mut PgConnection,
    seals: &[StoredSeal],
) -> Result<(), StoredSealError> {
    let transaction_ids: Vec<String> = seals
        .iter()
        .map(|seal| seal.position.transaction_id.to_string())
        .collect();
    let positions: Vec<i64> = seals
        .iter()
        .map(|seal| seal.position.global_position)
        .collect();
    // Ordinals start at 1 and stay far below i64::MAX.
    let ordinals: Vec<i64> = seals
        .iter()
        .map(|seal| i64::try_from(seal.ordinal).unwrap_or(i64::MAX))
        .collect();
    let event_ids: Vec<Uuid> = seals.iter().map(|seal| seal.event_id).collect();
    let bytes = |pick: fn(&StoredSeal) -> Seal| -> Vec<Vec<u8>> {
        seals.iter().map(|seal| pick(seal).0.to_vec()).collect()
    };
    sqlx::query(
        r#"
        INSERT INTO event_seals
               (transaction_id, global_position, ordinal, event_id,
                payload_digest, metadata_digest, seal, sealed_at)
        SELECT transaction_id::xid8, global_position, ordinal, event_id,
               payload_digest, metadata_digest, seal, now()
          FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::uuid[],
                      $5::bytea[], $6::bytea[], $7::bytea[])
               AS sealed(transaction_id, global_position, ordinal, event_id,
                         payload_digest, metadata_digest, seal)
        "#,
    )
    .bind(transaction_ids)
    .bind(positions)
    .bind(ordinals)
    .bind(event_ids)
    .bind(bytes(|seal| seal.payload_digest))
    .bind(bytes(|seal| seal.metadata_digest))
    .bind(bytes(|seal| seal.seal))
    .execute(conn)
    .await?;
    Ok(())
}

fn stored_seal(row: &PgRow) -> Result<StoredSeal, StoredSealError> {
    let position = position_of_row(row)?;
    let malformed = |what| StoredSealError::Malformed { position, what };
    let digest = |column: &str| -> Result<Seal, StoredSealError> {
        let bytes: Vec<u8> = row.try_get(column)?;
        Seal::from_slice(&bytes).ok_or(malformed("a digest is not 32 bytes"))
    };
    let ordinal: i64 = row.try_get("ordinal")?;
    Ok(StoredSeal {
        position,
        ordinal: u64::try_from(ordinal).map_err(|_| malformed("negative ordinal"))?,
        event_id: row.try_get("event_id")?,
        payload_digest: digest("payload_digest")?,
        metadata_digest: digest("metadata_digest")?,
        seal: digest("seal")?,
        sealed_at: row.try_get("sealed_at")?,
    })
}

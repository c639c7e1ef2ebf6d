//! Row-by-row comparison of a live read-model table with its rebuilt copy.
//!
//! Rows are matched on the live table's primary key; each side is turned into `jsonb`
//! (minus the volatile columns) by PostgreSQL, so every column type compares the same
//! way, and only the rows that differ come back.

use std::fmt;

use anyhow::{bail, Context};
use serde_json::{Map, Value};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::quoted;

/// Differences reported per table at most; a corrupted table would otherwise print
/// every one of its rows.
const DIFFERENCES_PER_TABLE: i64 = 1_000;

/// One way a live read model differs from the one rebuilt from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The table.
    pub table: String,
    /// The row's primary key, `column=value` pairs.
    pub key: String,
    /// The column that differs, or `*` when the whole row is missing on one side.
    pub column: String,
    /// The live value (JSON), `(no row)` when the live table lacks the row.
    pub live: String,
    /// The rebuilt value (JSON), `(no row)` when the rebuilt table lacks the row.
    pub rebuilt: String,
    /// The row's `event_id` column, if it has one: whose cached responses may be stale.
    pub event_id: Option<Uuid>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: live {} rebuilt {}",
            self.table, self.key, self.column, self.live, self.rebuilt
        )
    }
}

const NO_ROW: &str = "(no row)";

/// The rows of `live_schema.table` and `scratch_schema.table` that differ, seen by one
/// statement on `conn` (the caller holds the live projector still).
pub(super) async fn compare_table(
    conn: &mut PgConnection,
    live_schema: &str,
    scratch_schema: &str,
    table: &str,
    volatile_columns: &[&str],
) -> anyhow::Result<Vec<Difference>> {
    let live_table = format!("{}.{}", quoted(live_schema), quoted(table));
    let key = primary_key(conn, &live_table).await?;
    let join = key
        .iter()
        .map(|column| format!("l.{0} = r.{0}", quoted(column)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let statement = format!(
        "SELECT live, rebuilt FROM ( \
             SELECT to_jsonb(l) - $1::text[] AS live, to_jsonb(r) - $1::text[] AS rebuilt \
               FROM {live_table} l FULL JOIN {}.{} r ON {join} \
         ) compared \
         WHERE live IS DISTINCT FROM rebuilt \
         LIMIT $2",
        quoted(scratch_schema),
        quoted(table),
    );
    let volatile: Vec<String> = volatile_columns.iter().map(|c| (*c).to_owned()).collect();
    let rows = sqlx::query(&statement)
        .bind(&volatile)
        .bind(DIFFERENCES_PER_TABLE)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("comparing {table} with its rebuilt copy"))?;
    let mut differences = Vec::new();
    for row in rows {
        let live: Option<Value> = row.try_get("live")?;
        let rebuilt: Option<Value> = row.try_get("rebuilt")?;
        differences.extend(row_differences(table, &key, live, rebuilt));
    }
    differences.sort_by(|a, b| (&a.key, &a.column).cmp(&(&b.key, &b.column)));
    Ok(differences)
}

/// The primary key columns of `table` (already qualified and quoted), in key order.
async fn primary_key(conn: &mut PgConnection, table: &str) -> anyhow::Result<Vec<String>> {
    let key: Vec<String> = sqlx::query_scalar(
        r#"
        SELECT a.attname::text
          FROM pg_index i
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = to_regclass($1) AND i.indisprimary
         ORDER BY array_position(i.indkey::int2[], a.attnum)
        "#,
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the primary key of {table}"))?;
    if key.is_empty() {
        bail!("{table} has no primary key: its rows cannot be matched");
    }
    Ok(key)
}

/// The column-by-column differences of one row present on either side.
fn row_differences(
    table: &str,
    key: &[String],
    live: Option<Value>,
    rebuilt: Option<Value>,
) -> Vec<Difference> {
    let empty = Map::new();
    let live_row = live.as_ref().and_then(Value::as_object);
    let rebuilt_row = rebuilt.as_ref().and_then(Value::as_object);
    let any_row = live_row.or(rebuilt_row).unwrap_or(&empty);
    let key_text = key
        .iter()
        .map(|column| format!("{column}={}", plain(any_row.get(column))))
        .collect::<Vec<_>>()
        .join(", ");
    let event_id = any_row
        .get("event_id")
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok());
    let difference = |column: &str, live: String, rebuilt: String| Difference {
        table: table.to_owned(),
        key: key_text.clone(),
        column: column.to_owned(),
        live,
        rebuilt,
        event_id,
    };
    match (live_row, rebuilt_row) {
        (Some(live), Some(rebuilt)) => {
            let mut columns: Vec<&String> = live.keys().chain(rebuilt.keys()).collect();
            columns.sort();
            columns.dedup();
            columns
                .into_iter()
                .filter(|column| live.get(*column) != rebuilt.get(*column))
                .map(|column| {
                    difference(
                        column,
                        json_text(live.get(column)),
                        json_text(rebuilt.get(column)),
                    )
                })
                .collect()
        }
        (Some(live), None) => vec![difference(
            "*",
            Value::from(live.clone()).to_string(),
            NO_ROW.to_owned(),
        )],
        (None, Some(rebuilt)) => vec![difference(
            "*",
            NO_ROW.to_owned(),
            Value::from(rebuilt.clone()).to_string(),
        )],
        (None, None) => Vec::new(),
    }
}

fn json_text(value: Option<&Value>) -> String {
    value.map_or_else(|| "null".to_owned(), Value::to_string)
}

/// A key value as an operator types it: strings without their quotes.
fn plain(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        other => json_text(other),
    }
}

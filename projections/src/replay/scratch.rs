//! The scratch schema a replay builds in: `replay_<random>`, one unlogged copy of each
//! read-model table (`LIKE … INCLUDING ALL`: columns, defaults, generated columns,
//! checks, indexes), dropped when the replay ends. Its lock (`abandoned`) is held from
//! before the schema exists until it is dropped, so no other replay takes it for
//! abandoned.

use anyhow::{bail, Context};
use sqlx::{Connection, PgConnection, PgPool, Row};
use uuid::Uuid;

use super::abandoned::lock_scratch_schema;
use super::quoted;

/// A scratch schema, the tables created in it, and the connection holding its lock.
#[derive(Debug)]
pub(super) struct ScratchSchema {
    pub(super) name: String,
    tables: Vec<&'static str>,
    lock_holder: PgConnection,
}

impl ScratchSchema {
    /// Creates the schema and, in it, an empty table like each of `tables` of
    /// `live_schema`. Unlogged: it is thrown away or copied from, never recovered.
    pub(super) async fn create(
        pool: &PgPool,
        live_schema: &str,
        tables: &[&'static str],
    ) -> anyhow::Result<Self> {
        let name = format!("replay_{}", &Uuid::new_v4().simple().to_string()[..12]);
        let mut lock_holder = PgConnection::connect_with(&pool.connect_options())
            .await
            .context("connecting to hold the scratch schema's lock")?;
        if !lock_scratch_schema(&mut lock_holder, &name).await? {
            bail!("the lock of the new scratch schema {name} is taken");
        }
        let mut tx = pool.begin().await.context("creating the scratch schema")?;
        sqlx::query(&format!("CREATE SCHEMA {}", quoted(&name)))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("creating schema {name}"))?;
        for table in tables {
            sqlx::query(&format!(
                "CREATE UNLOGGED TABLE {}.{} (LIKE {}.{} INCLUDING ALL)",
                quoted(&name),
                quoted(table),
                quoted(live_schema),
                quoted(table)
            ))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("creating {name}.{table}"))?;
        }
        tx.commit().await.context("creating the scratch schema")?;
        Ok(Self {
            name,
            tables: tables.to_vec(),
            lock_holder,
        })
    }

    /// A connection of its own whose unqualified names resolve in the scratch schema
    /// only (plus `pg_catalog`'s functions and types), with asynchronous commits.
    pub(super) async fn connect(&self, pool: &PgPool) -> anyhow::Result<PgConnection> {
        let options = (*pool.connect_options())
            .clone()
            .application_name("carneau replay")
            .options([
                ("search_path", self.name.as_str()),
                ("synchronous_commit", "off"),
            ]);
        PgConnection::connect_with(&options)
            .await
            .context("connecting to the scratch schema")
    }

    /// Rows in the scratch copies of `tables`, all together.
    pub(super) async fn rows(
        &self,
        conn: &mut PgConnection,
        tables: &[&'static str],
    ) -> anyhow::Result<u64> {
        let mut rows = 0;
        for table in tables {
            let row = sqlx::query(&format!(
                "SELECT count(*) AS rows FROM {}.{}",
                quoted(&self.name),
                quoted(table)
            ))
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("counting the rows of {}.{table}", self.name))?;
            let counted: i64 = row.try_get("rows")?;
            rows += u64::try_from(counted).unwrap_or(0);
        }
        Ok(rows)
    }

    /// Drops the schema and its tables.
    pub(super) async fn drop(self, pool: &PgPool) -> anyhow::Result<()> {
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", quoted(&self.name)))
            .execute(pool)
            .await
            .with_context(|| {
                format!(
                    "dropping scratch schema {} ({} tables)",
                    self.name,
                    self.tables.len()
                )
            })?;
        // Closing the session releases the lock; a failed close drops the socket, which
        // ends it too.
        let _ = self.lock_holder.close().await;
        Ok(())
    }
}

/// The schema the live read models are in: the pool's `current_schema()`.
pub(super) async fn live_schema(pool: &PgPool) -> anyhow::Result<String> {
    sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(pool)
        .await
        .context("finding the live schema")
}

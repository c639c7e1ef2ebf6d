//! Scratch schemas whose replay is gone. Each replay holds a session advisory lock named
//! after its scratch schema, on a connection of its own, from before it creates the
//! schema until it has dropped it. A `replay_*` schema whose lock anyone can take was
//! left by a replay that was killed (one that fails drops its own): nothing refers to
//! it, and the next replay drops it.

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};

/// First key of the two-int advisory lock on a scratch schema's name ("REPL"), apart
/// from the projectors' locks.
const SCRATCH_LOCK_NAMESPACE: i32 = 0x5245_504C;

/// Takes, on `connection`'s session, the lock of the scratch schema `name`; false while
/// another session holds it (its replay is running).
pub async fn lock_scratch_schema(
    connection: &mut PgConnection,
    name: &str,
) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext($2))")
        .bind(SCRATCH_LOCK_NAMESPACE)
        .bind(name)
        .fetch_one(connection)
        .await
        .with_context(|| format!("taking the lock of scratch schema {name}"))
}

/// Drops every `replay_*` schema whose lock can be taken (its replay is gone) and answers
/// their names; keeps those of running replays.
pub async fn drop_abandoned_scratch_schemas(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        r"SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'replay\_%' ORDER BY nspname",
    )
    .fetch_all(pool)
    .await
    .context("listing the scratch schemas")?;
    if names.is_empty() {
        return Ok(names);
    }
    // A connection of its own, not the pool's: a lock left by a failed unlock goes with it.
    let mut connection = PgConnection::connect_with(&pool.connect_options())
        .await
        .context("connecting to drop abandoned scratch schemas")?;
    let mut dropped = Vec::new();
    for name in names {
        if !lock_scratch_schema(&mut connection, &name).await? {
            continue;
        }
        let outcome = sqlx::query(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            super::quoted(&name)
        ))
        .execute(&mut connection)
        .await
        .with_context(|| format!("dropping abandoned scratch schema {name}"));
        // Released whatever the drop did: the connection goes back to the pool.
        sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
            .bind(SCRATCH_LOCK_NAMESPACE)
            .bind(&name)
            .execute(&mut connection)
            .await
            .with_context(|| format!("releasing the lock of scratch schema {name}"))?;
        outcome?;
        dropped.push(name);
    }
    // A failed close still drops the socket, which ends the session.
    let _ = connection.close().await;
    Ok(dropped)
}

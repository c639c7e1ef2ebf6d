//! Aggregate streams told interleaved into the log, as postgres-es stores them: what the
//! batch-folding projectors' tests feed one event per batch and all at once.

use carneau_projections::{Projector, ProjectorRunner};
use cqrs_es::DomainEvent;
use serde::Serialize;
use sqlx::PgPool;

/// One stream's events, appended in log order after the log's others.
pub struct Stream {
    aggregate_type: &'static str,
    aggregate_id: String,
    events: Vec<serde_json::Value>,
    types: Vec<String>,
}

impl Stream {
    /// The stream of aggregate `aggregate_type` with id `aggregate_id`.
    pub fn of<E: DomainEvent + Serialize>(
        aggregate_type: &'static str,
        aggregate_id: String,
        events: Vec<E>,
    ) -> Self {
        Self {
            aggregate_type,
            aggregate_id,
            types: events.iter().map(DomainEvent::event_type).collect(),
            events: events
                .iter()
                .map(|event| serde_json::to_value(event).unwrap())
                .collect(),
        }
    }
}

/// Appends the streams' events, interleaved as `order` says (indexes into `streams`,
/// each taking its stream's next event), each in its own transaction.
pub async fn append_interleaved(pool: &PgPool, streams: &[Stream], order: &[usize]) {
    let mut next = vec![0_usize; streams.len()];
    for &index in order {
        let stream = &streams[index];
        let at = next[index];
        next[index] += 1;
        sqlx::query(
            "INSERT INTO events
                 (aggregate_type, aggregate_id, sequence, event_type, event_version,
                  payload, metadata)
             VALUES ($1, $2, $3, $4, '1', $5, '{}')",
        )
        .bind(stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .bind(i64::try_from(at).unwrap() + 1)
        .bind(&stream.types[at])
        .bind(&stream.events[at])
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Catches `projector` up with `runner` until it has walked `events` events: the log's
/// horizon is the whole cluster's, so another test's open transaction may hold this
/// database's events back for a moment.
pub async fn catch_up_all(
    runner: ProjectorRunner,
    pool: &PgPool,
    projector: &dyn Projector,
    events: usize,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut walked = 0;
    while walked < events as u64 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {walked} of {events} events became readable"
        );
        walked += runner.catch_up(pool, projector).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

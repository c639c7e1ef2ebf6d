//! How far each projector is behind the log's head, from `projector_checkpoints` and
//! `events`: what an operator watches to see the read models keep up.

use sqlx::PgPool;

/// One projector's place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectorProgress {
    /// Its name (its row of `projector_checkpoints`).
    pub projector: String,
    /// The global position of the last event it applied (0 before the first).
    pub position: i64,
    /// How long the oldest event it has not applied yet has been in the log, in seconds;
    /// 0 when it has applied everything committed.
    pub seconds_behind: f64,
}

/// The log's head and every projector's place in it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogProgress {
    /// The global position of the last event in the log's order (0 for an empty log).
    pub head_position: i64,
    /// Each projector that has run against this database, by name.
    pub projectors: Vec<ProjectorProgress>,
}

/// Reads the head of `events` and each row of `projector_checkpoints`, with the first
/// event past each checkpoint. Every look-up is one step of the index `events_log_order`
/// (the log's order), so the cost does not grow with the log or with a projector's lag.
pub async fn log_progress(pool: &PgPool) -> sqlx::Result<LogProgress> {
    let head_position: Option<i64> = sqlx::query_scalar(
        r#"
        SELECT global_position
          FROM events
         ORDER BY transaction_id DESC, global_position DESC
         LIMIT 1
        "#,
    )
    .fetch_optional(pool)
    .await?;
    let rows: Vec<(String, i64, Option<f64>)> = sqlx::query_as(
        r#"
        SELECT checkpoint.projector,
               checkpoint.global_position,
               EXTRACT(EPOCH FROM now() - next_event.recorded_at)::float8
          FROM projector_checkpoints checkpoint
          LEFT JOIN LATERAL (
                SELECT recorded_at
                  FROM events
                 WHERE (transaction_id, global_position)
                       > (checkpoint.transaction_id, checkpoint.global_position)
                 ORDER BY transaction_id, global_position
                 LIMIT 1
               ) next_event ON true
         ORDER BY checkpoint.projector
        "#,
    )
    .fetch_all(pool)
    .await?;
    Ok(LogProgress {
        head_position: head_position.unwrap_or(0),
        projectors: rows
            .into_iter()
            .map(|(projector, position, seconds_behind)| ProjectorProgress {
                projector,
                position,
                // Clocks of the writers may run a little ahead of this statement's now().
                seconds_behind: seconds_behind.unwrap_or(0.0).max(0.0),
            })
            .collect(),
    })
}

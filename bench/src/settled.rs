//! When the work a rush set off is done: every projector that keeps a checkpoint (the
//! read models, the tickets mailer, the sealer) has passed the log's last event, and the
//! mail outbox has nothing left to send. The CPU read then counts what the sale caused
//! after its last answer too: work that waits behind the rush (emails composed, queued
//! and sent, read models catching up) is still the sale's cost, only later.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use sqlx::{PgPool, Row};

use crate::cpu::CpuUse;

/// How long after the rush the benchmark waits for its work to be done.
pub const SETTLE_PATIENCE: Duration = Duration::from_secs(120);

/// How often the database is asked.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Waits until the log's readers and the mail outbox are done, at most `patience`.
/// Returns how long that took, or `None` if they were still busy when patience ran out.
pub async fn wait_until_settled(
    pool: &PgPool,
    patience: Duration,
) -> anyhow::Result<Option<Duration>> {
    let started = Instant::now();
    loop {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM projector_checkpoints c \
                      WHERE (c.transaction_id, c.global_position) < \
                            (SELECT transaction_id, global_position FROM events \
                              ORDER BY transaction_id DESC, global_position DESC LIMIT 1)) \
                    AS readers_behind, \
                    (SELECT count(*) FROM mail_outbox \
                      WHERE sent_at IS NULL AND failed_at IS NULL) AS mail_unsent",
        )
        .fetch_one(pool)
        .await
        .context("asking whether the rush's work is done")?;
        let readers_behind: i64 = row.try_get("readers_behind")?;
        let mail_unsent: i64 = row.try_get("mail_unsent")?;
        if readers_behind == 0 && mail_unsent == 0 {
            return Ok(Some(started.elapsed()));
        }
        if started.elapsed() >= patience {
            return Ok(None);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The rush's work, done.
#[derive(Debug, Clone, Serialize)]
pub struct Settled {
    /// Seconds from the measurements after the rush to the work being done.
    pub after_rush_s: f64,
    /// CPU from the rush's start to the work being done (`None` without `/proc`).
    pub cpu: Option<CpuUse>,
}

impl Settled {
    /// As one line, with the CPU per paid order when `paid` orders were paid.
    pub fn render(&self, paid: usize) -> String {
        let mut line = format!("{:.1} s after the rush's figures", self.after_rush_s);
        if let Some(cpu) = &self.cpu {
            line.push_str(&format!(
                "; CPU since the rush began: server {:.1} s, redis {:.1} s, postgres {:.1} s",
                cpu.servers_s,
                cpu.redis_s.unwrap_or(0.0),
                cpu.postgres_s.unwrap_or(0.0),
            ));
            if paid > 0 {
                line.push_str(&format!(
                    ", {:.2} ms per paid order{}",
                    cpu.all_services_s() * 1_000.0 / paid as f64,
                    if cpu.busy_elsewhere {
                        " (BUSY elsewhere)"
                    } else {
                        ""
                    },
                ));
            }
        }
        line
    }
}

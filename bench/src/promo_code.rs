//! The flash sale with a promo code that every buyer tries: the code has a limit of uses
//! (`--code-uses`), and each buyer asks with it in one request that says "if it has no use
//! left, hold my tickets at the regular price anyway" (`if_code_used_up`), as the web
//! client does during a sale. The log says how many uses were held with the code; more
//! than its limit is an over-redemption, and fewer while buyers held more tickets than
//! the limit would mean the fallback took uses from buyers who could have had them.

use anyhow::Context as _;
use sqlx::PgPool;
use uuid::Uuid;

/// The code of the run: 20 % off, its limit counted per ticket.
pub const CODE: &str = "FLASH-CODE";

/// What the buyers ask for when the code has no use left: their tickets without it.
pub const IF_USED_UP: &str = "hold_without_code";

/// The body that creates the run's code with `max_uses` uses.
pub fn creation_body(max_uses: u32) -> serde_json::Value {
    serde_json::json!({ "code": CODE, "terms": {
        "discount": { "kind": "percent", "percent": 20 },
        "max_uses": max_uses, "counting": "per_ticket" } })
}

/// What the log says of the code's uses after the rush.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CodeFinding {
    /// The code's limit.
    pub max_uses: u32,
    /// Uses held with the code by every hold the log placed.
    pub uses_placed: u64,
    /// Holds placed with the code.
    pub holds_placed: u64,
    /// Holds that ended (released or expired) in the log: while there are none, every
    /// use placed is still taken, so `uses_placed` is the peak.
    pub holds_ended: u64,
}

impl CodeFinding {
    /// Uses past the limit at the end of the rush (0 when the code was never over-used).
    pub fn over_redeemed(&self) -> u64 {
        match self.holds_ended {
            0 => self.uses_placed.saturating_sub(u64::from(self.max_uses)),
            // Ended holds gave uses back: the total placed is no peak. The engine's own
            // tests audit the peak instant by instant.
            _ => 0,
        }
    }

    /// Uses left over at the end of the rush although buyers held `tickets_held`
    /// tickets, more than the limit: each of them tried the code, so all its uses should
    /// have gone, but for at most one a request larger than what was left fell back on
    /// (one ticket short per use counted by ticket). 0 when not judged.
    pub fn left_unused(&self, tickets_held: u64, max_tickets: u16) -> u64 {
        let limit = u64::from(self.max_uses);
        if self.holds_ended > 0 || tickets_held <= limit {
            return 0;
        }
        let left = limit.saturating_sub(self.uses_placed);
        // A last request of `max_tickets` may find fewer uses than it asks for.
        left.saturating_sub(u64::from(max_tickets).saturating_sub(1))
    }
}

/// Reads the code's uses from the event's inventory log.
pub async fn audit_code(
    pool: &PgPool,
    event_id: Uuid,
    max_uses: u32,
) -> anyhow::Result<CodeFinding> {
    let (uses_placed, holds_placed): (i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum((hold -> 'code_use' ->> 'uses')::bigint), 0)::bigint, count(*) \
           FROM events, jsonb_array_elements(payload::jsonb -> 'HoldsPlaced' -> 'holds') hold \
          WHERE aggregate_type = 'Inventory' AND aggregate_id = $1 \
            AND event_type = 'HoldsPlaced' AND hold -> 'code_use' ->> 'code' = $2",
    )
    .bind(event_id.to_string())
    .bind(CODE)
    .fetch_one(pool)
    .await
    .context("reading the code's uses from the log")?;
    let holds_ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events \
          WHERE aggregate_type = 'Inventory' AND aggregate_id = $1 \
            AND event_type IN ('HoldReleased', 'HoldsExpired')",
    )
    .bind(event_id.to_string())
    .fetch_one(pool)
    .await
    .context("reading ended holds from the log")?;
    Ok(CodeFinding {
        max_uses,
        uses_placed: u64::try_from(uses_placed).unwrap_or(0),
        holds_placed: u64::try_from(holds_placed).unwrap_or(0),
        holds_ended: u64::try_from(holds_ended).unwrap_or(0),
    })
}

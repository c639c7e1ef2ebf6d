//! What the rush cost: CPU per request and per paid order, the inventory read model's
//! freshness, and each node's contention on the inventory stream.

use std::fmt::Write;

use serde::Serialize;

use super::Report;
use crate::contention::NodeContention;
use crate::cpu::CpuUse;
use crate::freshness::Freshness;

/// The cost measurements of a run; each is absent when it could not be measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Costs {
    /// CPU seconds during the rush.
    pub cpu: Option<CpuUse>,
    /// The server's and Redis's CPU per answered hold request, in milliseconds.
    pub cpu_per_request_ms: Option<f64>,
    /// The server's, Redis's and PostgreSQL's CPU per paid order, in milliseconds.
    pub cpu_per_paid_order_ms: Option<f64>,
    /// How far the inventory read model lagged behind the holds.
    pub freshness: Option<Freshness>,
    /// Each node's appends to the inventory stream during the rush.
    pub contention: Vec<NodeContention>,
}

impl Costs {
    /// The costs of `report`'s rush, with the per-unit figures derived from it.
    pub fn of(
        report: &Report,
        cpu: Option<CpuUse>,
        freshness: Option<Freshness>,
        contention: Vec<NodeContention>,
    ) -> Self {
        let answers = report.accepted.count + report.refused.count + report.errors.all.count;
        let per =
            |seconds: f64, count: usize| (count > 0).then(|| seconds * 1_000.0 / count as f64);
        let paid = report.payments.as_ref().map_or(0, |payments| payments.paid);
        Self {
            cpu_per_request_ms: cpu
                .as_ref()
                .and_then(|cpu| per(cpu.servers_and_redis_s(), answers)),
            cpu_per_paid_order_ms: cpu.as_ref().and_then(|cpu| per(cpu.all_services_s(), paid)),
            cpu,
            freshness,
            contention,
        }
    }
}

fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} s"))
}

/// The costs as lines for a terminal.
pub fn render_costs(costs: &Costs) -> String {
    let mut out = String::new();
    match &costs.cpu {
        Some(cpu) => {
            let _ = writeln!(
                out,
                "{:<22} server {:.1} s, redis {}, postgres {}, load generator {:.1} s",
                "CPU during the rush",
                cpu.servers_s,
                seconds(cpu.redis_s),
                seconds(cpu.postgres_s),
                cpu.load_generator_s,
            );
            let _ = writeln!(
                out,
                "{:<22} {:.1} s of {:.1} s capacity{}",
                "machine elsewhere",
                cpu.elsewhere_s,
                cpu.capacity_s,
                if cpu.busy_elsewhere {
                    "  BUSY: other work distorts these figures"
                } else {
                    "  (quiet)"
                },
            );
        }
        None => {
            let _ = writeln!(out, "{:<22} not measured (no /proc)", "CPU during the rush");
        }
    }
    if let Some(ms) = costs.cpu_per_request_ms {
        let _ = writeln!(out, "{:<22} {ms:.3} ms (server + redis)", "CPU per request");
    }
    if let Some(ms) = costs.cpu_per_paid_order_ms {
        let _ = writeln!(
            out,
            "{:<22} {ms:.2} ms (server + redis + postgres)",
            "CPU per paid order"
        );
    }
    if let Some(freshness) = &costs.freshness {
        let lag = freshness.lag.as_ref().map_or_else(
            || "-".to_owned(),
            |lag| {
                format!(
                    "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                    lag.p50_ms, lag.p99_ms, lag.max_ms
                )
            },
        );
        let _ = writeln!(
            out,
            "{:<22} {lag} over {} holds ({} not seen)",
            "read model freshness", freshness.holds, freshness.unseen
        );
    }
    for node in &costs.contention {
        let _ = writeln!(
            out,
            "{:<22} {}: {} appends, {} conflicts (retried), {} batches abandoned",
            "inventory appends",
            node.metrics_url,
            node.appends.appended,
            node.appends.conflicts,
            node.appends.abandoned,
        );
    }
    out
}

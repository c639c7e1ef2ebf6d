//! The report for a human: a table on standard output, and the row to paste into
//! `docs/benchmarks.md`.

use std::fmt::Write;

use super::{AnswerStats, Report};
use crate::latency::LatencySummary;

fn or_dash(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

fn latency_triple(latency: Option<&LatencySummary>) -> String {
    latency.map_or_else(
        || "-".to_owned(),
        |l| format!("{:.1} / {:.1} / {:.1}", l.p50_ms, l.p95_ms, l.p99_ms),
    )
}

fn answer_line(out: &mut String, name: &str, stats: &AnswerStats) {
    let latency = stats.latency.as_ref();
    let ms = |pick: fn(&LatencySummary) -> f64| or_dash(latency.map(pick), 1);
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{name:<18} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9}",
        stats.count,
        or_dash(stats.per_second, 1),
        ms(|l| l.p50_ms),
        ms(|l| l.p95_ms),
        ms(|l| l.p99_ms),
        ms(|l| l.max_ms),
    );
}

/// The report as a table for a terminal.
pub fn render_table(report: &Report) -> String {
    let settings = &report.settings;
    let log = &report.log;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "flash sale `{}` against {}: C={} M={} K={}, 1..={} tickets per buyer, seed {}{}",
        settings.label,
        settings.base_url,
        settings.capacity,
        settings.buyers,
        settings.concurrency,
        settings.max_tickets,
        settings.seed,
        match (settings.pay, settings.payers) {
            (false, _) => String::new(),
            (true, None) => ", paying in turn".to_owned(),
            (true, Some(payers)) => format!(", paying on {payers} connections apart"),
        },
    );
    let _ = writeln!(
        out,
        "event {} ticket type {}, started {}\n",
        report.event_id,
        report.ticket_type_id,
        report.started_at.to_rfc3339(),
    );
    let _ = writeln!(
        out,
        "{:<18} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "answers", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    answer_line(&mut out, "accepted holds", &report.accepted);
    answer_line(&mut out, "sold-out refusals", &report.refused);
    answer_line(&mut out, "errors", &report.errors.all);
    for (kind, count) in &report.errors.by_kind {
        let _ = writeln!(out, "  {kind:<40} {count:>8}");
    }
    let _ = writeln!(out);
    let rows = [
        ("tickets requested", report.tickets_requested.to_string()),
        (
            "tickets held (HTTP)",
            format!("{} of {}", report.tickets_held, settings.capacity),
        ),
        (
            "tickets held (log)",
            format!(
                "{} at the end, {} at the peak",
                log.final_held_tickets, log.peak_held_tickets
            ),
        ),
        (
            "holds (log)",
            format!(
                "{} placed ({} tickets), {} released, {} expired, {} lapsed",
                log.holds_placed,
                log.tickets_placed,
                log.holds_released,
                log.holds_expired,
                log.holds_lapsed
            ),
        ),
        (
            "last hold answered",
            format!("{} s", or_dash(report.sell_out.last_hold_answered_s, 3)),
        ),
        (
            "first sold-out",
            format!("{} s", or_dash(report.sell_out.first_sold_out_s, 3)),
        ),
        (
            "wall time",
            format!(
                "{:.3} s, {:.1} answers/s",
                report.wall_time_s, report.answers_per_second
            ),
        ),
        (
            "log vs answers",
            if report.log_agrees_with_answers {
                "agree".to_owned()
            } else {
                format!(
                    "DISAGREE: {} holds of {} tickets in the log, {} answered 201 for {} tickets",
                    log.holds_placed,
                    log.tickets_placed,
                    report.accepted.count,
                    report.tickets_held
                )
            },
        ),
        (
            "oversell (log)",
            match (report.oversold(), settings.shared_capacity) {
                (true, _) => format!(
                    "{} tickets per type, {} of the shared capacity  FAILED",
                    log.max_oversell_tickets, log.max_pool_oversell_tickets
                ),
                (false, true) => "0 per type, 0 of the shared capacity  ok".to_owned(),
                (false, false) => "0  ok".to_owned(),
            },
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<22} {value}");
    }
    if let Some(payments) = &report.payments {
        let rows = [
            (
                "payments",
                format!(
                    "{} paid ({} tickets), {}/s, last paid at {} s",
                    payments.paid,
                    payments.tickets_paid,
                    or_dash(payments.paid_per_second, 1),
                    or_dash(payments.last_paid_s, 3),
                ),
            ),
            (
                "checkout p50/95/99 ms",
                latency_triple(payments.checkout_latency.as_ref()),
            ),
            (
                "pay p50/95/99 ms",
                latency_triple(payments.pay_latency.as_ref()),
            ),
            (
                "sold (log)",
                format!(
                    "{} holds ({} late), {} tickets; {} returned; {} sold at the end",
                    log.holds_sold,
                    log.holds_sold_late,
                    log.tickets_sold,
                    log.tickets_returned,
                    log.final_sold_tickets,
                ),
            ),
        ];
        for (name, value) in rows {
            let _ = writeln!(out, "{name:<22} {value}");
        }
        for (kind, count) in &payments.failed_by_kind {
            let _ = writeln!(out, "  payment {kind:<32} {count:>8}");
        }
    }
    if !log.other_entries.is_empty() {
        let _ = writeln!(out, "{:<22} {:?}", "other log entries", log.other_entries);
    }
    out
}

/// The run as one row of the results table in `docs/benchmarks.md`.
pub fn render_results_row(report: &Report) -> String {
    let settings = &report.settings;
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} s | {} |",
        report.started_at.format("%Y-%m-%d"),
        settings.label,
        settings.capacity,
        settings.buyers,
        settings.concurrency,
        or_dash(report.accepted.per_second, 0),
        or_dash(report.refused.per_second, 0),
        latency_triple(report.accepted.latency.as_ref()),
        latency_triple(report.refused.latency.as_ref()),
        or_dash(report.sell_out.last_hold_answered_s, 2),
        report.log.max_oversell_tickets,
    )
}

/// The run's payments as one row of the flash-sale-with-payments table in
/// `docs/benchmarks.md`; `None` when the run did not pay.
pub fn render_payments_row(report: &Report) -> Option<String> {
    let payments = report.payments.as_ref()?;
    let settings = &report.settings;
    Some(format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} s | {} |",
        report.started_at.format("%Y-%m-%d"),
        settings.label,
        settings.capacity,
        settings.buyers,
        settings.concurrency,
        or_dash(report.accepted.per_second, 0),
        payments.paid,
        or_dash(payments.paid_per_second, 0),
        latency_triple(payments.checkout_latency.as_ref()),
        latency_triple(payments.pay_latency.as_ref()),
        or_dash(payments.last_paid_s, 2),
        report.log.max_oversell_tickets,
    ))
}

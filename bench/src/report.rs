//! The numbers of a run: throughput, latency, time to sell out and the oversell audit,
//! as a [`Report`] that serialises to JSON and prints as a table.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::attempt::{Attempt, Outcome};
use crate::latency::{summarise, LatencySummary};
use crate::oversell::OversellFinding;
use crate::payment::PaymentOutcome;
use crate::rush::RushResult;
use crate::sale_setup::SaleUnderTest;

mod costs;
mod table;

pub use costs::{render_costs, Costs};
pub use table::{render_payments_row, render_results_row, render_table};

/// How the run was configured.
#[derive(Debug, Clone, Serialize)]
pub struct RunSettings {
    /// Names the run in reports (e.g. the reservation mode).
    pub label: String,
    /// The server under test.
    pub base_url: String,
    /// Tickets on sale (C).
    pub capacity: u32,
    /// Buyers in the crowd (M).
    pub buyers: usize,
    /// Requests in flight at once (K).
    pub concurrency: usize,
    /// Most tickets one buyer asks for.
    pub max_tickets: u16,
    /// Seed of the crowd's draw.
    pub seed: u64,
    /// Deadline of one request, in seconds.
    pub request_timeout_s: u64,
    /// Whether each accepted buyer paid for the hold during the rush.
    pub pay: bool,
    /// The payers' connections apart from the K reserving ones; `None` when each
    /// reserving connection paid in turn, or nobody paid.
    pub payers: Option<usize>,
    /// Whether two ticket types shared the capacity (a capacity pool).
    pub shared_capacity: bool,
}

/// Count, rate and latency of one kind of answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerStats {
    /// How many answers of this kind.
    pub count: usize,
    /// Tickets asked for in those requests.
    pub tickets: u64,
    /// From the first of these requests leaving to the last of their answers, seconds.
    pub window_s: Option<f64>,
    /// `count / window_s`: answers of this kind per second while they were coming.
    pub per_second: Option<f64>,
    /// Their latencies.
    pub latency: Option<LatencySummary>,
}

/// Errors: every answer that is neither a hold nor a sold-out refusal.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorStats {
    /// Count, rate and latency of all errors together.
    #[serde(flatten)]
    pub all: AnswerStats,
    /// Count per kind (`"404"`, `"503 urn:…"`, `"timeout"`, …).
    pub by_kind: BTreeMap<String, usize>,
}

/// How long the tickets lasted, in seconds from the first request leaving.
#[derive(Debug, Clone, Serialize)]
pub struct SellOut {
    /// When the last accepted hold was answered.
    pub last_hold_answered_s: Option<f64>,
    /// When the first sold-out refusal was answered.
    pub first_sold_out_s: Option<f64>,
}

/// What the accepted buyers' payments did, when the run paid.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentStats {
    /// Holds paid for (the simulated Pay answered 303: payment recorded, hold sold).
    pub paid: usize,
    /// Tickets in those holds.
    pub tickets_paid: u64,
    /// From the first payment starting to the last one answered, seconds.
    pub window_s: Option<f64>,
    /// `paid / window_s`: sales per second while they were coming.
    pub paid_per_second: Option<f64>,
    /// When the last payment was answered, from the first request leaving, seconds.
    pub last_paid_s: Option<f64>,
    /// Latency of starting checkout (the hold extended, the order placed, the session
    /// created).
    pub checkout_latency: Option<LatencySummary>,
    /// Latency of the Pay button (the payment recorded and the hold sold).
    pub pay_latency: Option<LatencySummary>,
    /// Payments that did not end paid, per kind (`"checkout timeout"`, `"pay 503"`, …).
    pub failed_by_kind: BTreeMap<String, usize>,
}

/// Everything a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// How the run was configured.
    pub settings: RunSettings,
    /// When the rush started.
    pub started_at: DateTime<Utc>,
    /// The event rushed.
    pub event_id: Uuid,
    /// Its ticket type.
    pub ticket_type_id: Uuid,
    /// Tickets the crowd asked for in total (demand).
    pub tickets_requested: u64,
    /// From the first request to the last answer, seconds.
    pub wall_time_s: f64,
    /// All answers per second over the wall time.
    pub answers_per_second: f64,
    /// Accepted holds (201, status held).
    pub accepted: AnswerStats,
    /// Sold-out refusals (409 sold-out).
    pub refused: AnswerStats,
    /// Everything else.
    pub errors: ErrorStats,
    /// Time to sell out.
    pub sell_out: SellOut,
    /// Tickets in accepted holds, by the HTTP answers.
    pub tickets_held: u64,
    /// The payments, when the run paid for its holds.
    pub payments: Option<PaymentStats>,
    /// What the event log says.
    pub log: OversellFinding,
    /// Whether the log placed exactly the holds (and tickets) the buyers were told they
    /// got, and sold exactly the holds whose payment was answered as paid. A hold in
    /// the log whose buyer got an error, or a 201 with no hold behind it, breaks this
    /// without being an oversell.
    pub log_agrees_with_answers: bool,
}

impl Report {
    /// The report of a finished run.
    pub fn new(
        settings: RunSettings,
        sale: SaleUnderTest,
        tickets_requested: u64,
        rush: &RushResult,
        log: OversellFinding,
    ) -> Self {
        let of = |wanted: fn(&Outcome) -> bool| -> Vec<&Attempt> {
            rush.attempts
                .iter()
                .filter(|a| wanted(&a.outcome))
                .collect()
        };
        let accepted = of(|outcome| matches!(outcome, Outcome::Accepted));
        let refused = of(|outcome| matches!(outcome, Outcome::SoldOut));
        let failed = of(|outcome| matches!(outcome, Outcome::Failed(_)));
        let mut by_kind = BTreeMap::new();
        for attempt in &failed {
            if let Outcome::Failed(kind) = &attempt.outcome {
                *by_kind.entry(kind.clone()).or_insert(0) += 1;
            }
        }
        // Times are measured from the first request out, not from when the tasks were
        // spawned, so that the tool's own start-up is not billed to the server.
        let origin = rush
            .attempts
            .iter()
            .map(|a| a.sent_at)
            .min()
            .unwrap_or_default();
        let since_origin = |at: Duration| seconds(at.saturating_sub(origin));
        let sell_out = SellOut {
            last_hold_answered_s: accepted
                .iter()
                .map(|a| a.answered_at())
                .max()
                .map(since_origin),
            first_sold_out_s: refused
                .iter()
                .map(|a| a.answered_at())
                .min()
                .map(since_origin),
        };
        let payments = payment_stats(&accepted, origin);
        let accepted = answer_stats(&accepted);
        let wall_time_s = seconds(rush.wall_time);
        let tickets_held = accepted.tickets;
        let sold_as_answered = match &payments {
            Some(payments) => {
                log.holds_sold == payments.paid as u64 && log.tickets_sold == payments.tickets_paid
            }
            None => log.holds_sold == 0,
        };
        let log_agrees_with_answers = log.holds_placed == accepted.count as u64
            && log.final_held_tickets + log.final_sold_tickets == tickets_held
            && sold_as_answered;
        Self {
            settings,
            started_at: rush.started_at,
            event_id: sale.event_id,
            ticket_type_id: sale.ticket_type_id,
            tickets_requested,
            wall_time_s,
            answers_per_second: rate(rush.attempts.len(), wall_time_s).unwrap_or(0.0),
            accepted,
            refused: answer_stats(&refused),
            errors: ErrorStats {
                all: answer_stats(&failed),
                by_kind,
            },
            sell_out,
            tickets_held,
            payments,
            log,
            log_agrees_with_answers,
        }
    }

    /// Whether the log shows more tickets held than exist at any moment, of a ticket
    /// type or of a shared capacity.
    pub fn oversold(&self) -> bool {
        self.log.max_oversell_tickets > 0 || self.log.max_pool_oversell_tickets > 0
    }
}

fn answer_stats(attempts: &[&Attempt]) -> AnswerStats {
    let first_sent = attempts.iter().map(|a| a.sent_at).min();
    let last_answered = attempts.iter().map(|a| a.answered_at()).max();
    let window_s = first_sent
        .zip(last_answered)
        .map(|(first, last)| seconds(last.saturating_sub(first)));
    AnswerStats {
        count: attempts.len(),
        tickets: attempts.iter().map(|a| u64::from(a.quantity)).sum(),
        window_s,
        per_second: window_s.and_then(|window| rate(attempts.len(), window)),
        latency: summarise(attempts.iter().map(|a| a.latency).collect()),
    }
}

/// The payments of the accepted buyers, or `None` when the run did not pay.
fn payment_stats(accepted: &[&Attempt], origin: Duration) -> Option<PaymentStats> {
    let payments: Vec<_> = accepted
        .iter()
        .filter_map(|attempt| attempt.payment.as_ref().map(|payment| (attempt, payment)))
        .collect();
    if payments.is_empty() {
        return None;
    }
    let paid: Vec<_> = payments
        .iter()
        .filter(|(_, payment)| payment.outcome == PaymentOutcome::Paid)
        .collect();
    let mut failed_by_kind = BTreeMap::new();
    for (_, payment) in &payments {
        if let PaymentOutcome::Failed(kind) = &payment.outcome {
            *failed_by_kind.entry(kind.clone()).or_insert(0) += 1;
        }
    }
    // A payment starts when its hold is answered.
    let first_started = paid.iter().map(|(attempt, _)| attempt.answered_at()).min();
    let last_paid = paid.iter().filter_map(|(_, payment)| payment.paid_at).max();
    let window_s = first_started
        .zip(last_paid)
        .map(|(first, last)| seconds(last.saturating_sub(first)));
    Some(PaymentStats {
        paid: paid.len(),
        tickets_paid: paid
            .iter()
            .map(|(attempt, _)| u64::from(attempt.quantity))
            .sum(),
        window_s,
        paid_per_second: window_s.and_then(|window| rate(paid.len(), window)),
        last_paid_s: last_paid.map(|at| seconds(at.saturating_sub(origin))),
        checkout_latency: summarise(
            payments
                .iter()
                .filter(|(_, payment)| payment.pay_latency.is_some())
                .map(|(_, payment)| payment.checkout_latency)
                .collect(),
        ),
        pay_latency: summarise(
            paid.iter()
                .filter_map(|(_, payment)| payment.pay_latency)
                .collect(),
        ),
        failed_by_kind,
    })
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn rate(count: usize, window_s: f64) -> Option<f64> {
    (window_s > 0.0).then(|| count as f64 / window_s)
}

#[cfg(test)]
mod tests;

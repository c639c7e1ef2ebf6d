use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use super::*;

fn attempt(sent_ms: u64, latency_ms: u64, quantity: u16, outcome: Outcome) -> Attempt {
    Attempt {
        buyer: 0,
        quantity,
        sent_at: Duration::from_millis(sent_ms),
        latency: Duration::from_millis(latency_ms),
        outcome,
        payment: None,
    }
}

fn settings() -> RunSettings {
    RunSettings {
        label: "batched".to_owned(),
        base_url: "http://127.0.0.1:18080".to_owned(),
        capacity: 5,
        buyers: 5,
        concurrency: 2,
        max_tickets: 4,
        seed: 42,
        request_timeout_s: 30,
        pay: false,
        payers: None,
        shared_capacity: false,
    }
}

fn sale() -> SaleUnderTest {
    SaleUnderTest {
        code_uses: None,
        event_id: Uuid::new_v4(),
        ticket_type_id: Uuid::new_v4(),
        capacity: 5,
        shared_with: None,
    }
}

fn rush() -> RushResult {
    RushResult {
        started_at: Utc::now(),
        wall_time: Duration::from_millis(2_100),
        attempts: vec![
            attempt(100, 900, 2, Outcome::Accepted),
            attempt(100, 1_000, 3, Outcome::Accepted),
            attempt(1_000, 500, 4, Outcome::SoldOut),
            attempt(1_100, 900, 1, Outcome::SoldOut),
            attempt(1_500, 100, 1, Outcome::Failed("404".to_owned())),
        ],
    }
}

fn log(holds: u64, held: u64, oversell: u64) -> OversellFinding {
    OversellFinding {
        holds_placed: holds,
        tickets_placed: held,
        final_held_tickets: held,
        max_oversell_tickets: oversell,
        ..OversellFinding::default()
    }
}

#[test]
fn counts_rates_and_sell_out_times() {
    let report = Report::new(settings(), sale(), 11, &rush(), log(2, 5, 0));
    assert_eq!(report.accepted.count, 2);
    assert_eq!(report.tickets_held, 5);
    assert_eq!(report.accepted.window_s, Some(1.0));
    assert_eq!(report.accepted.per_second, Some(2.0));
    assert_eq!(report.refused.count, 2);
    assert_eq!(report.refused.window_s, Some(1.0));
    assert_eq!(report.errors.all.count, 1);
    assert_eq!(report.errors.by_kind["404"], 1);
    // From the first request out (100 ms), not from the start of the tool.
    assert_eq!(report.sell_out.last_hold_answered_s, Some(1.0));
    assert_eq!(report.sell_out.first_sold_out_s, Some(1.4));
    assert!(report.log_agrees_with_answers);
    assert!(!report.oversold());
    let latency = report.accepted.latency.as_ref().unwrap();
    assert_eq!((latency.p50_ms, latency.max_ms), (900.0, 1_000.0));
}

#[test]
fn flags_oversell_and_a_log_that_disagrees() {
    let report = Report::new(settings(), sale(), 11, &rush(), log(3, 6, 1));
    assert!(report.oversold());
    assert!(!report.log_agrees_with_answers);
    let table = render_table(&report);
    assert!(table.contains("FAILED"), "{table}");
    assert!(table.contains("DISAGREE"), "{table}");
}

#[test]
fn a_run_with_only_errors_still_reports() {
    let mut only_errors = rush();
    for attempt in &mut only_errors.attempts {
        attempt.outcome = Outcome::Failed("404".to_owned());
    }
    let report = Report::new(settings(), sale(), 11, &only_errors, log(0, 0, 0));
    assert_eq!(report.accepted.per_second, None);
    assert_eq!(report.sell_out.last_hold_answered_s, None);
    assert_eq!(report.errors.by_kind["404"], 5);
    let row = render_results_row(&report);
    assert!(
        row.contains("| batched | 5 | 5 | 2 | - | - | - | - | - s | 0 |"),
        "{row}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["errors"]["count"], 5);
    assert_eq!(json["log"]["max_oversell_tickets"], 0);
}

#[test]
fn a_paying_run_reports_its_payments_and_checks_them_against_the_log() {
    use crate::payment::{PaymentAttempt, PaymentOutcome};
    let mut paying = rush();
    paying.attempts[0].payment = Some(PaymentAttempt {
        checkout_latency: Duration::from_millis(40),
        pay_latency: Some(Duration::from_millis(60)),
        paid_at: Some(Duration::from_millis(1_100)),
        outcome: PaymentOutcome::Paid,
    });
    paying.attempts[1].payment = Some(PaymentAttempt {
        checkout_latency: Duration::from_millis(30_000),
        pay_latency: None,
        paid_at: None,
        outcome: PaymentOutcome::Failed("checkout timeout".to_owned()),
    });
    let sold_one = OversellFinding {
        holds_sold: 1,
        tickets_sold: 2,
        final_sold_tickets: 2,
        final_held_tickets: 3,
        ..log(2, 5, 0)
    };
    let report = Report::new(settings(), sale(), 11, &paying, sold_one.clone());
    let payments = report.payments.as_ref().unwrap();
    assert_eq!((payments.paid, payments.tickets_paid), (1, 2));
    // From the hold's answer (1,000 ms) to the Pay answer (1,100 ms).
    assert_eq!(payments.window_s, Some(0.1));
    assert_eq!(payments.last_paid_s, Some(1.0));
    assert_eq!(payments.failed_by_kind["checkout timeout"], 1);
    assert_eq!(payments.pay_latency.as_ref().unwrap().p50_ms, 60.0);
    assert!(report.log_agrees_with_answers);
    let row = render_payments_row(&report).unwrap();
    assert!(
        row.contains("| batched | 5 | 5 | 2 | 2 | 1 | 10 |"),
        "{row}"
    );
    assert!(render_table(&report).contains("1 paid (2 tickets)"));

    let unsold = OversellFinding {
        final_held_tickets: 5,
        ..log(2, 5, 0)
    };
    assert!(!Report::new(settings(), sale(), 11, &paying, unsold).log_agrees_with_answers);
    assert_eq!(
        render_payments_row(&Report::new(settings(), sale(), 11, &rush(), log(2, 5, 0))),
        None
    );
}

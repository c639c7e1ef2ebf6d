//! The door benchmark (ignored: run it on purpose, see docs/benchmarks.md): one event's
//! tickets scanned at many doors at once, every ticket twice by two different doors,
//! through the real HTTP route. Reports check-ins per second and verifies in the log that
//! each ticket was admitted exactly once: no admission lost, none doubled.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use uuid::Uuid;

use crate::support::eventually;
use crate::support::tickets::{order_ticket_ids, verdict, TicketsApp};

/// Tickets sold, unless `CARNEAU_DOOR_BENCH_TICKETS` says.
const DEFAULT_TICKETS: u32 = 1_000;
/// Doors scanning at once, unless `CARNEAU_DOOR_BENCH_DOORS` says.
const DEFAULT_DOORS: usize = 20;
/// Tickets per order (the helpers' event allows ten per order).
const TICKETS_PER_ORDER: u32 = 10;

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: sells and scans a thousand tickets; run it on purpose"]
async fn door_bench() {
    let tickets_sold: u32 = setting("CARNEAU_DOOR_BENCH_TICKETS", DEFAULT_TICKETS);
    let doors: usize = setting("CARNEAU_DOOR_BENCH_DOORS", DEFAULT_DOORS);
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let on_sale = payments.event(tickets_sold).await;
    let event = on_sale.event_id;

    // The sale: orders of ten, paid through the fake Stripe.
    let mut ticket_ids: Vec<Uuid> = Vec::new();
    for _ in 0..tickets_sold.div_ceil(TICKETS_PER_ORDER) {
        let quantity = TICKETS_PER_ORDER.min(tickets_sold - ticket_ids.len() as u32);
        let (reservation_id, token) = payments.hold(on_sale, quantity).await;
        let checkout = payments
            .checkout_hold(reservation_id, token, "crowd@example.com")
            .await;
        payments.pay(&checkout).await;
        let order = payments.eventually_status(&checkout, "paid").await;
        ticket_ids.extend(order_ticket_ids(&order));
    }
    let pool = payments.app.database.pool().clone();
    let last = *ticket_ids.last().unwrap();
    eventually("the tickets in the read model", || async {
        carneau_projections::tickets::ticket(&pool, last)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
    let mut staff = Vec::with_capacity(doors);
    for _ in 0..doors {
        staff.push(payments.app.door_staff(event).await.token);
    }

    // Every ticket twice, by two doors, the two scans next to each other in the queue so
    // that they race.
    let scans: Vec<(String, &str)> = ticket_ids
        .iter()
        .enumerate()
        .flat_map(|(i, ticket)| {
            let code = tickets.code(event, *ticket);
            [
                (code.clone(), staff[i % doors].as_str()),
                (code, staff[(i + 1) % doors].as_str()),
            ]
        })
        .collect();
    let started = Instant::now();
    let results: Vec<(String, Duration)> = stream::iter(scans.iter())
        .map(|(code, door)| {
            let tickets = &tickets;
            async move {
                let at = Instant::now();
                let reply = tickets.scan(event, code, Some(door)).await;
                (verdict(&reply).to_owned(), at.elapsed())
            }
        })
        .buffer_unordered(doors)
        .collect()
        .await;
    let elapsed = started.elapsed();

    let admitted = results.iter().filter(|(v, _)| v == "admitted").count();
    let refused = results
        .iter()
        .filter(|(v, _)| v == "already_checked_in")
        .count();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let (facts, distinct): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT aggregate_id) FROM events \
         WHERE aggregate_type = 'Admission' AND event_type = 'TicketCheckedIn'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    println!(
        "door bench: {} tickets, {} scans by {doors} doors in {:.2} s: {:.0} scans/s, \
         {:.0} admissions/s; latency p50 {} ms, p95 {} ms, max {} ms; \
         log: {facts} admissions of {distinct} tickets",
        ticket_ids.len(),
        scans.len(),
        elapsed.as_secs_f64(),
        scans.len() as f64 / elapsed.as_secs_f64(),
        admitted as f64 / elapsed.as_secs_f64(),
        at(0.5).as_millis(),
        at(0.95).as_millis(),
        latencies[latencies.len() - 1].as_millis(),
    );
    let unique: HashSet<&Uuid> = ticket_ids.iter().collect();
    assert_eq!(unique.len(), ticket_ids.len());
    assert_eq!(admitted, ticket_ids.len(), "every ticket admitted once");
    assert_eq!(refused, ticket_ids.len(), "every second scan refused");
    assert_eq!(
        facts,
        ticket_ids.len() as i64,
        "one admission per ticket in the log"
    );
    assert_eq!(distinct, facts, "no ticket admitted twice in the log");
}

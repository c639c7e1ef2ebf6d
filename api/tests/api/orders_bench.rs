//! The organiser's orders benchmark (ignored: run it on purpose, in release, see
//! docs/benchmarks.md): one event with `CARNEAU_ORDERS_BENCH_ORDERS` orders (100,000 by
//! default) written straight into the orders read model, then the list walked page by
//! page through the real HTTP route (every order exactly once, both sorts), searches and
//! filters timed, and both CSV exports streamed while the process's memory is watched.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use carneau_bench::latency::{summarise, LatencySummary};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::payments::PaymentsApp;

/// Orders of the event, unless `CARNEAU_ORDERS_BENCH_ORDERS` says.
const DEFAULT_ORDERS: i64 = 100_000;
/// Page size of the walks (the API's largest).
const WALK_PAGE: u32 = 100;
/// Page size of the timed first pages and searches (the API's default).
const PAGE: u32 = 50;
/// Requests per timed shape.
const SAMPLES: usize = 300;

/// Writes `orders` orders of `event_id` and their lines, tickets and check-ins straight
/// into the read models (tables `orders`, `order_lines`, `order_tickets`, `tickets`), as
/// the projectors would have: paid 85 %, partially refunded 5 %, refunded 3 %, cancelled
/// or expired 4 %, pending 3 %; one or two tickets each; a tenth of the tickets checked
/// in. Three orders share each `placed_at`, so the cursor's tie-break is exercised.
async fn fill(pool: &PgPool, event_id: Uuid, ticket_type_id: Uuid, orders: i64) {
    sqlx::query(
        "INSERT INTO orders (order_id, event_id, reservation_id, buyer_email, status, \
                             total_minor, refunded_minor, currency, provider, session_id, \
                             checkout_url, payment_due_by, placed_at, paid_at, updated_at) \
         SELECT md5('order' || n)::uuid, $1, md5('hold' || n)::uuid, \
                substr(md5('buyer' || n), 1, 10) || '@' || \
                    (ARRAY['example.com', 'mail.test', 'post.test', 'inbox.test'])[n % 4 + 1], \
                CASE WHEN n % 100 < 85 THEN 'paid' \
                     WHEN n % 100 < 90 THEN 'partially_refunded' \
                     WHEN n % 100 < 93 THEN 'refunded' \
                     WHEN n % 100 < 95 THEN 'cancelled' \
                     WHEN n % 100 < 97 THEN 'expired' \
                     WHEN n % 100 < 99 THEN 'awaiting_payment' \
                     ELSE 'payment_pending' END, \
                2500 * (1 + n % 2), \
                CASE WHEN n % 100 BETWEEN 85 AND 89 THEN 2500 \
                     WHEN n % 100 BETWEEN 90 AND 92 THEN 2500 * (1 + n % 2) ELSE 0 END, \
                'EUR', 'stripe', 'cs_bench_' || n, 'https://checkout.test/' || n, \
                now() + interval '1 hour', \
                now() - (n / 3) * interval '1 second', \
                CASE WHEN n % 100 < 93 THEN now() - (n / 3) * interval '1 second' END, now() \
           FROM generate_series(1, $3::bigint) AS n",
    )
    .bind(event_id)
    .bind(ticket_type_id)
    .bind(orders)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_lines (order_id, ticket_type_id, name, quantity, unit_price_minor) \
         SELECT order_id, $2, 'Standing', (total_minor / 2500)::int, 2500 \
           FROM orders WHERE event_id = $1",
    )
    .bind(event_id)
    .bind(ticket_type_id)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_tickets (ticket_id, order_id, event_id, ticket_type_id, status) \
         SELECT md5(o.order_id::text || seat)::uuid, o.order_id, o.event_id, $2, \
                CASE WHEN o.status = 'refunded' OR (o.status = 'partially_refunded' AND seat = 1) \
                     THEN 'refunded' ELSE 'valid' END \
           FROM orders o, generate_series(1, (o.total_minor / 2500)::int) AS seat \
          WHERE o.event_id = $1 AND o.paid_at IS NOT NULL",
    )
    .bind(event_id)
    .bind(ticket_type_id)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tickets (ticket_id, order_id, event_id, ticket_type_id, buyer_email, \
                              issued_at, checked_in_at, checked_in_by) \
         SELECT t.ticket_id, t.order_id, t.event_id, t.ticket_type_id, o.buyer_email, o.paid_at, \
                CASE WHEN get_byte(decode(md5(t.ticket_id::text), 'hex'), 0) < 26 \
                     THEN o.paid_at + interval '30 days' END, \
                CASE WHEN get_byte(decode(md5(t.ticket_id::text), 'hex'), 0) < 26 THEN 'door' END \
           FROM order_tickets t JOIN orders o USING (order_id) WHERE t.event_id = $1",
    )
    .bind(event_id)
    .execute(pool)
    .await
    .unwrap();
    // One attendee named on each order's first seat, of any status: a first name shared by
    // one order in sixteen, and a surname of its own.
    sqlx::query(
        "INSERT INTO order_attendees (order_id, seat, event_id, name) \
         SELECT order_id, 0, event_id, \
                (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', \
                       'John', 'Margaret', 'Ken', 'Radia', 'Tim', 'Hedy', 'Claude', 'Sophie', \
                       'Niklaus'])[get_byte(decode(md5(order_id::text), 'hex'), 1) % 16 + 1] \
                || ' ' || initcap(substr(md5('surname' || order_id::text), 1, 8)) \
           FROM orders WHERE event_id = $1",
    )
    .bind(event_id)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE orders, order_lines, order_tickets, tickets, order_attendees")
        .execute(pool)
        .await
        .unwrap();
}

/// The list with `query`, as the owner; its orders' ids, next cursor and time taken.
async fn page(
    app: &PaymentsApp,
    event: Uuid,
    query: &str,
) -> (Vec<Uuid>, Option<String>, Duration) {
    let path = format!("/organiser/events/{event}/orders?{query}");
    let started = Instant::now();
    let reply = app.organiser(reqwest::Method::GET, &path, None).await;
    let took = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    let ids = reply.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|order: &Value| order["order_id"].as_str().unwrap().parse().unwrap())
        .collect();
    let next = reply.body["next_cursor"].as_str().map(str::to_owned);
    (ids, next, took)
}

/// Walks the whole list for `query` (`WALK_PAGE` at a time): the ids in order, and the
/// time of every page.
async fn walk(app: &PaymentsApp, event: Uuid, query: &str) -> (Vec<Uuid>, Vec<Duration>) {
    let mut ids = Vec::new();
    let mut times = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut asked = format!("{query}&limit={WALK_PAGE}");
        if let Some(cursor) = &cursor {
            asked.push_str(&format!("&cursor={cursor}"));
        }
        let (page_ids, next, took) = page(app, event, &asked).await;
        ids.extend(page_ids);
        times.push(took);
        match next {
            Some(next) => cursor = Some(next),
            None => return (ids, times),
        }
    }
}

fn report(what: &str, summary: Option<LatencySummary>) {
    let summary = summary.unwrap();
    println!(
        "orders bench: {what:<44} n={:<5} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        summary.count, summary.p50_ms, summary.p95_ms, summary.p99_ms, summary.max_ms
    );
}

/// The process's resident memory now and at its peak, in MiB (`/proc/self/status`).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Streams an export, reading it chunk by chunk as a client would: bytes, rows, seconds,
/// and the process's resident memory before and at the most during it.
async fn export(app: &PaymentsApp, event: Uuid, name: &str) -> (usize, usize, f64, f64, f64) {
    let (before, _) = memory_mib();
    let mut peak = before;
    let started = Instant::now();
    let mut response = app
        .app
        .client
        .get(app.app.url(&format!("/organiser/events/{event}/{name}")))
        .bearer_auth(&app.http().organiser_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (mut bytes, mut rows) = (0, 0);
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
        rows += chunk.iter().filter(|byte| **byte == b'\n').count();
        peak = peak.max(memory_mib().0);
    }
    (bytes, rows, started.elapsed().as_secs_f64(), before, peak)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: fills 100,000 orders; run it in release on purpose"]
async fn orders_bench() {
    let orders: i64 = std::env::var("CARNEAU_ORDERS_BENCH_ORDERS")
        .ok()
        .map(|orders| orders.parse().unwrap())
        .unwrap_or(DEFAULT_ORDERS);
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let event = on_sale.event_id;
    let pool = app.app.database.pool().clone();
    let started = Instant::now();
    fill(&pool, event, on_sale.ticket_type_id, orders).await;
    println!(
        "orders bench: {orders} orders written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Every order exactly once, newest first and oldest first.
    for sort in ["newest", "oldest"] {
        let (ids, times) = walk(&app, event, &format!("sort={sort}")).await;
        let unique: HashSet<&Uuid> = ids.iter().collect();
        assert_eq!(ids.len() as i64, orders, "{sort}: every order once");
        assert_eq!(unique.len(), ids.len(), "{sort}: no order twice");
        report(
            &format!("walk, {sort} first, pages of {WALK_PAGE}"),
            summarise(times),
        );
    }
    let (refunded, times) = walk(&app, event, "status=refunded").await;
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders WHERE event_id = $1 AND status IN ('refunded', 'payment_refused')",
    )
    .bind(event)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(refunded.len() as i64, expected, "every refunded order once");
    report(
        &format!("walk, status=refunded, pages of {WALK_PAGE}"),
        summarise(times),
    );

    // First pages and searches, timed one request at a time.
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT buyer_email FROM orders WHERE event_id = $1 ORDER BY md5(buyer_email) LIMIT $2",
    )
    .bind(event)
    .bind(SAMPLES as i64)
    .fetch_all(&pool)
    .await
    .unwrap();
    let order_ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT order_id FROM orders WHERE event_id = $1 ORDER BY md5(buyer_email) DESC LIMIT $2",
    )
    .bind(event)
    .bind(SAMPLES as i64)
    .fetch_all(&pool)
    .await
    .unwrap();
    let full_names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM order_attendees WHERE event_id = $1 ORDER BY md5(name) DESC LIMIT $2",
    )
    .bind(event)
    .bind(SAMPLES as i64)
    .fetch_all(&pool)
    .await
    .unwrap();
    let shapes: Vec<(String, Vec<String>)> = vec![
        (
            "first page, newest first".into(),
            vec![format!("limit={PAGE}"); SAMPLES],
        ),
        (
            "first page, oldest first".into(),
            vec![format!("sort=oldest&limit={PAGE}"); SAMPLES],
        ),
        (
            "first page, status=pending".into(),
            vec![format!("status=pending&limit={PAGE}"); SAMPLES],
        ),
        (
            "search, whole email".into(),
            emails
                .iter()
                .map(|e| format!("q={e}&limit={PAGE}"))
                .collect(),
        ),
        (
            "search, first 4 characters of an email".into(),
            emails
                .iter()
                .map(|e| format!("q={}&limit={PAGE}", &e[..4]))
                .collect(),
        ),
        (
            "search, whole order id".into(),
            order_ids
                .iter()
                .map(|id| format!("q={id}&limit={PAGE}"))
                .collect(),
        ),
        (
            "search, first 8 characters of an order id".into(),
            order_ids
                .iter()
                .map(|id| format!("q={}&limit={PAGE}", &id.to_string()[..8]))
                .collect(),
        ),
        (
            "search, an attendee's whole name".into(),
            full_names
                .iter()
                .map(|name| format!("q={}&limit={PAGE}", name.replace(' ', "%20")))
                .collect(),
        ),
        (
            "search, a first name (one order in 16)".into(),
            full_names
                .iter()
                .map(|name| format!("q={}&limit={PAGE}", name.split(' ').next().unwrap_or("Ada")))
                .collect(),
        ),
        (
            "search, first 2 characters of an email".into(),
            emails
                .iter()
                .map(|e| format!("q={}&limit={PAGE}", &e[..2]))
                .collect(),
        ),
        (
            "search + status=paid, first 2 letters of a name".into(),
            full_names
                .iter()
                .map(|name| format!("q={}&status=paid&limit={PAGE}", &name[..2]))
                .collect(),
        ),
        (
            "search + status=paid, first 3 of an email".into(),
            emails
                .iter()
                .map(|e| format!("q={}&status=paid&limit={PAGE}", &e[..3]))
                .collect(),
        ),
    ];
    for (what, queries) in shapes {
        let mut times = Vec::with_capacity(queries.len());
        for query in &queries {
            let (ids, _, took) = page(&app, event, query).await;
            if query.starts_with("q=") && !query.contains("status") {
                assert!(!ids.is_empty(), "{query} finds its order");
            }
            times.push(took);
        }
        report(&what, summarise(times));
    }

    // The exports, streamed.
    for name in ["orders.csv", "attendees.csv"] {
        let (bytes, rows, seconds, before, peak) = export(&app, event, name).await;
        println!(
            "orders bench: export {name:<14} {rows} rows, {:.1} MiB in {seconds:.2} s; \
             resident memory {before:.0} MiB before, {peak:.0} MiB at most during it",
            bytes as f64 / 1_048_576.0
        );
        if name == "orders.csv" {
            assert_eq!(rows as i64, orders + 1, "a header and every order");
        }
    }
}

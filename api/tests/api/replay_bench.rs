//! The replay benchmark (ignored: run it on purpose, in release, see docs/benchmarks.md):
//! the story of `replay.rs` told once through the API, its log cloned with fresh ids
//! through the real append path until it holds `CARNEAU_REPLAY_BENCH_EVENTS` events
//! (one million by default), then every projector replayed from position zero into a
//! scratch schema and compared with a raw scan of the same log by the same reader.

use std::collections::HashMap;
use std::time::Instant;

use carneau_commands::event_store::{append, NewEvent};
use carneau_domain::account::Account;
use carneau_domain::event::Event;
use carneau_domain::order::Order;
use carneau_domain::{Admission, EventMetadata, Inventory};
use carneau_projections::read_models::read_models;
use carneau_projections::replay::{readable_head, replay, scan_log, Check};
use carneau_projections::{read_matching, LogFilter, LogPosition};
use cqrs_es::Aggregate;
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::support::audit_story::tell_the_story;
use crate::support::tickets::TicketsApp;

/// Events the benchmark's log holds at least, unless `CARNEAU_REPLAY_BENCH_EVENTS` says.
const DEFAULT_BENCH_EVENTS: u64 = 1_000_000;
/// Events per page of the scoped reads timed (the API's default page).
const AUDIT_PAGE: u32 = 100;
/// Copies of the story appended per transaction.
const COPIES_PER_TRANSACTION: u64 = 20;

/// One event of the story, as stored.
struct StoredEvent {
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    payload: Value,
    metadata: Value,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: builds a log of a million events; run it in release on purpose"]
async fn replay_bench() {
    let target: u64 = std::env::var("CARNEAU_REPLAY_BENCH_EVENTS")
        .ok()
        .map(|events| events.parse().unwrap())
        .unwrap_or(DEFAULT_BENCH_EVENTS);
    let mut tickets = TicketsApp::start().await;
    tell_the_story(&tickets).await;
    // From here the log is the benchmark's alone: no projector or process runs beside it.
    tickets.payments.stop_background();
    let pool = tickets.payments.app.database.pool().clone();
    let story = stored_story(&pool).await;

    let started = Instant::now();
    let mut events = story.len() as u64;
    while events < target {
        let mut tx = pool.begin().await.unwrap();
        for _ in 0..COPIES_PER_TRANSACTION {
            append_copy(&mut tx, &story).await;
            events += story.len() as u64;
        }
        tx.commit().await.unwrap();
    }
    println!(
        "built a log of {events} events ({} per story) in {:.1} s",
        story.len(),
        started.elapsed().as_secs_f64()
    );

    time_scoped_reads(&pool).await;

    let head = readable_head(&pool).await.unwrap();
    let scan = scan_log(&pool, head).await.unwrap();
    let replayed = replay(&pool, &read_models(None), Check::ReplayOnly, &|_| {})
        .await
        .unwrap();
    // Each projector walks the whole log but fetches whole (and counts) only the events
    // of its interest: its rate is the log's events over its time, against the scan's.
    println!(
        "{:<12} {:>10} {:>10} {:>12} {:>9} {:>10} {:>9}",
        "reader", "log", "its events", "rows written", "seconds", "log ev/s", "of scan"
    );
    println!(
        "{:<12} {:>10} {:>10} {:>12} {:>9.2} {:>10.0} {:>8}%",
        "raw scan",
        scan.events_read,
        scan.events_read,
        "-",
        scan.elapsed.as_secs_f64(),
        scan.events_per_second(),
        100
    );
    for projector in &replayed.replays {
        assert!(projector.events_read <= scan.events_read);
        let log_rate = scan.events_read as f64 / projector.elapsed.as_secs_f64();
        println!(
            "{:<12} {:>10} {:>10} {:>12} {:>9.2} {:>10.0} {:>8.0}%",
            projector.projector,
            scan.events_read,
            projector.events_read,
            projector.rows_written,
            projector.elapsed.as_secs_f64(),
            log_rate,
            100.0 * log_rate / scan.events_per_second()
        );
    }
}

/// What an organiser's and an event's share of the log cost to read through the
/// auditors' reader in a log this size: the first page, and every page of it.
async fn time_scoped_reads(pool: &PgPool) {
    let (event, organiser): (String, String) = sqlx::query_as(
        "SELECT event_id, organiser_id FROM audit_event_organisers ORDER BY event_id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let scopes = [
        (
            "one organiser's share",
            LogFilter {
                organiser: Some(organiser.parse().unwrap()),
                ..LogFilter::default()
            },
        ),
        (
            "one event's share",
            LogFilter {
                ticketing_event: Some(event.parse().unwrap()),
                ..LogFilter::default()
            },
        ),
    ];
    for (scope, filter) in scopes {
        let started = Instant::now();
        let mut first_page = None;
        let (mut after, mut events, mut pages) = (LogPosition::START, 0, 0);
        loop {
            let page = read_matching(pool, after, AUDIT_PAGE, &filter)
                .await
                .unwrap();
            first_page.get_or_insert(started.elapsed());
            pages += 1;
            events += page.len();
            match page.last() {
                Some(last) if page.len() == AUDIT_PAGE as usize => after = last.position,
                _ => break,
            }
        }
        println!(
            "{scope}: {events} events in {pages} pages of {AUDIT_PAGE}, first page {:.1} ms, \
             all pages {:.1} ms",
            first_page.unwrap_or_default().as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// The story's events in log order.
async fn stored_story(pool: &PgPool) -> Vec<StoredEvent> {
    sqlx::query(
        "SELECT aggregate_type, aggregate_id, sequence, payload, metadata FROM events \
          ORDER BY transaction_id, global_position",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|row| StoredEvent {
        aggregate_type: row.get("aggregate_type"),
        aggregate_id: row.get("aggregate_id"),
        sequence: row.get("sequence"),
        payload: row.get("payload"),
        metadata: row.get("metadata"),
    })
    .collect()
}

/// Appends the story once more, every id in it replaced by a fresh one (the same fresh
/// one wherever the old one appeared), each run of one stream's events in one append.
async fn append_copy(conn: &mut PgConnection, story: &[StoredEvent]) {
    let mut fresh: HashMap<Uuid, Uuid> = HashMap::new();
    let mut start = 0;
    while start < story.len() {
        let first = &story[start];
        let end = start
            + story[start..]
                .iter()
                .take_while(|e| {
                    e.aggregate_type == first.aggregate_type && e.aggregate_id == first.aggregate_id
                })
                .count();
        let run = &story[start..end];
        let id = renamed_text(&first.aggregate_id, &mut fresh);
        let version = u64::try_from(first.sequence - 1).unwrap();
        let payloads: Vec<Value> = run
            .iter()
            .map(|e| renamed(&e.payload, &mut fresh))
            .collect();
        let metadata: Vec<EventMetadata> = run
            .iter()
            .map(|e| serde_json::from_value(renamed(&e.metadata, &mut fresh)).unwrap())
            .collect();
        match first.aggregate_type.as_str() {
            Event::TYPE => append_run::<Event>(conn, &id, version, payloads, &metadata).await,
            Inventory::TYPE => {
                append_run::<Inventory>(conn, &id, version, payloads, &metadata).await
            }
            Order::TYPE => append_run::<Order>(conn, &id, version, payloads, &metadata).await,
            Admission::TYPE => {
                append_run::<Admission>(conn, &id, version, payloads, &metadata).await
            }
            Account::TYPE => append_run::<Account>(conn, &id, version, payloads, &metadata).await,
            other => {
                panic!("the story has events of an aggregate the benchmark does not know: {other}")
            }
        }
        start = end;
    }
}

/// Appends one run of a stream's events through the one write path.
async fn append_run<A: Aggregate>(
    conn: &mut PgConnection,
    aggregate_id: &str,
    version: u64,
    payloads: Vec<Value>,
    metadata: &[EventMetadata],
) {
    let events: Vec<A::Event> = payloads
        .into_iter()
        .map(|payload| serde_json::from_value(payload).unwrap())
        .collect();
    let new: Vec<NewEvent<'_, A::Event>> = events
        .iter()
        .zip(metadata)
        .map(|(event, metadata)| NewEvent { event, metadata })
        .collect();
    append::<A>(conn, aggregate_id, version, &new)
        .await
        .unwrap();
}

/// `value` with every string that is a UUID replaced by its fresh counterpart.
fn renamed(value: &Value, fresh: &mut HashMap<Uuid, Uuid>) -> Value {
    match value {
        Value::String(text) => Value::String(renamed_text(text, fresh)),
        Value::Array(items) => Value::Array(items.iter().map(|v| renamed(v, fresh)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, v)| (key.clone(), renamed(v, fresh)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn renamed_text(text: &str, fresh: &mut HashMap<Uuid, Uuid>) -> String {
    match Uuid::try_parse(text) {
        Ok(old) if text.len() == 36 => fresh.entry(old).or_insert_with(Uuid::now_v7).to_string(),
        _ => text.to_owned(),
    }
}

//! The auditors' read of the log: `GET /audit/log` (order, horizon, cursor, filters,
//! scopes, NDJSON), the histories, and `carneau log export`, which must write what the
//! route streams and what the database holds.

use carneau_api::cli::log_export::{export_log, ExportRequest};
use carneau_commands::event_store::{append, NewEvent};
use carneau_domain::account::{Account, AccountEvent, Role};
use carneau_domain::{EventMetadata, Process};
use indicatif::ProgressBar;
use reqwest::{header, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::authorization::paid_order;
use crate::support::{
    create_account, eventually, expect_problem, spawn_app, Caller, TestAccount, TestApp,
};

const NDJSON: &str = "application/x-ndjson";

async fn auditor(app: &TestApp) -> TestAccount {
    create_account(&app.state, "auditor", &[Role::Auditor]).await
}

/// `GET <path>` as `caller`, answering the JSON body.
async fn json_as(app: &TestApp, path: &str, caller: Caller<'_>) -> Value {
    let response = app.get_as(path, caller).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// Every page of `query` (`limit` per page), following `next_cursor` to the end.
async fn all_pages(app: &TestApp, query: &str, caller: Caller<'_>) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = String::new();
    loop {
        let page = json_as(app, &format!("/audit/log?{query}{after}"), caller).await;
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => after = format!("&after={cursor}"),
            None => return events,
        }
    }
}

fn ids(entries: &[Value]) -> Vec<Uuid> {
    entries
        .iter()
        .map(|entry| entry["event_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The events of the database up to `last` (inclusive), in log order.
async fn stored_ids_up_to(app: &TestApp, last: &Value) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT event_id FROM events \
          WHERE (transaction_id, global_position) <= ($1::text::xid8, $2) \
          ORDER BY transaction_id, global_position",
    )
    .bind(
        last["position"]["transaction_id"]
            .as_u64()
            .unwrap()
            .to_string(),
    )
    .bind(last["position"]["global_position"].as_i64().unwrap())
    .fetch_all(&app.state.pool)
    .await
    .unwrap()
}

/// A published event of the app's organiser with one ticket type; answers (event, type).
async fn published(app: &TestApp, title: &str) -> (Uuid, Uuid) {
    let event = app.published_event(title).await;
    (event.id, event.ticket_types[0].id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_by_cursor_returns_every_event_once_in_log_order() {
    let app = spawn_app().await;
    let (event_id, ticket_type) = published(&app, "Paged").await;
    paid_order(&app, event_id, ticket_type).await;
    let auditor = auditor(&app).await;
    // Waits for the horizon (cluster-wide) to pass the order, which is appended last.
    let events = eventually("the order to be in the log", || async {
        let events = all_pages(&app, "limit=3", auditor.caller()).await;
        events
            .iter()
            .any(|e| e["aggregate_type"] == "Order")
            .then_some(events)
    })
    .await;
    assert!(events.len() > 6, "the walk saw several pages");
    // Nothing the database holds up to the last returned position was skipped or doubled.
    let stored = stored_ids_up_to(&app, events.last().unwrap()).await;
    assert_eq!(ids(&events), stored);
    // Every entry's cursor resumes right after it.
    let third = &events[2]["position"]["cursor"];
    let rest = json_as(
        &app,
        &format!("/audit/log?limit=2&after={}", third.as_str().unwrap()),
        auditor.caller(),
    )
    .await;
    assert_eq!(ids(rest["events"].as_array().unwrap()), ids(&events[3..5]));
}

/// The position of the entry of stream (`aggregate_type`, `aggregate_id`) at `sequence`.
fn find<'a>(
    entries: &'a [Value],
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
) -> Option<&'a Value> {
    entries.iter().find(|e| {
        e["aggregate_type"] == aggregate_type
            && e["aggregate_id"] == aggregate_id
            && e["sequence"] == sequence
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_in_flight_is_held_back_and_later_returned_before_what_followed_it() {
    let app = spawn_app().await;
    let auditor = auditor(&app).await;
    let auditor_id = auditor.id.to_string();
    let version: i64 = sqlx::query_scalar(
        "SELECT max(sequence) FROM events WHERE aggregate_type = 'Account' AND aggregate_id = $1",
    )
    .bind(&auditor_id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    // A transaction starts (and takes its transaction id) before another one commits...
    let mut open = app.state.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *open)
        .await
        .unwrap();
    let later = app.create_draft("Committed meanwhile").await;
    let later_id = later.id.to_string();
    // ...then appends, so its event takes a higher position than the committed one.
    let granted = [AccountEvent::RoleGranted {
        role: Role::Auditor,
    }];
    let metadata = EventMetadata::process(Process::Test, carneau_domain::Cause::Operator);
    append::<Account>(
        &mut open,
        &auditor_id,
        u64::try_from(version).unwrap(),
        &NewEvent::all(&granted, &metadata),
    )
    .await
    .unwrap();
    let committed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Event' AND aggregate_id = $1",
    )
    .bind(&later_id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(committed, 1, "the draft is committed");
    let during = all_pages(&app, "limit=1000", auditor.caller()).await;
    assert!(find(&during, "Account", &auditor_id, version + 1).is_none());
    assert!(
        find(&during, "Event", &later_id, 1).is_none(),
        "nothing after the open transaction is returned, committed or not"
    );
    let resume = during.last().unwrap()["position"]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    open.commit().await.unwrap();
    let after = eventually("both events to be in the log", || async {
        let after = all_pages(
            &app,
            &format!("limit=1000&after={resume}"),
            auditor.caller(),
        )
        .await;
        let granted = find(&after, "Account", &auditor_id, version + 1)?.clone();
        let drafted = find(&after, "Event", &later_id, 1)?.clone();
        Some((after, granted, drafted))
    })
    .await;
    let (after, granted, drafted) = after;
    let at = |entry: &Value| after.iter().position(|e| e == entry).unwrap();
    assert!(at(&granted) < at(&drafted), "the late commit comes first");
    assert!(
        granted["position"]["global_position"].as_i64()
            > drafted["position"]["global_position"].as_i64(),
        "a reader keyed on the position alone would have skipped it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_select_aggregates_events_types_and_times() {
    let app = spawn_app().await;
    let (event_id, ticket_type) = published(&app, "Filtered").await;
    let order_id = paid_order(&app, event_id, ticket_type).await;
    let (other_event, _) = published(&app, "Elsewhere").await;
    let auditor = auditor(&app).await;
    let caller = auditor.caller();

    // The horizon is cluster-wide: another database's long transaction holds it back too,
    // so each read waits for the facts it is about.
    let of_event = eventually("the order to be in the event's log", || async {
        let of_event = all_pages(&app, &format!("event_id={event_id}"), caller).await;
        let mut types: Vec<String> = of_event
            .iter()
            .map(|e| e["aggregate_type"].as_str().unwrap().to_owned())
            .collect();
        types.sort_unstable();
        types.dedup();
        (types == ["Event", "Inventory", "Order"]).then_some(of_event)
    })
    .await;
    assert!(of_event
        .iter()
        .all(|e| e["aggregate_id"] != other_event.to_string()));

    let orders = all_pages(&app, "aggregate_type=Order", caller).await;
    assert!(!orders.is_empty() && orders.iter().all(|e| e["aggregate_type"] == "Order"));
    let one = all_pages(&app, &format!("aggregate_id={order_id}"), caller).await;
    assert_eq!(one[0]["event_type"], "OrderPlaced");
    assert!(one
        .iter()
        .all(|e| e["aggregate_id"] == order_id.to_string()));
    let placed = all_pages(&app, "event_type=OrderPlaced", caller).await;
    assert_eq!(ids(&placed), ids(&one[..1]));

    let drafted = eventually("both drafts to be in the log", || async {
        let drafted = all_pages(&app, "event_type=EventDrafted", caller).await;
        (drafted.len() == 2).then_some(drafted)
    })
    .await;
    let second_at = drafted[1]["recorded_at"].as_str().unwrap();
    let since = all_pages(
        &app,
        &format!("event_type=EventDrafted&since={}", urlencode(second_at)),
        caller,
    )
    .await;
    assert_eq!(ids(&since), ids(&drafted[1..]));
    let until = all_pages(
        &app,
        &format!("event_type=EventDrafted&until={}", urlencode(second_at)),
        caller,
    )
    .await;
    assert_eq!(ids(&until), ids(&drafted[..1]));

    for (query, parameter) in [
        ("after=not-a-cursor", "after"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("event_id=42", "event_id"),
        ("since=yesterday", "since"),
        ("aggregate_type=Ticket", "aggregate_type"),
        (
            &format!("since={0}&until={0}", urlencode(second_at)),
            "until",
        ),
    ] {
        let response = app.get_as(&format!("/audit/log?{query}"), caller).await;
        let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-query").await;
        assert_eq!(problem.errors[0].field, parameter, "{query}");
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_read_everything_organisers_their_own_events_and_nobody_else_anything() {
    let app = spawn_app().await;
    let (own, _) = published(&app, "Own").await;
    let other = app.other_organiser().await;
    let theirs = app
        .post_json_as(
            "/organiser/events",
            &crate::support::event_request("Theirs"),
            other.caller(),
        )
        .await;
    let theirs: Uuid = theirs.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let streams = |entries: &[Value]| -> Vec<String> {
        entries
            .iter()
            .map(|e| e["aggregate_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let both = |streams: &[String]| {
        streams.contains(&own.to_string()) && streams.contains(&theirs.to_string())
    };
    // Each read waits for the log's horizon to pass the events just appended.
    let auditor = auditor(&app).await;
    eventually("the auditor to read both events", || async {
        both(&streams(
            &all_pages(&app, "limit=1000", auditor.caller()).await,
        ))
        .then_some(())
    })
    .await;
    let admin = app.admin().await;
    eventually("the admin to read both events", || async {
        both(&streams(
            &all_pages(&app, "limit=1000", admin.caller()).await,
        ))
        .then_some(())
    })
    .await;

    let mine = eventually("the organiser to read their event", || async {
        let mine = all_pages(&app, "limit=1000", Caller::Organiser).await;
        (!mine.is_empty()).then_some(mine)
    })
    .await;
    assert!(
        mine.iter().all(|e| e["aggregate_id"] == own.to_string()),
        "{mine:?}"
    );
    let refused = app
        .get_as(&format!("/audit/log?event_id={theirs}"), Caller::Organiser)
        .await;
    expect_problem(refused, StatusCode::FORBIDDEN, "not-event-organiser").await;
    let history = app
        .get_as(
            &format!("/audit/events/{theirs}/history"),
            Caller::Organiser,
        )
        .await;
    expect_problem(history, StatusCode::FORBIDDEN, "not-event-organiser").await;

    let buyer = app.buyer().await;
    let refused = app.get_as("/audit/log", buyer.caller()).await;
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app.get_as("/audit/log", Caller::Anonymous).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The NDJSON body of `GET /audit/log?<query>` as an auditor, as lines.
async fn ndjson(app: &TestApp, query: &str, auditor: &TestAccount) -> String {
    let response = app
        .client
        .get(app.url(&format!("/audit/log?{query}")))
        .bearer_auth(&auditor.token)
        .header(header::ACCEPT, NDJSON)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], NDJSON);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_writes_what_the_ndjson_route_streams_and_the_database_holds() {
    let app = spawn_app().await;
    let (event_id, ticket_type) = published(&app, "Exported").await;
    let held = app
        .post_json(
            &format!("/events/{event_id}/reservations"),
            &serde_json::json!({"lines": [{"ticket_type_id": ticket_type, "quantity": 2}]}),
        )
        .await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let auditor = auditor(&app).await;
    // Once the hold is in the log (past its horizon), nothing more is appended to the event.
    eventually("the hold to be in the log", || async {
        let page = json_as(
            &app,
            &format!("/audit/log?event_id={event_id}"),
            auditor.caller(),
        )
        .await;
        let events = page["events"].as_array().unwrap().clone();
        events
            .iter()
            .any(|e| e["event_type"] == "HoldsPlaced")
            .then_some(())
    })
    .await;

    let streamed = ndjson(&app, &format!("event_id={event_id}"), &auditor).await;
    let mut exported = Vec::new();
    let request = ExportRequest {
        event: Some(event_id),
        ..ExportRequest::default()
    };
    let written = export_log(
        &app.state.pool,
        &request,
        &mut exported,
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(String::from_utf8(exported).unwrap(), streamed);

    let lines: Vec<Value> = streamed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(written, lines.len() as u64);
    let stored: Vec<(Uuid, String, i64, String, Value, Value)> = sqlx::query_as(
        "SELECT event_id, aggregate_type, sequence, event_type, payload::jsonb, metadata::jsonb \
           FROM events WHERE aggregate_id = $1 \
          ORDER BY transaction_id, global_position",
    )
    .bind(event_id.to_string())
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    let from_lines: Vec<(Uuid, String, i64, String, Value, Value)> = lines
        .iter()
        .map(|l| {
            (
                l["event_id"].as_str().unwrap().parse().unwrap(),
                l["aggregate_type"].as_str().unwrap().to_owned(),
                l["sequence"].as_i64().unwrap(),
                l["event_type"].as_str().unwrap().to_owned(),
                l["payload"].clone(),
                l["metadata"].clone(),
            )
        })
        .collect();
    assert_eq!(from_lines, stored);
    // The JSON pages hold the same entries.
    let paged = all_pages(
        &app,
        &format!("event_id={event_id}&limit=2"),
        auditor.caller(),
    )
    .await;
    assert_eq!(paged, lines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_tell_each_fact_with_its_actor_cause_and_a_sentence() {
    let app = spawn_app().await;
    let (event_id, ticket_type) = published(&app, "Told").await;
    let order_id = paid_order(&app, event_id, ticket_type).await;
    let auditor = auditor(&app).await;
    let path = format!("/audit/orders/{order_id}/history");
    // The log shows a fact once every transaction older than it has ended (its horizon):
    // the order may take a moment to be there, and its fulfilment happens in the background.
    let history = eventually("the order's tickets to be issued", || async {
        let response = app.get_as(&path, auditor.caller()).await;
        if response.status() == StatusCode::NOT_FOUND {
            return None;
        }
        let history: Value = response.json().await.unwrap();
        let facts = history["facts"].as_array().unwrap();
        facts
            .iter()
            .any(|f| f["event_type"] == "TicketsIssued")
            .then_some(history)
    })
    .await;
    let facts = history["facts"].as_array().unwrap();
    let placed = &facts[0];
    assert_eq!(placed["event_type"], "OrderPlaced");
    assert_eq!(placed["actor"]["kind"], "guest");
    assert_eq!(placed["cause"]["kind"], "request");
    let sentence = placed["sentence"].as_str().unwrap();
    assert!(
        sentence.starts_with("Order placed by guest (reservation "),
        "{sentence}"
    );
    assert!(
        sentence.contains("for 1 × Standing, EUR 25.00, at "),
        "{sentence}"
    );
    assert!(sentence.contains(" UTC ("), "{sentence}");
    let paid = facts
        .iter()
        .find(|f| f["event_type"] == "PaymentReceived")
        .unwrap();
    assert_eq!(paid["actor"]["kind"], "payment_provider");
    let sentence = paid["sentence"].as_str().unwrap();
    assert!(
        sentence.starts_with("Payment confirmed by the simulated checkout (event "),
        "{sentence}"
    );

    let story = json_as(
        &app,
        &format!("/audit/events/{event_id}/history"),
        auditor.caller(),
    )
    .await;
    let first = story["facts"][0]["sentence"].as_str().unwrap();
    let organiser = app.organiser.id;
    assert!(
        first.starts_with(&format!(
            "Event \"Told\" drafted by organiser {organiser}, at "
        )),
        "{first}"
    );
    let zone = story["time_zone"].as_str().unwrap();
    assert!(first.contains(zone), "{first} names {zone}");
    assert_eq!(story["orders"][0]["order_id"], order_id.to_string());
    assert!(story["facts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["aggregate_type"] == "Inventory"));

    let unknown = app
        .get_as(
            &format!("/audit/orders/{}/history", Uuid::new_v4()),
            auditor.caller(),
        )
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, "order-not-found").await;
    let unknown = app
        .get_as(
            &format!("/audit/events/{}/history", Uuid::new_v4()),
            auditor.caller(),
        )
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, "event-not-found").await;
}

//! `GET /audit/log`'s filters and who reads what: auditors and admins the whole log,
//! organisers their own events, nobody else anything.

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::authorization::paid_order;
use crate::support::audit::{all_pages, auditor, ids, published};
use crate::support::{event_request, eventually, expect_problem, spawn_app, Caller};

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
            &event_request("Theirs"),
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

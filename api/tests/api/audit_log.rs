//! The auditors' read of the log, `GET /audit/log`: its order never skips a commit in
//! flight, and its cursor walks every event exactly once.

use carneau_commands::event_store::{append, NewEvent};
use carneau_domain::account::{Account, AccountEvent, Role};
use carneau_domain::{EventMetadata, Process};
use serde_json::Value;
use uuid::Uuid;

use crate::authorization::paid_order;
use crate::support::audit::{all_pages, auditor, ids, json_as, published};
use crate::support::{eventually, spawn_app, TestApp};

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
    // Where to resume from: the auditor's last event, once the log's (cluster-wide)
    // horizon has passed it.
    let resume = eventually("the auditor's account to be in the log", || async {
        let seen = all_pages(&app, "limit=1000", auditor.caller()).await;
        let last = find(&seen, "Account", &auditor_id, version)?;
        Some(last["position"]["cursor"].as_str().unwrap().to_owned())
    })
    .await;
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
    assert!(
        find(&during, "Account", &auditor_id, version).is_some(),
        "what committed before the open transaction began is returned"
    );
    assert!(find(&during, "Account", &auditor_id, version + 1).is_none());
    assert!(
        find(&during, "Event", &later_id, 1).is_none(),
        "nothing after the open transaction is returned, committed or not"
    );
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

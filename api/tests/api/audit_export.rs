//! The log as NDJSON: `carneau log export` writes what the route streams, which is what
//! the database holds and what the JSON pages hold.

use carneau_api::cli::log_export::{export_log, ExportRequest};
use indicatif::ProgressBar;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::cli_accounts::carneau;
use crate::support::audit::{all_pages, auditor, json_as, ndjson, published};
use crate::support::{eventually, spawn_app};

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
async fn the_binary_creates_auditors_and_exports_what_the_route_streams() {
    let app = spawn_app().await;
    let (event_id, _) = published(&app, "Exported by the binary").await;
    let created = carneau(
        &app.database,
        &app.redis,
        Some("auditor password 1"),
        &[
            "accounts",
            "create",
            "--email",
            "audit@example.com",
            "--name",
            "Audit",
            "--role",
            "auditor",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&created.stdout);
    let stderr = String::from_utf8_lossy(&created.stderr);
    assert!(created.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("as auditor"), "{stdout}");

    let auditor = auditor(&app).await;
    eventually("the publication to be in the log", || async {
        let page = json_as(
            &app,
            &format!("/audit/log?event_id={event_id}"),
            auditor.caller(),
        )
        .await;
        let events = page["events"].as_array().unwrap().clone();
        events
            .iter()
            .any(|e| e["event_type"] == "EventPublished")
            .then_some(())
    })
    .await;
    let event = event_id.to_string();
    let exported = carneau(
        &app.database,
        &app.redis,
        None,
        &["log", "export", "--event", &event],
    )
    .await;
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert!(
        exported.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
    let streamed = ndjson(&app, &format!("event_id={event_id}"), &auditor).await;
    assert_eq!(String::from_utf8(exported.stdout).unwrap(), streamed);
    assert!(streamed.lines().count() >= 3);
}

//! Audit test support: an auditor, the log read page by page or as NDJSON, and an event
//! to read about.

use reqwest::{header, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{create_account, Caller, TestAccount, TestApp};
use carneau_domain::account::Role;

/// The media type of the log as NDJSON.
pub const NDJSON: &str = "application/x-ndjson";

/// A new auditor, signed in.
pub async fn auditor(app: &TestApp) -> TestAccount {
    create_account(&app.state, "auditor", &[Role::Auditor]).await
}

/// `GET <path>` as `caller`, answering the JSON body.
pub async fn json_as(app: &TestApp, path: &str, caller: Caller<'_>) -> Value {
    let response = app.get_as(path, caller).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// Every page of `query` (`limit` per page), following `next_cursor` to the end.
pub async fn all_pages(app: &TestApp, query: &str, caller: Caller<'_>) -> Vec<Value> {
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

/// The `event_id`s of log entries.
pub fn ids(entries: &[Value]) -> Vec<Uuid> {
    entries
        .iter()
        .map(|entry| entry["event_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A published event of the app's organiser with one ticket type; answers (event, type).
pub async fn published(app: &TestApp, title: &str) -> (Uuid, Uuid) {
    let event = app.published_event(title).await;
    (event.id, event.ticket_types[0].id)
}

/// The NDJSON body of `GET /audit/log?<query>` as an auditor, as lines.
pub async fn ndjson(app: &TestApp, query: &str, auditor: &TestAccount) -> String {
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

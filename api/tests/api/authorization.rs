//! Walks the route table of docs/security.md against the running API, as every kind of
//! caller, and fails on any difference; also fails when a route of the OpenAPI document is
//! missing from the table (or the table names a route the API does not have).

use std::collections::BTreeSet;

use carneau_domain::account::{AccountCommand, Role};
use carneau_domain::ids::EventId;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::accounts::{issue_session, run_account_command, TestAccount, TEST_PASSWORD};
use crate::support::{
    create_account, event_request, expect_event, spawn_app_with, ticket_type_request, Caller,
    TestApp,
};

/// The table, as committed.
const SECURITY_DOC: &str = include_str!("../../../docs/security.md");

/// The callers, in the table's column order.
const CALLERS: [&str; 7] = [
    "anonymous",
    "buyer",
    "other organiser",
    "owner",
    "door staff",
    "admin",
    "auditor",
];

/// What the table says one caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Yes,
    No,
    Token,
}

#[derive(Debug)]
struct Row {
    method: Method,
    path: String,
    access: Vec<Access>,
}

fn table() -> Vec<Row> {
    let mut lines = SECURITY_DOC.lines().skip_while(|line| {
        !line.starts_with(
            "| method | path | anonymous | buyer | other organiser | owner | door staff | admin | auditor |",
        )
    });
    assert!(
        lines.next().is_some(),
        "docs/security.md has no route table"
    );
    lines
        .skip(1) // the | --- | line
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 2 + CALLERS.len(), "malformed row: {line}");
            let access = cells[2..]
                .iter()
                .map(|cell| match *cell {
                    "yes" => Access::Yes,
                    "no" => Access::No,
                    "token" => Access::Token,
                    other => panic!("unknown cell {other:?} in {line}"),
                })
                .collect();
            Row {
                method: cells[0].parse().unwrap(),
                path: cells[1].to_owned(),
                access,
            }
        })
        .collect()
}

#[test]
fn the_table_lists_every_route_of_the_api_and_no_other() {
    let document = serde_json::to_value(carneau_api::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let listed: BTreeSet<String> = table()
        .iter()
        .map(|row| format!("{} {}", row.method, row.path))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from docs/security.md: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/security.md lists routes the API lacks: {unknown:?}"
    );
}

/// Everything one row is walked with: a fresh event of the owner, and the accounts.
struct Fixture<'a> {
    app: &'a TestApp,
    buyer: TestAccount,
    other_organiser: TestAccount,
    door_staff: TestAccount,
    admin: TestAccount,
    auditor: TestAccount,
    target: TestAccount,
}

impl Fixture<'_> {
    /// The account behind a caller column (`None`: anonymous).
    fn account(&self, caller: &str) -> Option<&TestAccount> {
        match caller {
            "anonymous" => None,
            "buyer" => Some(&self.buyer),
            "other organiser" => Some(&self.other_organiser),
            "owner" => Some(&self.app.organiser),
            "door staff" => Some(&self.door_staff),
            "admin" => Some(&self.admin),
            "auditor" => Some(&self.auditor),
            other => panic!("unknown caller {other}"),
        }
    }
}

/// A body that passes validation where the route reads one, so that what the walk sees
/// is the authorization decision, not a 422.
fn body_for(method: &Method, path: &str, fixture: &Fixture<'_>) -> Option<Value> {
    if *method == Method::GET || *method == Method::DELETE {
        return None;
    }
    Some(match path {
        "/organiser/events" => event_request("Walked"),
        "/organiser/events/{event_id}/ticket-types" => ticket_type_request("Walked", 1_000),
        "/organiser/events/{event_id}/ticket-types/{ticket_type_id}" => json!({"name": "Renamed"}),
        "/organiser/events/{event_id}" => json!({"title": "Renamed"}),
        "/organiser/events/{event_id}/capacity-pools" => {
            json!({"name": "Venue", "capacity": 10, "ticket_type_ids": [Uuid::new_v4()]})
        }
        "/organiser/events/{event_id}/capacity-pools/{pool_id}" => json!({"name": "Renamed"}),
        "/organiser/events/{event_id}/waiting-list" => json!({"open": true}),
        "/organiser/events/{event_id}/door-staff" => json!({"email": fixture.target.email}),
        "/organiser/events/{event_id}/images/{image_id}" => json!({"alt": "Walked"}),
        "/organiser/events/{event_id}/image-order" => json!({"image_ids": []}),
        "/reservations/{reservation_id}/checkout" => json!({"email": "walker@example.com"}),
        "/organiser/events/{event_id}/vouchers" => json!({"code": "WALKED-CODE", "terms": {
            "discount": {"kind": "percent", "percent": 10}, "max_uses": 5, "counting": "per_ticket"}}),
        "/organiser/events/{event_id}/vouchers/bulk" => {
            json!({"prefix": "WALK", "count": 2, "terms": {
            "discount": {"kind": "percent", "percent": 10}, "max_uses": 1, "counting": "per_order"}})
        }
        "/organiser/events/{event_id}/vouchers/{code}" if *method == Method::PUT => json!({
            "discount": {"kind": "percent", "percent": 10}, "max_uses": 5, "counting": "per_ticket"}),
        "/organiser/events/{event_id}/vouchers/{code}" => json!({"enabled": false}),
        "/door/events/{event_id}/check-ins" => json!({"code": "not a ticket"}),
        "/door/events/{event_id}/offline-scans" => json!({"device_id": "walker", "scans": []}),
        "/sessions" => json!({"email": fixture.buyer.email, "password": TEST_PASSWORD}),
        "/me/password" => {
            json!({"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD})
        }
        _ => json!({}),
    })
}

async fn walk_row(fixture: &Fixture<'_>, row: &Row) -> Vec<String> {
    let app = fixture.app;
    // A fresh event per row (a row that cancels or empties it does not touch the next),
    // made with a fresh session of the owner (an earlier row may have signed them out).
    let owner = issue_session(&app.state, app.organiser.account_id()).await;
    let owner = Caller::Token(&owner);
    let created = app
        .post_json_as("/organiser/events", &event_request("Walked event"), owner)
        .await;
    let event = expect_event(created, StatusCode::CREATED).await;
    let ticket_types = format!("/organiser/events/{}/ticket-types", event.id);
    let added = app
        .post_json_as(
            &ticket_types,
            &ticket_type_request("Standing", 2_500),
            owner,
        )
        .await;
    let ticket_type = expect_event(added, StatusCode::CREATED).await.ticket_types[0].id;
    let publish = format!("/organiser/events/{}/publish", event.id);
    let published = app.send(Method::POST, &publish, owner, None::<&()>).await;
    expect_event(published, StatusCode::OK).await;
    run_account_command(
        &app.state,
        fixture.door_staff.account_id(),
        AccountCommand::GrantDoorStaff(EventId::from_uuid(event.id)),
    )
    .await;
    // Order routes are walked on a real paid order of the event (simulated checkout).
    let order_id = if row.path.contains("{order_id}") {
        paid_order(app, event.id, ticket_type).await
    } else {
        Uuid::new_v4()
    };
    let path = row
        .path
        .replace("{order_id}", &order_id.to_string())
        .replace("{session_id}", "sim_cs_walk")
        .replace("{event_id}", &event.id.to_string())
        .replace("{ticket_type_id}", &ticket_type.to_string())
        .replace("{reservation_id}", &Uuid::new_v4().to_string())
        .replace("{entry_id}", &Uuid::new_v4().to_string())
        .replace("{ticket_id}", &Uuid::new_v4().to_string())
        .replace("{image_id}", &Uuid::new_v4().to_string())
        .replace("{pool_id}", &Uuid::new_v4().to_string())
        .replace("{width}", "480")
        .replace("{account_id}", &fixture.target.id.to_string())
        .replace("{role}", "organiser")
        .replace("{message_id}", "1")
        .replace("{seat}", "0")
        .replace("{code}", "WALKED-CODE");
    assert!(
        !path.contains('{'),
        "{} {}: add a value for its path parameter in api/tests/api/authorization.rs",
        row.method,
        row.path
    );
    let mut differences = Vec::new();
    for (caller, expected) in CALLERS.iter().zip(&row.access) {
        let mut request = app.client.request(row.method.clone(), app.url(&path));
        if let Some(account) = fixture.account(caller) {
            // A session of its own per request: a row that signs out ends only it.
            let token = issue_session(&app.state, account.account_id()).await;
            request = request.bearer_auth(token);
        }
        if let Some(body) = body_for(&row.method, &row.path, fixture) {
            request = request.json(&body);
        }
        let status = request.send().await.unwrap().status();
        let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
        let matches = match expected {
            Access::Yes => !denied && !status.is_server_error(),
            Access::No => denied,
            Access::Token => status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND,
        };
        if !matches {
            differences.push(format!(
                "{} {} as {caller}: table says {expected:?}, API answered {status}",
                row.method, row.path
            ));
        }
    }
    differences
}

/// A paid order of one ticket of `event_id`, bought as a guest on the simulated checkout.
pub(crate) async fn paid_order(app: &TestApp, event_id: Uuid, ticket_type_id: Uuid) -> Uuid {
    let lines = json!({"lines": [{"ticket_type_id": ticket_type_id, "quantity": 1}]});
    let held = app
        .post_json(&format!("/events/{event_id}/reservations"), &lines)
        .await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let hold: Value = held.json().await.unwrap();
    let checkout: Value = app
        .client
        .post(app.url(&format!(
            "/reservations/{}/checkout",
            hold["id"].as_str().unwrap()
        )))
        .bearer_auth(hold["token"].as_str().unwrap())
        .json(&json!({"email": "walker@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = checkout["checkout_url"].as_str().unwrap();
    let session = page.rsplit('/').next().unwrap();
    // The page redirects to the web client, which does not run here: do not follow.
    let paid = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url(&format!("/simulated-checkout/{session}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    checkout["order_id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_lets_through_exactly_whom_the_table_says() {
    let app = spawn_app_with(&[
        ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "10000/60"),
        ("CARNEAU_LOGIN_LIMIT_PER_EMAIL", "10000/60"),
        ("CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS", "10000/60"),
        ("CARNEAU_RESET_LIMIT_PER_ADDRESS", "10000/60"),
        ("CARNEAU_RESET_LIMIT_PER_EMAIL", "10000/60"),
    ])
    .await;
    let fixture = Fixture {
        buyer: app.buyer().await,
        other_organiser: app.other_organiser().await,
        door_staff: app.buyer().await,
        admin: app.admin().await,
        auditor: create_account(&app.state, "auditor", &[Role::Auditor]).await,
        target: app.buyer().await,
        app: &app,
    };
    let mut differences = Vec::new();
    for row in table() {
        differences.extend(walk_row(&fixture, &row).await);
    }
    assert!(
        differences.is_empty(),
        "docs/security.md and the API differ:\n{}",
        differences.join("\n")
    );
}

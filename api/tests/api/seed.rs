//! `serve --seed`: demo accounts that can sign in, an organiser owning the demo events,
//! door staff for them; seeding twice changes nothing.

use carneau_domain::account::Password;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::spawn_app;

const DEMO_PASSWORD: &str = "demo password 123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_accounts_sign_in_and_the_organiser_owns_the_demo_events() {
    let app = spawn_app().await;
    let password = Password::parse(DEMO_PASSWORD).unwrap();
    carneau_api::seed::seed_demo(&app.state, &password)
        .await
        .unwrap();
    let events_after_first = app.stored_event_count().await;
    carneau_api::seed::seed_demo(&app.state, &password)
        .await
        .unwrap();
    assert_eq!(app.stored_event_count().await, events_after_first);

    let mut tokens = std::collections::HashMap::new();
    for (email, _, _) in carneau_api::seed::DEMO_ACCOUNTS {
        let response = app.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
        let body: Value = response.json().await.unwrap();
        tokens.insert(*email, body);
    }
    let roles = |email: &str| tokens[email]["account"]["roles"].clone();
    assert_eq!(roles("admin@carneau.test"), json!(["admin"]));
    assert_eq!(roles("organiser@carneau.test"), json!(["organiser"]));
    assert_eq!(roles("buyer@carneau.test"), json!([]));

    let organiser = tokens["organiser@carneau.test"]["session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The door staff account works every demo event: the read model shows them all once
    // it has caught up (waiting for fewer raced its last event).
    let door = tokens["door@carneau.test"]["account"]["door_staff_events"]
        .as_array()
        .unwrap()
        .clone();
    assert!(door.len() >= 3, "{door:?}");
    let wanted = door.len();
    let mine: Value = crate::support::eventually("the demo events in the read model", || {
        let app = &app;
        let organiser = organiser.clone();
        async move {
            let list: Value = app
                .get_as(
                    "/organiser/events",
                    crate::support::Caller::Token(&organiser),
                )
                .await
                .json()
                .await
                .unwrap();
            (list["items"].as_array().unwrap().len() >= wanted).then_some(list)
        }
    })
    .await;
    let owned: Vec<&Value> = mine["items"].as_array().unwrap().iter().collect();
    assert_eq!(door.len(), owned.len());
    for event in owned {
        assert!(door.contains(&event["id"]));
    }
}

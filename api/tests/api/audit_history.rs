//! The histories: one order's or one event's story, each fact with its actor, its cause
//! and a sentence a person reads.

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::authorization::paid_order;
use crate::support::audit::{auditor, json_as, published};
use crate::support::{eventually, expect_problem, spawn_app};

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

    let story_path = format!("/audit/events/{event_id}/history");
    // The organiser's name comes from the accounts read model, which its projector fills
    // a moment after the registration.
    let named = format!(
        "Event \"Told\" drafted by organiser Test organiser <{}>, at ",
        app.organiser.email
    );
    let story = eventually("the organiser to be named", || async {
        let story = json_as(&app, &story_path, auditor.caller()).await;
        let first = story["facts"][0]["sentence"].as_str().unwrap();
        first.starts_with(&named).then_some(story)
    })
    .await;
    let first = story["facts"][0]["sentence"].as_str().unwrap();
    let organiser = app.organiser.id;
    assert_eq!(story["organiser_id"], organiser.to_string());
    let who = &story["facts"][0]["actor_account"];
    assert_eq!(who["account_id"], organiser.to_string());
    assert_eq!(who["email"], app.organiser.email.as_str());
    assert_eq!(who["name"], "Test organiser");
    assert_eq!(history["facts"][0]["actor_account"], Value::Null, "a guest");
    let zone = story["time_zone"].as_str().unwrap();
    assert!(first.contains(zone), "{first} names {zone}");
    assert_eq!(story["orders"][0]["order_id"], order_id.to_string());
    assert!(story["facts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["aggregate_type"] == "Inventory"));

    // The log's pages name the accounts of their entries too, in one list.
    let page = json_as(
        &app,
        &format!("/audit/log?event_id={event_id}"),
        auditor.caller(),
    )
    .await;
    let accounts = page["accounts"].as_array().unwrap();
    assert!(
        accounts
            .iter()
            .any(|a| a["account_id"] == organiser.to_string()
                && a["email"] == app.organiser.email.as_str()),
        "{accounts:?}"
    );

    // An account no longer known (deleted from the accounts' tables) keeps its id and
    // reads as unknown.
    for table in ["door_staff_accounts", "account_emails"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(organiser)
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    let story = json_as(&app, &story_path, auditor.caller()).await;
    let first = story["facts"][0]["sentence"].as_str().unwrap();
    assert!(
        first.starts_with(&format!(
            "Event \"Told\" drafted by organiser {organiser} (unknown account), at "
        )),
        "{first}"
    );
    let who = &story["facts"][0]["actor_account"];
    assert_eq!(who["account_id"], organiser.to_string());
    assert_eq!(who["email"], Value::Null);

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

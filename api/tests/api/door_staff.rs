//! The organiser's list of an event's door staff: the owner (or an admin) sees who was
//! granted access, with email, name and since when; a withdrawal takes the row away; other
//! organisers, buyers and anonymous callers are refused.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{
    event_request_starting, eventually, expect_problem, in_days, spawn_app, ticket_type_request,
    Caller, TestApp,
};

fn door_staff_path(event_id: Uuid) -> String {
    format!("/organiser/events/{event_id}/door-staff")
}

/// The list as `caller` gets it.
async fn list(app: &TestApp, event_id: Uuid, caller: Caller<'_>) -> Vec<Value> {
    let response = app.get_as(&door_staff_path(event_id), caller).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["door_staff"].as_array().unwrap().clone()
}

/// Waits until the read model lists exactly `expected` (account ids, in order).
async fn eventually_lists(app: &TestApp, event_id: Uuid, expected: &[Uuid]) -> Vec<Value> {
    eventually("the door staff list", || async {
        let rows = list(app, event_id, Caller::Organiser).await;
        let ids: Vec<Uuid> = rows
            .iter()
            .map(|row| row["account_id"].as_str().unwrap().parse().unwrap())
            .collect();
        (ids == expected).then_some(rows)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sees_door_staff_with_email_name_and_grant_time() {
    let app = spawn_app().await;
    let event = app.published_event("Night Market").await;
    let first = app.buyer().await;
    let second = app.buyer().await;
    assert!(list(&app, event.id, Caller::Organiser).await.is_empty());

    for staff in [&first, &second] {
        let granted = app
            .post_json_as(
                &door_staff_path(event.id),
                &json!({"email": staff.email}),
                Caller::Organiser,
            )
            .await;
        assert_eq!(granted.status(), StatusCode::OK);
        let granted: Value = granted.json().await.unwrap();
        assert_eq!(granted["name"], "Test buyer");
    }
    let rows = eventually_lists(&app, event.id, &[first.id, second.id]).await;
    assert_eq!(rows[0]["email"], first.email);
    assert_eq!(rows[0]["name"], "Test buyer");
    assert!(rows[0]["granted_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .is_ok());
    assert_eq!(rows[1]["email"], second.email);

    // Staff of another event are not listed here.
    let other = app.published_event("Other Night").await;
    let elsewhere = app.door_staff(other.id).await;
    eventually_lists(&app, other.id, &[elsewhere.id]).await;
    assert_eq!(list(&app, event.id, Caller::Organiser).await.len(), 2);

    // An admin sees the same list.
    let admin = app.admin().await;
    assert_eq!(list(&app, event.id, admin.caller()).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_takes_the_row_away() {
    let app = spawn_app().await;
    let event = app.published_event("Harbour Lights").await;
    let kept = app.door_staff(event.id).await;
    let removed = app.door_staff(event.id).await;
    eventually_lists(&app, event.id, &[kept.id, removed.id]).await;

    let withdrawn = app
        .delete_as(
            &format!("{}/{}", door_staff_path(event.id), removed.id),
            Caller::Organiser,
        )
        .await;
    assert_eq!(withdrawn.status(), StatusCode::NO_CONTENT);
    eventually_lists(&app, event.id, &[kept.id]).await;

    // Granted again, the member is back with a new grant time.
    let regranted = app
        .post_json_as(
            &door_staff_path(event.id),
            &json!({"email": removed.email}),
            Caller::Organiser,
        )
        .await;
    assert_eq!(regranted.status(), StatusCode::OK);
    eventually_lists(&app, event.id, &[kept.id, removed.id]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_and_admins_may_see_the_list() {
    let app = spawn_app().await;
    let event = app.published_event("Quiet Hall").await;
    let path = door_staff_path(event.id);
    let staff = app.door_staff(event.id).await;
    let stranger = app.other_organiser().await;
    let buyer = app.buyer().await;

    expect_problem(
        app.get_as(&path, Caller::Anonymous).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.get_as(&path, stranger.caller()).await,
        StatusCode::FORBIDDEN,
        "not-event-organiser",
    )
    .await;
    expect_problem(
        app.get_as(&path, buyer.caller()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Door staff work the door; they do not manage who else does.
    expect_problem(
        app.get_as(&path, staff.caller()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get_as(&door_staff_path(Uuid::new_v4()), Caller::Organiser)
            .await,
        StatusCode::NOT_FOUND,
        "event-not-found",
    )
    .await;
}

/// The ids `GET /door/events` lists for `caller`, in order.
async fn door_list(app: &TestApp, caller: Caller<'_>) -> Vec<Uuid> {
    let response = app.get_as("/door/events", caller).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_list_has_the_events_one_may_scan_for_soonest_first_without_drafts() {
    let app = spawn_app().await;
    let later = app
        .create_event(&event_request_starting("Late show", in_days(60)))
        .await;
    app.add_ticket_type(later.id, &ticket_type_request("Standing", 2500))
        .await;
    app.publish(later.id).await;
    let sooner = app.published_event("Early show").await;
    let draft = app.create_draft("Not on sale yet").await;
    let staff = app.door_staff(later.id).await;
    let admin = app.admin().await;
    let buyer = app.buyer().await;
    let other_organiser = app.other_organiser().await;

    let both = eventually("both published events listed", || async {
        let listed = door_list(&app, Caller::Organiser).await;
        (listed.len() == 2).then_some(listed)
    })
    .await;
    assert_eq!(both, [sooner.id, later.id]);
    assert!(!both.contains(&draft.id));
    assert_eq!(door_list(&app, staff.caller()).await, [later.id]);
    assert_eq!(door_list(&app, admin.caller()).await, [sooner.id, later.id]);
    assert_eq!(door_list(&app, buyer.caller()).await, Vec::<Uuid>::new());
    assert_eq!(
        door_list(&app, other_organiser.caller()).await,
        Vec::<Uuid>::new()
    );
    expect_problem(
        app.get("/door/events").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

//! An organiser preparing an event over HTTP: create it, add ticket types, publish it,
//! retry safely with `Idempotency-Key`, and edit it safely with `If-Match`.

use std::collections::HashSet;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::{
    etag, event_request, expect_event, expect_problem, spawn_app, ticket_type_request, Caller,
    TestApp,
};

/// How many organisers edit one event at the same moment in the race test.
const CONCURRENT_EDITS: usize = 12;

fn event_path(event_id: Uuid) -> String {
    format!("/organiser/events/{event_id}")
}

fn ticket_types_path(event_id: Uuid) -> String {
    format!("/organiser/events/{event_id}/ticket-types")
}

/// `POST /organiser/events` as the organiser with an `Idempotency-Key`.
async fn create_with_key(app: &TestApp, key: &str, body: &serde_json::Value) -> reqwest::Response {
    app.request(Method::POST, "/organiser/events", Caller::Organiser)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// `POST .../ticket-types` as the organiser with an `Idempotency-Key`.
async fn add_ticket_type_with_key(
    app: &TestApp,
    event_id: Uuid,
    key: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &ticket_types_path(event_id),
        Caller::Organiser,
    )
    .header("idempotency-key", key)
    .json(body)
    .send()
    .await
    .unwrap()
}

/// `PATCH /organiser/events/{id}` as the organiser, with `If-Match` when given.
async fn edit(
    app: &TestApp,
    event_id: Uuid,
    if_match: Option<&str>,
    body: &serde_json::Value,
) -> reqwest::Response {
    let mut request = app.request(Method::PATCH, &event_path(event_id), Caller::Organiser);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.json(body).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_an_event_answers_201_with_its_location_and_first_etag() {
    let app = spawn_app().await;
    let response = app
        .post_json_as(
            "/organiser/events",
            &event_request("Jazz at Dusk"),
            Caller::Organiser,
        )
        .await;
    assert_eq!(etag(&response), "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = expect_event(response, StatusCode::CREATED).await;

    assert_eq!(location, event_path(created.id));
    assert_eq!(created.status, "draft");
    assert_eq!(created.title, "Jazz at Dusk");
    assert_eq!(created.venue.name, "Le Sunset");
    assert_eq!(created.time_zone, "Europe/Paris");
    assert_eq!(created.currency, "EUR");
    assert_eq!(created.version, 1);
    assert!(created.ticket_types.is_empty());

    let (seen, tag) = app.organiser_event(created.id).await;
    assert_eq!(tag, "\"1\"");
    assert_eq!(seen, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_types_are_added_in_order_and_each_add_moves_the_etag() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let path = ticket_types_path(draft.id);

    let mut tags = Vec::new();
    for (name, price) in [("Standing", 2500), ("Balcony", 4500)] {
        let response = app
            .post_json_as(&path, &ticket_type_request(name, price), Caller::Organiser)
            .await;
        tags.push(etag(&response));
        expect_event(response, StatusCode::CREATED).await;
    }
    assert_eq!(tags, ["\"2\"", "\"3\""]);

    let (event, tag) = app.organiser_event(draft.id).await;
    assert_eq!(tag, "\"3\"");
    let names: Vec<&str> = event.ticket_types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Standing", "Balcony"]);
    let balcony = &event.ticket_types[1];
    assert_eq!(balcony.price.amount_minor, 4500);
    assert_eq!(balcony.price.currency, "EUR");
    assert_eq!(balcony.capacity, 200);
    assert_eq!(balcony.max_per_order, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_puts_the_event_on_sale() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;

    let published = app.publish(draft.id).await;
    assert_eq!(published.status, "published");
    assert!(published.published_at.is_some());
    assert_eq!(published.version, 3);

    let (seen, tag) = app.organiser_event(draft.id).await;
    assert_eq!(seen.status, "published");
    assert_eq!(tag, "\"3\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_type_can_be_changed_and_removed() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    let event = app
        .add_ticket_type(draft.id, &ticket_type_request("Balcony", 4500))
        .await;
    let (standing, balcony) = (event.ticket_types[0].id, event.ticket_types[1].id);

    let path = format!("{}/{standing}", ticket_types_path(draft.id));
    let change = json!({"name": "Floor", "price": {"amount_minor": 3000, "currency": "EUR"}});
    let response = app.patch_json_as(&path, &change, Caller::Organiser).await;
    assert_eq!(etag(&response), "\"4\"");
    let changed = expect_event(response, StatusCode::OK).await;
    assert_eq!(changed.ticket_types[0].name, "Floor");
    assert_eq!(changed.ticket_types[0].price.amount_minor, 3000);
    assert_eq!(
        changed.ticket_types[0].capacity, 200,
        "untouched fields keep their value"
    );

    let path = format!("{}/{balcony}", ticket_types_path(draft.id));
    let removed = expect_event(
        app.delete_as(&path, Caller::Organiser).await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<Uuid> = removed.ticket_types.iter().map(|t| t.id).collect();
    assert_eq!(ids, [standing]);
    let (seen, tag) = app.organiser_event(draft.id).await;
    assert_eq!(tag, "\"5\"");
    assert_eq!(seen.ticket_types.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_changes_nothing_appends_nothing() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let response = edit(&app, draft.id, None, &json!({"title": "Jazz at Dusk"})).await;
    assert_eq!(etag(&response), "\"1\"");
    expect_event(response, StatusCode::OK).await;
    assert_eq!(app.stored_event_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_a_create_with_the_same_key_returns_the_same_event() {
    let app = spawn_app().await;
    let body = event_request("Jazz at Dusk");
    let first = expect_event(
        create_with_key(&app, "create-jazz-1", &body).await,
        StatusCode::CREATED,
    )
    .await;

    let retry = create_with_key(&app, "create-jazz-1", &body).await;
    assert_eq!(etag(&retry), "\"1\"");
    assert_eq!(
        retry.headers()["location"].to_str().unwrap(),
        event_path(first.id)
    );
    let again = expect_event(retry, StatusCode::OK).await;
    assert_eq!(again.id, first.id);
    assert_eq!(app.stored_aggregate_count().await, 1);
    assert_eq!(app.stored_event_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_with_one_key_make_one_event() {
    let app = spawn_app().await;
    let body = event_request("Jazz at Dusk");
    let responses = join_all((0..6).map(|_| create_with_key(&app, "double-click", &body))).await;
    let mut created = 0;
    let mut ids = HashSet::new();
    for response in responses {
        let status = response.status();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status}"
        );
        created += usize::from(status == StatusCode::CREATED);
        ids.insert(expect_event(response, status).await.id);
    }
    assert_eq!(created, 1, "exactly one request creates the event");
    assert_eq!(ids.len(), 1, "every request names the same event");
    assert_eq!(app.stored_aggregate_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reusing_a_create_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    let first = expect_event(
        create_with_key(&app, "create-jazz-1", &event_request("Jazz at Dusk")).await,
        StatusCode::CREATED,
    )
    .await;

    let other = create_with_key(&app, "create-jazz-1", &event_request("Blues at Noon")).await;
    expect_problem(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
    )
    .await;
    assert_eq!(app.stored_aggregate_count().await, 1);
    let (seen, tag) = app.organiser_event(first.id).await;
    assert_eq!(
        (seen.title.as_str(), tag.as_str()),
        ("Jazz at Dusk", "\"1\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_a_ticket_type_add_with_the_same_key_adds_it_once() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let body = ticket_type_request("Standing", 2500);
    let first = expect_event(
        add_ticket_type_with_key(&app, draft.id, "add-standing", &body).await,
        StatusCode::CREATED,
    )
    .await;

    let retry = add_ticket_type_with_key(&app, draft.id, "add-standing", &body).await;
    assert_eq!(etag(&retry), "\"2\"");
    let again = expect_event(retry, StatusCode::OK).await;
    assert_eq!(again.ticket_types.len(), 1);
    assert_eq!(again.ticket_types[0].id, first.ticket_types[0].id);
    assert_eq!(app.stored_event_count().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reusing_a_ticket_type_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    add_ticket_type_with_key(
        &app,
        draft.id,
        "add-standing",
        &ticket_type_request("Standing", 2500),
    )
    .await;

    let other = ticket_type_request("Balcony", 4500);
    let response = add_ticket_type_with_key(&app, draft.id, "add-standing", &other).await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
    )
    .await;
    let (seen, tag) = app.organiser_event(draft.id).await;
    assert_eq!(tag, "\"2\"");
    assert_eq!(seen.ticket_types.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ticket_type_key_on_two_events_adds_to_each() {
    let app = spawn_app().await;
    let body = ticket_type_request("Standing", 2500);
    let mut ids = HashSet::new();
    for title in ["Jazz at Dusk", "Blues at Noon"] {
        let draft = app.create_draft(title).await;
        let added = expect_event(
            add_ticket_type_with_key(&app, draft.id, "add-standing", &body).await,
            StatusCode::CREATED,
        )
        .await;
        ids.insert(added.ticket_types[0].id);
    }
    assert_eq!(ids.len(), 2, "each event got its own ticket type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_at_the_current_etag_applies() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let response = edit(
        &app,
        draft.id,
        Some("\"1\""),
        &json!({"title": "Late Jazz"}),
    )
    .await;
    assert_eq!(etag(&response), "\"2\"");
    let edited = expect_event(response, StatusCode::OK).await;
    assert_eq!(edited.title, "Late Jazz");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_at_any_etag_applies_whatever_the_version() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    edit(&app, draft.id, None, &json!({"title": "Late Jazz"})).await;
    let response = edit(&app, draft.id, Some("*"), &json!({"title": "Later Jazz"})).await;
    assert_eq!(etag(&response), "\"3\"");
    expect_event(response, StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_at_a_stale_etag_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let first = edit(
        &app,
        draft.id,
        Some("\"1\""),
        &json!({"title": "Late Jazz"}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);

    let stale = edit(
        &app,
        draft.id,
        Some("\"1\""),
        &json!({"title": "Early Jazz"}),
    )
    .await;
    expect_problem(stale, StatusCode::CONFLICT, "concurrent-modification").await;
    let (seen, tag) = app.organiser_event(draft.id).await;
    assert_eq!((seen.title.as_str(), tag.as_str()), ("Late Jazz", "\"2\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_refuses_a_stale_etag() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let event = app
        .add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    app.add_ticket_type(draft.id, &ticket_type_request("Balcony", 4500))
        .await;
    let ticket_type = format!(
        "{}/{}",
        ticket_types_path(draft.id),
        event.ticket_types[0].id
    );
    let commands = [
        (
            Method::PATCH,
            event_path(draft.id),
            Some(json!({"title": "Late Jazz"})),
        ),
        (
            Method::PATCH,
            ticket_type.clone(),
            Some(json!({"capacity": 300})),
        ),
        (Method::DELETE, ticket_type, None),
        (
            Method::POST,
            format!("{}/publish", event_path(draft.id)),
            None,
        ),
        (
            Method::POST,
            format!("{}/cancel", event_path(draft.id)),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in commands {
        let mut request = app
            .request(method.clone(), &path, Caller::Organiser)
            .header("if-match", "\"2\"");
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "{method} {path}");
        expect_problem(response, StatusCode::CONFLICT, "concurrent-modification").await;
    }
    let (seen, tag) = app.organiser_event(draft.id).await;
    assert_eq!(tag, "\"3\"");
    assert_eq!(seen.status, "draft");
    assert_eq!(app.stored_event_count().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_edits_each_win_or_get_a_409_and_the_version_counts_the_winners() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    // Distinct titles: an edit that changes nothing would win without appending.
    let edits = (0..CONCURRENT_EDITS).map(|n| {
        let body = json!({ "title": format!("Jazz, take {n}") });
        let app = &app;
        async move { edit(app, draft.id, None, &body).await }
    });
    let responses = join_all(edits).await;

    let mut winners = 0_u64;
    for response in responses {
        match response.status() {
            StatusCode::OK => winners += 1,
            StatusCode::CONFLICT => {
                expect_problem(response, StatusCode::CONFLICT, "concurrent-modification").await;
            }
            other => panic!(
                "an edit answered {other}: {}",
                response.text().await.unwrap()
            ),
        }
    }
    assert!(winners >= 1, "at least one edit must win");
    let (_, tag) = app.organiser_event(draft.id).await;
    assert_eq!(tag, format!("\"{}\"", 1 + winners));
}

/// The ids `GET /organiser/events` lists for `caller`.
async fn listed_ids(app: &TestApp, caller: Caller<'_>) -> HashSet<Uuid> {
    let list: serde_json::Value = app
        .get_as("/organiser/events", caller)
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().parse::<Uuid>().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisers_list_their_own_events_and_admins_list_every_event() {
    let app = spawn_app().await;
    let mine = app.create_draft("Jazz at Dusk").await;
    let stranger = app.other_organiser().await;
    let theirs = expect_event(
        app.post_json_as(
            "/organiser/events",
            &event_request("Blues at Noon"),
            stranger.caller(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let admin = app.admin().await;
    let both = HashSet::from([mine.id, theirs.id]);
    let everything = crate::support::eventually("both events in the read model", || async {
        Some(listed_ids(&app, admin.caller()).await).filter(|seen| *seen == both)
    })
    .await;
    assert_eq!(everything, both);
    assert_eq!(
        listed_ids(&app, Caller::Organiser).await,
        HashSet::from([mine.id])
    );
    assert_eq!(
        listed_ids(&app, stranger.caller()).await,
        HashSet::from([theirs.id])
    );
    // The stranger may not even read the owner's draft.
    let path = format!("/organiser/events/{}", mine.id);
    expect_problem(
        app.get_as(&path, stranger.caller()).await,
        StatusCode::FORBIDDEN,
        "not-event-organiser",
    )
    .await;
    assert_eq!(
        app.get_as(&path, admin.caller()).await.status(),
        StatusCode::OK
    );
}

//! Every catalogue route refusing what it cannot accept: malformed or mistyped bodies,
//! broken rules, impossible states, unknown ids, bad headers and query strings, missing or
//! wrong tokens. Each refusal is a problem (`application/problem+json`, carrying the
//! request id) with a stable `type` naming the reason and the fields at fault; none is a
//! 500, and none appends anything to the event store.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{
    event_request, event_request_starting, expect_problem, in_days, spawn_app, ticket_type_request,
    Caller, TestApp,
};

/// The body a refused request sends.
enum Body {
    /// A JSON value with `Content-Type: application/json`.
    Json(Value),
    /// These bytes with `Content-Type: application/json` (not necessarily JSON).
    Raw(&'static str),
    /// Valid JSON, but without a `Content-Type` header.
    Untyped(Value),
    /// Valid JSON sent as `text/plain`.
    PlainText(Value),
    /// No body at all.
    Empty,
}

/// One refused request of a table: what is sent and what must come back.
struct Refusal {
    label: &'static str,
    body: Body,
    status: StatusCode,
    slug: &'static str,
    /// The fields the problem must name, in any order (all of them, and only them).
    fields: &'static [&'static str],
}

/// A body that is not JSON: 400 `malformed-json`.
fn malformed(label: &'static str, raw: &'static str) -> Refusal {
    let (status, slug) = (StatusCode::BAD_REQUEST, "malformed-json");
    let (body, fields) = (Body::Raw(raw), &[][..]);
    Refusal {
        label,
        body,
        status,
        slug,
        fields,
    }
}

/// A body not sent as JSON: 415 `unsupported-media-type`.
fn unsupported(label: &'static str, body: Body) -> Refusal {
    let (status, slug) = (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    Refusal {
        label,
        body,
        status,
        slug,
        fields: &[],
    }
}

/// JSON of the wrong shape: 422 `invalid-body` naming the field.
fn misshapen(label: &'static str, body: Value, fields: &'static [&'static str]) -> Refusal {
    broken(label, body, "invalid-body", fields)
}

/// Well-formed values breaking shape rules: 422 `validation` naming every field.
fn invalid(label: &'static str, body: Value, fields: &'static [&'static str]) -> Refusal {
    let (status, slug) = (StatusCode::UNPROCESSABLE_ENTITY, "validation");
    Refusal {
        label,
        body: Body::Json(body),
        status,
        slug,
        fields,
    }
}

/// A rule of the event broken: 422 with the rule's own `slug`, naming the field.
fn broken(
    label: &'static str,
    body: Value,
    slug: &'static str,
    fields: &'static [&'static str],
) -> Refusal {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Refusal {
        label,
        body: Body::Json(body),
        status,
        slug,
        fields,
    }
}

/// `value` with `changes` applied at top level (`null` removes a field).
fn with(value: &Value, changes: Value) -> Value {
    let mut value = value.clone();
    for (key, change) in changes.as_object().unwrap() {
        if change.is_null() {
            value.as_object_mut().unwrap().remove(key);
        } else {
            value[key] = change.clone();
        }
    }
    value
}

/// A `price` change of a ticket type body.
fn price(amount_minor: Value, currency: &str) -> Value {
    json!({"price": {"amount_minor": amount_minor, "currency": currency}})
}

/// Sends `body` to `method path` as the organiser, plus `headers`.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: &Body,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.request(method, path, Caller::Organiser);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request = match body {
        Body::Json(value) => request.json(value),
        Body::Raw(text) => request
            .header("content-type", "application/json")
            .body(*text),
        Body::Untyped(value) => request.body(value.to_string()),
        Body::PlainText(value) => request
            .header("content-type", "text/plain")
            .body(value.to_string()),
        Body::Empty => request,
    };
    request.send().await.unwrap()
}

/// Asserts `response` is the problem `refusal` describes, naming exactly its fields.
async fn assert_problem(response: reqwest::Response, refusal: &Refusal, context: &str) {
    let label = format!("{context}: {}", refusal.label);
    assert_eq!(response.status(), refusal.status, "{label}");
    let problem = expect_problem(response, refusal.status, refusal.slug).await;
    let mut named: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    named.sort_unstable();
    let mut expected = refusal.fields.to_vec();
    expected.sort_unstable();
    assert_eq!(named, expected, "{label}: {problem:?}");
}

/// Sends each refusal to `method path` and checks that it is refused and that nothing
/// was appended to the event store.
async fn assert_all_refused(app: &TestApp, method: Method, path: &str, refusals: &[Refusal]) {
    let stored = app.stored_event_count().await;
    for refusal in refusals {
        let response = send(app, method.clone(), path, &refusal.body, &[]).await;
        assert_problem(response, refusal, &format!("{method} {path}")).await;
        assert_eq!(
            app.stored_event_count().await,
            stored,
            "{}: something was appended",
            refusal.label
        );
    }
}

/// A draft with two ticket types ("Standing" EUR 25, "Balcony" EUR 45); returns the
/// event's id and the ticket types' ids.
async fn draft_with_ticket_types(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let draft = app.create_draft("Jazz at Dusk").await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    let event = app
        .add_ticket_type(draft.id, &ticket_type_request("Balcony", 4500))
        .await;
    (draft.id, event.ticket_types[0].id, event.ticket_types[1].id)
}

/// Every organiser route, with real ids, as (method, path, body).
fn organiser_routes(event_id: Uuid, ticket_type_id: Uuid) -> Vec<(Method, String, Body)> {
    let event = format!("/organiser/events/{event_id}");
    let ticket_type = format!("{event}/ticket-types/{ticket_type_id}");
    vec![
        (Method::GET, "/organiser/events".to_owned(), Body::Empty),
        (
            Method::POST,
            "/organiser/events".to_owned(),
            Body::Json(event_request("Blues at Noon")),
        ),
        (Method::GET, event.clone(), Body::Empty),
        (
            Method::PATCH,
            event.clone(),
            Body::Json(json!({"title": "Late Jazz"})),
        ),
        (
            Method::POST,
            format!("{event}/ticket-types"),
            Body::Json(ticket_type_request("Box", 9000)),
        ),
        (
            Method::PATCH,
            ticket_type.clone(),
            Body::Json(json!({"capacity": 300})),
        ),
        (Method::DELETE, ticket_type, Body::Empty),
        (Method::POST, format!("{event}/publish"), Body::Empty),
        (
            Method::POST,
            format!("{event}/cancel"),
            Body::Json(json!({"reason": "Rain"})),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_an_event_refuses_bad_bodies() {
    let app = spawn_app().await;
    let valid = event_request("Jazz at Dusk");
    let starts = in_days(30);
    let refusals = [
        malformed("truncated JSON", r#"{"title": "Jazz","#),
        malformed("trailing garbage", r#"{"title": "Jazz"} ]"#),
        unsupported("no content type", Body::Untyped(valid.clone())),
        unsupported("text/plain", Body::PlainText(valid.clone())),
        misshapen(
            "title a number",
            with(&valid, json!({"title": 5})),
            &["title"],
        ),
        misshapen(
            "an array of the fields in order",
            json!(["Jazz", "", {"name": "V"}, starts, starts, "Europe/Paris", "EUR"]),
            &["."],
        ),
        misshapen(
            "unknown field",
            with(&valid, json!({"colour": "red"})),
            &["colour"],
        ),
        misshapen("no venue", with(&valid, json!({"venue": null})), &["venue"]),
        misshapen(
            "venue name a number",
            with(&valid, json!({"venue": {"name": 7}})),
            &["venue.name"],
        ),
        misshapen(
            "start not a time",
            with(&valid, json!({"starts_at": "soon"})),
            &["starts_at"],
        ),
        misshapen("body a string", json!("Jazz at Dusk"), &["."]),
        invalid(
            "empty title, unknown zone, bad currency",
            with(
                &valid,
                json!({"title": "", "time_zone": "Mars/Olympus", "currency": "EURO"}),
            ),
            &["title", "time_zone", "currency"],
        ),
        misshapen(
            "a NUL character in the title",
            with(&valid, json!({"title": "Jazz\u{0}at Dusk"})),
            &["title"],
        ),
        misshapen(
            "a NUL character in the venue's address",
            with(&valid, json!({"venue": {"name": "V", "address": "\u{0}"}})),
            &["venue.address"],
        ),
        invalid(
            "blank title",
            with(&valid, json!({"title": "   "})),
            &["title"],
        ),
        invalid(
            "title too long",
            with(&valid, json!({"title": "x".repeat(201)})),
            &["title"],
        ),
        invalid(
            "empty venue name",
            with(&valid, json!({"venue": {"name": ""}})),
            &["venue.name"],
        ),
        broken(
            "ends before it starts",
            with(&valid, json!({"starts_at": starts, "ends_at": in_days(29)})),
            "ends-before-start",
            &["ends_at"],
        ),
        broken(
            "ends as it starts",
            with(&valid, json!({"starts_at": starts, "ends_at": starts})),
            "ends-before-start",
            &["ends_at"],
        ),
    ];
    assert_all_refused(&app, Method::POST, "/organiser/events", &refusals).await;
    assert_eq!(app.stored_event_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_an_event_refuses_bad_bodies() {
    let app = spawn_app().await;
    let (event_id, _, _) = draft_with_ticket_types(&app).await;
    let refusals = [
        malformed("truncated JSON", r#"{"title": "#),
        unsupported(
            "no content type",
            Body::Untyped(json!({"title": "Late Jazz"})),
        ),
        misshapen(
            "title a list",
            json!({"title": ["Late", "Jazz"]}),
            &["title"],
        ),
        misshapen(
            "currency is fixed",
            json!({"currency": "USD"}),
            &["currency"],
        ),
        misshapen("end not a time", json!({"ends_at": 12}), &["ends_at"]),
        invalid(
            "empty title, unknown zone, empty venue",
            json!({"title": "", "time_zone": "Nowhere/Town", "venue": {"name": ""}}),
            &["title", "time_zone", "venue.name"],
        ),
        broken(
            "ends before the current start",
            json!({"ends_at": in_days(29)}),
            "ends-before-start",
            &["ends_at"],
        ),
        broken(
            "ends before ticket sales close",
            json!({"starts_at": in_days(1), "ends_at": in_days(2)}),
            "sale-closes-after-event-ends",
            &["sale_closes_at"],
        ),
    ];
    let path = format!("/organiser/events/{event_id}");
    assert_all_refused(&app, Method::PATCH, &path, &refusals).await;
    let (seen, tag) = app.organiser_event(event_id).await;
    assert_eq!(
        (seen.title.as_str(), tag.as_str()),
        ("Jazz at Dusk", "\"3\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_ticket_type_refuses_bad_bodies() {
    let app = spawn_app().await;
    let (event_id, _, _) = draft_with_ticket_types(&app).await;
    let valid = ticket_type_request("Box", 9000);
    let closing_before_opening = json!({
        "name": "", "capacity": 0, "max_per_order": 101,
        "sale_opens_at": in_days(5), "sale_closes_at": in_days(4),
    });
    let refusals = [
        malformed("truncated JSON", r#"{"name": "Box""#),
        malformed("a form", "name=Box"),
        unsupported("no content type", Body::Untyped(valid.clone())),
        misshapen(
            "capacity -1",
            with(&valid, json!({"capacity": -1})),
            &["capacity"],
        ),
        misshapen(
            "capacity 2^32",
            with(&valid, json!({"capacity": 1_u64 << 32})),
            &["capacity"],
        ),
        misshapen(
            "capacity a string",
            with(&valid, json!({"capacity": "9"})),
            &["capacity"],
        ),
        misshapen(
            "70000 per order",
            with(&valid, json!({"max_per_order": 70_000})),
            &["max_per_order"],
        ),
        misshapen(
            "price 1e30",
            with(&valid, price(json!(1e30), "EUR")),
            &["price.amount_minor"],
        ),
        misshapen(
            "price 1.5",
            with(&valid, price(json!(1.5), "EUR")),
            &["price.amount_minor"],
        ),
        misshapen(
            "price without currency",
            with(&valid, json!({"price": {"amount_minor": 100}})),
            &["price.currency"],
        ),
        misshapen(
            "unknown price field",
            with(
                &valid,
                json!({"price": {"amount_minor": 1, "currency": "EUR", "tax": 2}}),
            ),
            &["price.tax"],
        ),
        misshapen(
            "unknown field",
            with(&valid, json!({"colour": "gold"})),
            &["colour"],
        ),
        invalid(
            "empty name, capacity 0, 101 per order, sale closing before it opens",
            with(&valid, closing_before_opening),
            &["name", "capacity", "max_per_order", "sale_closes_at"],
        ),
        invalid(
            "a million and one",
            with(&valid, json!({"capacity": 1_000_001})),
            &["capacity"],
        ),
        invalid(
            "0 per order",
            with(&valid, json!({"max_per_order": 0})),
            &["max_per_order"],
        ),
        invalid(
            "bad currency",
            with(&valid, price(json!(100), "EURO")),
            &["price.currency"],
        ),
        broken(
            "negative price",
            with(&valid, price(json!(-1), "EUR")),
            "negative-price",
            &["price.amount_minor"],
        ),
        broken(
            "a quadrillion euros",
            with(&valid, price(json!(100_000_000_000_000_000_i64), "EUR")),
            "price-too-high",
            &["price.amount_minor"],
        ),
        broken(
            "another currency",
            with(&valid, price(json!(100), "USD")),
            "currency-mismatch",
            &["price.currency"],
        ),
        broken(
            "a name taken, in another case",
            with(&valid, json!({"name": "STANDING"})),
            "duplicate-ticket-type-name",
            &["name"],
        ),
        broken(
            "sales closing after the event ends",
            with(&valid, json!({"sale_closes_at": in_days(31)})),
            "sale-closes-after-event-ends",
            &["sale_closes_at"],
        ),
    ];
    let path = format!("/organiser/events/{event_id}/ticket-types");
    assert_all_refused(&app, Method::POST, &path, &refusals).await;
    let (seen, tag) = app.organiser_event(event_id).await;
    assert_eq!((seen.ticket_types.len(), tag.as_str()), (2, "\"3\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_a_ticket_type_refuses_bad_bodies() {
    let app = spawn_app().await;
    let (event_id, standing, _) = draft_with_ticket_types(&app).await;
    let refusals = [
        malformed("truncated JSON", "{"),
        unsupported("no content type", Body::Untyped(json!({"capacity": 300}))),
        misshapen("capacity -1", json!({"capacity": -1}), &["capacity"]),
        misshapen(
            "70000 per order",
            json!({"max_per_order": 70_000}),
            &["max_per_order"],
        ),
        misshapen(
            "price 1.5",
            price(json!(1.5), "EUR"),
            &["price.amount_minor"],
        ),
        misshapen("ids are fixed", json!({"id": Uuid::new_v4()}), &["id"]),
        invalid(
            "capacity 0, empty name, 101 per order",
            json!({"capacity": 0, "name": "", "max_per_order": 101}),
            &["capacity", "name", "max_per_order"],
        ),
        // The window changes as a whole: the problem names the end that is missing.
        invalid(
            "opening alone",
            json!({"sale_opens_at": in_days(1)}),
            &["sale_closes_at"],
        ),
        invalid(
            "closing alone",
            json!({"sale_closes_at": in_days(1)}),
            &["sale_opens_at"],
        ),
        invalid(
            "sale closing before it opens",
            json!({"sale_opens_at": in_days(3), "sale_closes_at": in_days(2)}),
            &["sale_closes_at"],
        ),
        broken(
            "negative price",
            price(json!(-100), "EUR"),
            "negative-price",
            &["price.amount_minor"],
        ),
        broken(
            "one cent above the ceiling",
            price(json!(10_000_001), "EUR"),
            "price-too-high",
            &["price.amount_minor"],
        ),
        broken(
            "another currency",
            price(json!(100), "GBP"),
            "currency-mismatch",
            &["price.currency"],
        ),
        broken(
            "the other type's name",
            json!({"name": "balcony"}),
            "duplicate-ticket-type-name",
            &["name"],
        ),
        broken(
            "sales closing after the event ends",
            json!({"sale_opens_at": in_days(1), "sale_closes_at": in_days(31)}),
            "sale-closes-after-event-ends",
            &["sale_closes_at"],
        ),
    ];
    let path = format!("/organiser/events/{event_id}/ticket-types/{standing}");
    assert_all_refused(&app, Method::PATCH, &path, &refusals).await;
    let (seen, tag) = app.organiser_event(event_id).await;
    assert_eq!(tag, "\"3\"");
    assert_eq!(seen.ticket_types[0].name, "Standing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_refuses_bad_bodies() {
    let app = spawn_app().await;
    let (event_id, _, _) = draft_with_ticket_types(&app).await;
    let refusals = [
        malformed("truncated JSON", r#"{"reason": "#),
        unsupported("no body", Body::Empty),
        unsupported("no content type", Body::Untyped(json!({"reason": "Rain"}))),
        misshapen("reason a number", json!({"reason": 42}), &["reason"]),
        misshapen("unknown field", json!({"refund": true}), &["refund"]),
        broken(
            "reason too long",
            json!({"reason": "r".repeat(501)}),
            "reason-too-long",
            &["reason"],
        ),
    ];
    let path = format!("/organiser/events/{event_id}/cancel");
    assert_all_refused(&app, Method::POST, &path, &refusals).await;
    let (seen, _) = app.organiser_event(event_id).await;
    assert_eq!(seen.status, "draft");
}

/// Sends one command as the organiser and asserts it is refused with `status`/`slug`,
/// appending nothing.
async fn assert_refused(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Body,
    status: StatusCode,
    slug: &'static str,
) {
    let stored = app.stored_event_count().await;
    let response = send(app, method.clone(), path, &body, &[]).await;
    let context = format!("{method} {path}");
    assert_eq!(response.status(), status, "{context}");
    let problem = expect_problem(response, status, slug).await;
    assert!(!problem.detail.is_empty(), "{context}: {problem:?}");
    assert_eq!(
        app.stored_event_count().await,
        stored,
        "{context}: something was appended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_without_ticket_types_cannot_be_published() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    let path = format!("/organiser/events/{}/publish", draft.id);
    assert_refused(
        &app,
        Method::POST,
        &path,
        Body::Empty,
        StatusCode::CONFLICT,
        "no-ticket-types",
    )
    .await;
    assert_eq!(app.organiser_event(draft.id).await.0.status, "draft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_cannot_be_published_twice() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    let path = format!("/organiser/events/{}/publish", event.id);
    assert_refused(
        &app,
        Method::POST,
        &path,
        Body::Empty,
        StatusCode::CONFLICT,
        "event-already-published",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_dated_in_the_past_is_refused_naming_its_start() {
    let app = spawn_app().await;
    let past = event_request_starting("Last Year's Jazz", in_days(-10));
    assert_refused(
        &app,
        Method::POST,
        "/organiser/events",
        Body::Json(past),
        StatusCode::UNPROCESSABLE_ENTITY,
        "starts-in-past",
    )
    .await;
    let response = send(
        &app,
        Method::POST,
        "/organiser/events",
        &Body::Json(event_request_starting("Last Year's Jazz", in_days(-10))),
        &[],
    )
    .await;
    let problem =
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "starts-in-past").await;
    assert_eq!(problem.errors.len(), 1, "{problem:?}");
    assert_eq!(problem.errors[0].field, "starts_at");
    assert_eq!(
        problem.errors[0].message,
        "The event must start in the future."
    );

    // Moving an event into the past is refused the same way.
    let draft = app.create_draft("Jazz at Dusk").await;
    let path = format!("/organiser/events/{}", draft.id);
    assert_refused(
        &app,
        Method::PATCH,
        &path,
        Body::Json(json!({"starts_at": in_days(-1), "ends_at": in_days(1)})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "starts-in-past",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_keeps_its_last_ticket_type() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    let path = format!(
        "/organiser/events/{}/ticket-types/{}",
        event.id, event.ticket_types[0].id
    );
    assert_refused(
        &app,
        Method::DELETE,
        &path,
        Body::Empty,
        StatusCode::CONFLICT,
        "last-ticket-type-of-published-event",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_refuses_every_change() {
    let app = spawn_app().await;
    let (event_id, standing, _) = draft_with_ticket_types(&app).await;
    app.cancel(event_id, None).await;

    let mut routes = organiser_routes(event_id, standing);
    // Reads and creating another event are not changes to this one.
    routes.retain(|(method, path, _)| {
        *method != Method::GET && path != "/organiser/events" && !path.ends_with("/cancel")
    });
    assert_eq!(routes.len(), 5);
    for (method, path, body) in routes {
        assert_refused(
            &app,
            method,
            &path,
            body,
            StatusCode::CONFLICT,
            "event-cancelled",
        )
        .await;
    }
    let path = format!("/organiser/events/{event_id}/cancel");
    let again = Body::Json(json!({"reason": "Twice"}));
    assert_refused(
        &app,
        Method::POST,
        &path,
        again,
        StatusCode::CONFLICT,
        "event-already-cancelled",
    )
    .await;
    let (seen, tag) = app.organiser_event(event_id).await;
    assert_eq!((seen.status.as_str(), tag.as_str()), ("cancelled", "\"4\""));
    assert_eq!(seen.cancellation_reason, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_is_404_on_every_route() {
    let app = spawn_app().await;
    let (known_event, _, _) = draft_with_ticket_types(&app).await;
    let unknown = Uuid::new_v4();
    for (method, path, body) in organiser_routes(unknown, Uuid::new_v4()) {
        if path == "/organiser/events" {
            continue;
        }
        // Queries and commands name the same missing thing the same way.
        let slug = "event-not-found";
        assert_refused(&app, method, &path, body, StatusCode::NOT_FOUND, slug).await;
    }
    assert_eq!(app.public_event(unknown).await, None);
    assert_eq!(app.stored_aggregate_count().await, 1);
    assert_eq!(app.organiser_event(known_event).await.1, "\"3\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ticket_type_is_404() {
    let app = spawn_app().await;
    let (event_id, _, _) = draft_with_ticket_types(&app).await;
    let path = format!(
        "/organiser/events/{event_id}/ticket-types/{}",
        Uuid::new_v4()
    );
    let change = Body::Json(json!({"capacity": 300}));
    assert_refused(
        &app,
        Method::PATCH,
        &path,
        change,
        StatusCode::NOT_FOUND,
        "unknown-ticket-type",
    )
    .await;
    assert_refused(
        &app,
        Method::DELETE,
        &path,
        Body::Empty,
        StatusCode::NOT_FOUND,
        "unknown-ticket-type",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_that_is_not_a_uuid_is_404_on_every_route() {
    let app = spawn_app().await;
    let (event_id, standing, _) = draft_with_ticket_types(&app).await;
    let stored = app.stored_event_count().await;
    let placeholder = Uuid::nil().to_string();
    for (method, path, body) in organiser_routes(event_id, standing) {
        if !path.contains(&event_id.to_string()) {
            continue;
        }
        let bad_event = path.replace(&event_id.to_string(), "not-a-uuid");
        let bad_ticket_type = path.replace(&standing.to_string(), "42");
        let mut bad_paths = vec![bad_event];
        if bad_ticket_type != path {
            bad_paths.push(bad_ticket_type);
        }
        for bad in bad_paths {
            let response = send(&app, method.clone(), &bad, &body, &[]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {bad}");
            expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
        }
    }
    let response = app.get("/events/not-a-uuid").await;
    expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    let response = app.get(&format!("/events/{placeholder}x")).await;
    expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(app.stored_event_count().await, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_idempotency_key_is_400() {
    let app = spawn_app().await;
    let (event_id, _, _) = draft_with_ticket_types(&app).await;
    let stored = app.stored_event_count().await;
    let too_long = "k".repeat(256);
    let targets = [
        (
            "/organiser/events".to_owned(),
            event_request("Blues at Noon"),
        ),
        (
            format!("/organiser/events/{event_id}/ticket-types"),
            ticket_type_request("Box", 9000),
        ),
    ];
    for (path, body) in &targets {
        for key in ["", "has space", too_long.as_str()] {
            let response = send(
                &app,
                Method::POST,
                path,
                &Body::Json(body.clone()),
                &[("idempotency-key", key)],
            )
            .await;
            let label = format!("POST {path} with Idempotency-Key {key:?}");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{label}");
            let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-header").await;
            assert_eq!(problem.errors[0].field, "Idempotency-Key", "{label}");
        }
    }
    assert_eq!(app.stored_event_count().await, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_if_match_is_400() {
    let app = spawn_app().await;
    let (event_id, standing, _) = draft_with_ticket_types(&app).await;
    let stored = app.stored_event_count().await;
    let mut commands = organiser_routes(event_id, standing);
    commands.retain(|(method, path, _)| {
        *method != Method::GET && path != "/organiser/events" && !path.ends_with("/ticket-types")
    });
    assert_eq!(commands.len(), 5);
    for (method, path, body) in commands {
        for tag in ["abc", "\"-1\"", "\"1.5\"", "W/\"3\""] {
            let response = send(&app, method.clone(), &path, &body, &[("if-match", tag)]).await;
            let label = format!("{method} {path} with If-Match {tag}");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{label}");
            let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-header").await;
            assert_eq!(problem.errors[0].field, "If-Match", "{label}");
        }
    }
    assert_eq!(app.stored_event_count().await, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_refuses_bad_query_parameters() {
    let app = spawn_app().await;
    let (from, to) = (in_days(10).to_rfc3339(), in_days(5).to_rfc3339());
    let encode =
        |value: &str| -> String { form_urlencoded::byte_serialize(value.as_bytes()).collect() };
    let long_q = "q".repeat(201);
    let cases: Vec<(String, &[&str])> = vec![
        ("limit=0".to_owned(), &["limit"]),
        ("limit=101".to_owned(), &["limit"]),
        ("limit=abc".to_owned(), &["limit"]),
        ("limit=-1".to_owned(), &["limit"]),
        ("cursor=not-a-cursor".to_owned(), &["cursor"]),
        ("from=soon".to_owned(), &["from"]),
        (
            format!("from={}&to={}", encode(&from), encode(&to)),
            &["to"],
        ),
        (
            format!("from={}&to={}", encode(&from), encode(&from)),
            &["to"],
        ),
        ("sort=price".to_owned(), &["sort"]),
        (format!("q={long_q}"), &["q"]),
        ("limit=0&cursor=zzz".to_owned(), &["limit", "cursor"]),
        // PostgreSQL cannot store a NUL character: once a 500.
        ("q=%00".to_owned(), &["q"]),
        ("q=rock%00roll&limit=5".to_owned(), &["q"]),
    ];
    for (query, fields) in cases {
        let response = app.get(&format!("/events?{query}")).await;
        let label = format!("GET /events?{query}");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{label}");
        let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-query").await;
        let mut named: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        named.sort_unstable();
        let mut expected = fields.to_vec();
        expected.sort_unstable();
        assert_eq!(named, expected, "{label}: {problem:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_organiser_route_refuses_a_missing_or_wrong_session() {
    let app = spawn_app().await;
    let (event_id, standing, _) = draft_with_ticket_types(&app).await;
    let stored = app.stored_event_count().await;
    // Shaped like a session token, but never issued.
    let unknown = carneau_commands::accounts::SessionToken::generate();
    for (method, path, body) in organiser_routes(event_id, standing) {
        for caller in [
            Caller::Anonymous,
            Caller::Token("wrong-token-wrong-token-wrong-token-00"),
            Caller::Token(unknown.expose()),
            Caller::Token(&app.organiser.token[1..]),
        ] {
            let mut request = app.request(method.clone(), &path, caller);
            if let Body::Json(value) = &body {
                request = request.json(value);
            }
            let response = request.send().await.unwrap();
            let label = format!("{method} {path} as {caller:?}");
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{label}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{label}");
            expect_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    }
    assert_eq!(app.stored_event_count().await, stored);
    assert_eq!(app.organiser_event(event_id).await.0.status, "draft");
}

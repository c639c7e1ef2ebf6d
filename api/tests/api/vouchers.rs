//! Organisers' promo and presale codes: one created and listed, a retry creating nothing
//! twice, bad terms refused field by field, a bulk of single-use codes drawn, exported as
//! CSV and drawn again by a retry, terms changed, a code switched off; nobody but the
//! event's organiser sees or touches them, and each change is a fact naming who made it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{expect_problem, spawn_app, Caller, TestApp};

/// 20 % off every ticket type, 100 tickets.
fn twenty_percent() -> Value {
    json!({
        "discount": { "kind": "percent", "percent": 20 },
        "max_uses": 100,
        "counting": "per_ticket",
    })
}

/// POST `body` to `path` as the organiser, with `key` as its Idempotency-Key.
async fn post_with_key(app: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&app.organiser.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The codes of the voucher list `body`.
fn codes(body: &Value) -> Vec<String> {
    body["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|voucher| voucher["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_organiser_creates_a_code_and_a_retry_creates_nothing_twice() {
    let app = spawn_app().await;
    let event = app.published_event("Codes").await;
    let path = format!("/organiser/events/{}/vouchers", event.id);
    let body = json!({ "code": "early-bird", "terms": twenty_percent() });

    let created = post_with_key(&app, &path, "code-1", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let list: Value = created.json().await.unwrap();
    assert_eq!(codes(&list), ["EARLY-BIRD"]);
    let voucher = &list["vouchers"][0];
    assert_eq!(
        voucher["discount"],
        json!({ "kind": "percent", "percent": 20 })
    );
    assert_eq!(voucher["ticket_type_ids"], Value::Null);
    assert_eq!(voucher["max_uses"], 100);
    assert_eq!(voucher["enabled"], true);

    let retried = post_with_key(&app, &path, "code-1", &body).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let listed: Value = app
        .get_as(&path, Caller::Organiser)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(codes(&listed), ["EARLY-BIRD"]);

    // The same code with other terms is another request: refused, with a key or without.
    let other_terms = json!({ "code": "Early-Bird", "terms": {
        "discount": { "kind": "percent", "percent": 50 }, "max_uses": 1, "counting": "per_order" } });
    let again = post_with_key(&app, &path, "code-2", &other_terms).await;
    let problem = expect_problem(again, StatusCode::CONFLICT, "duplicate-voucher-code").await;
    assert_eq!(problem.errors[0].field, "code");
    let again = app.post_json_as(&path, &body, Caller::Organiser).await;
    let problem = expect_problem(again, StatusCode::CONFLICT, "duplicate-voucher-code").await;
    assert_eq!(problem.errors[0].field, "code");

    // One fact, recorded with the organiser as actor.
    let facts: Vec<(String, Value)> = sqlx::query_as(
        "SELECT event_type, metadata FROM events \
          WHERE aggregate_type = 'VoucherBook' AND aggregate_id = $1",
    )
    .bind(event.id.to_string())
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].0, "VouchersCreated");
    assert_eq!(
        facts[0].1["actor"]["account_id"],
        app.organiser.id.to_string()
    );
}

#[tokio::test]
async fn bad_terms_are_refused_field_by_field_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let event = app.published_event("Bad codes").await;
    let path = format!("/organiser/events/{}/vouchers", event.id);

    let refused = app
        .post_json_as(
            &path,
            &json!({ "code": "ab", "terms": { "discount": { "kind": "fixed",
                "amount": { "amount_minor": 500, "currency": "euro" } },
                "max_uses": 0, "counting": "per_order" } }),
            Caller::Organiser,
        )
        .await;
    let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let mut fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["code", "discount.amount.currency", "max_uses"]);

    let cases = [
        (
            json!({ "discount": { "kind": "percent", "percent": 120 }, "max_uses": 5,
                "counting": "per_ticket" }),
            "discount-percent-out-of-range",
            "discount.percent",
        ),
        (
            json!({ "discount": { "kind": "none" }, "max_uses": 5, "counting": "per_ticket" }),
            "voucher-offers-nothing",
            "discount",
        ),
        (
            json!({ "discount": { "kind": "fixed",
                "amount": { "amount_minor": 500, "currency": "USD" } },
                "max_uses": 5, "counting": "per_ticket" }),
            "currency-mismatch",
            "discount.amount.currency",
        ),
        (
            json!({ "discount": { "kind": "percent", "percent": 10 }, "max_uses": 5,
                "counting": "per_ticket", "ticket_type_ids": [Uuid::new_v4()] }),
            "unknown-ticket-type",
            "ticket_type_ids",
        ),
        (
            json!({ "discount": { "kind": "percent", "percent": 10 }, "max_uses": 5,
                "counting": "per_ticket", "valid_from": "2030-05-02T10:00:00Z",
                "valid_until": "2030-05-01T10:00:00Z" }),
            "voucher-window-ends-before-it-starts",
            "valid_until",
        ),
    ];
    for (terms, slug, field) in cases {
        let refused = app
            .post_json_as(
                &path,
                &json!({ "code": "SUMMER", "terms": terms }),
                Caller::Organiser,
            )
            .await;
        let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, slug).await;
        assert_eq!(problem.errors[0].field, field, "{slug}");
    }
    let listed: Value = app
        .get_as(&path, Caller::Organiser)
        .await
        .json()
        .await
        .unwrap();
    assert!(codes(&listed).is_empty());
}

#[tokio::test]
async fn a_bulk_of_single_use_codes_is_drawn_exported_and_drawn_again_by_a_retry() {
    let app = spawn_app().await;
    let event = app.published_event("Bulk").await;
    let standing = event.ticket_types[0].id;
    let path = format!("/organiser/events/{}/vouchers/bulk", event.id);
    let body = json!({
        "prefix": "vip",
        "count": 250,
        "terms": {
            "discount": { "kind": "fixed", "amount": { "amount_minor": 500, "currency": "EUR" } },
            "ticket_type_ids": [standing],
            "max_uses": 1,
            "counting": "per_order",
        },
    });
    let created = post_with_key(&app, &path, "bulk-1", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let drawn: Value = created.json().await.unwrap();
    let drawn: Vec<String> = serde_json::from_value(drawn["codes"].clone()).unwrap();
    assert_eq!(drawn.len(), 250);
    assert!(drawn
        .iter()
        .all(|code| code.starts_with("VIP-") && code.len() == 14));
    let distinct: std::collections::BTreeSet<&String> = drawn.iter().collect();
    assert_eq!(distinct.len(), 250);

    let retried = post_with_key(&app, &path, "bulk-1", &body).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let again: Value = retried.json().await.unwrap();
    assert_eq!(again["codes"], json!(drawn));

    let csv = app
        .get_as(
            &format!("/organiser/events/{}/vouchers.csv", event.id),
            Caller::Organiser,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "code");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 250, "one row per code, nothing twice");
    let first = &rows[0];
    assert_eq!(&first[1], "5.00 EUR");
    assert_eq!(&first[2], standing.to_string());
    assert_eq!(&first[4], "1");
    assert_eq!(&first[5], "per_order");
    assert_eq!(&first[8], "yes");
}

#[tokio::test]
async fn an_organiser_changes_a_codes_terms_and_switches_it_off() {
    let app = spawn_app().await;
    let event = app.published_event("Switch").await;
    let path = format!("/organiser/events/{}/vouchers", event.id);
    app.post_json_as(
        &path,
        &json!({ "code": "SPRING", "terms": twenty_percent() }),
        Caller::Organiser,
    )
    .await;

    let changed = app
        .send(
            Method::PUT,
            &format!("{path}/spring"),
            Caller::Organiser,
            Some(&json!({ "discount": { "kind": "percent", "percent": 50 },
                "max_uses": 10, "counting": "per_order" })),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let list: Value = changed.json().await.unwrap();
    assert_eq!(list["vouchers"][0]["discount"]["percent"], 50);
    assert_eq!(list["vouchers"][0]["counting"], "per_order");

    let switched = app
        .patch_json_as(
            &format!("{path}/SPRING"),
            &json!({ "enabled": false }),
            Caller::Organiser,
        )
        .await;
    assert_eq!(switched.status(), StatusCode::OK);
    let list: Value = switched.json().await.unwrap();
    assert_eq!(list["vouchers"][0]["enabled"], false);

    let unknown = app
        .patch_json_as(
            &format!("{path}/WINTER"),
            &json!({ "enabled": false }),
            Caller::Organiser,
        )
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, "voucher-not-found").await;
}

#[tokio::test]
async fn only_the_events_organiser_sees_and_manages_its_codes() {
    let app = spawn_app().await;
    let event = app.published_event("Private codes").await;
    let path = format!("/organiser/events/{}/vouchers", event.id);
    let body = json!({ "code": "SECRET", "terms": twenty_percent() });
    let other = app.other_organiser().await;

    let created = app
        .post_json_as(&path, &body, Caller::Session(&other))
        .await;
    expect_problem(created, StatusCode::FORBIDDEN, "not-event-organiser").await;
    let listed = app.get_as(&path, Caller::Session(&other)).await;
    expect_problem(listed, StatusCode::FORBIDDEN, "not-event-organiser").await;
    let buyer = app.buyer().await;
    let listed = app.get_as(&path, Caller::Session(&buyer)).await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN);
    let anonymous = app.get_as(&path, Caller::Anonymous).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let nowhere = format!("/organiser/events/{}/vouchers", Uuid::new_v4());
    let missing = app.post_json_as(&nowhere, &body, Caller::Organiser).await;
    expect_problem(missing, StatusCode::NOT_FOUND, "event-not-found").await;
}

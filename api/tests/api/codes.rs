//! A buyer's promo code quoted before the hold (`GET /events/{id}/codes/{code}`): a
//! percent code on every type, a fixed code on one, a presale code showing the hidden type
//! it unlocks (which the public detail and listing never show), codes that are unknown,
//! switched off, not valid yet or expired, what cannot be a code, and the guessing limit.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{
    expect_problem, in_days, spawn_app, spawn_app_with, ticket_type_request, Caller, TestApp,
};

/// An event on sale with "Standing" (EUR 25.00), "Balcony" (EUR 40.00) and, hidden,
/// "Presale" (EUR 15.00), whose read model is up to date.
struct Stage {
    event_id: Uuid,
    standing: Uuid,
    balcony: Uuid,
    presale: Uuid,
}

async fn stage(app: &TestApp) -> Stage {
    let draft = app.create_draft("Codes at Dusk").await;
    let id_of = |detail: &carneau_projections::catalogue::EventDetail, name: &str| {
        detail
            .ticket_types
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id)
            .unwrap()
    };
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2_500))
        .await;
    app.add_ticket_type(draft.id, &ticket_type_request("Balcony", 4_000))
        .await;
    let mut presale = ticket_type_request("Presale", 1_500);
    presale["hidden"] = json!(true);
    let added = app.add_ticket_type(draft.id, &presale).await;
    let published = app.publish(draft.id).await;
    app.wait_for_read_model(draft.id, published.version).await;
    Stage {
        event_id: draft.id,
        standing: id_of(&added, "Standing"),
        balcony: id_of(&added, "Balcony"),
        presale: id_of(&added, "Presale"),
    }
}

/// Creates `code` with `terms` on `event_id` as its organiser; asserts 201.
async fn create_code(app: &TestApp, event_id: Uuid, code: &str, terms: Value) {
    let path = format!("/organiser/events/{event_id}/vouchers");
    let body = json!({ "code": code, "terms": terms });
    let response = app.post_json_as(&path, &body, Caller::Organiser).await;
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
}

/// The quote of `code` on `event_id`, asserting 200.
async fn quote(app: &TestApp, event_id: Uuid, code: &str) -> Value {
    let response = app.get(&format!("/events/{event_id}/codes/{code}")).await;
    let status = response.status();
    let cache = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(cache.as_deref(), Some("private, no-store"));
    serde_json::from_str(&text).unwrap()
}

/// The quoted ticket type named `name`, if the quote lists it.
fn quoted<'a>(quote: &'a Value, name: &str) -> Option<&'a Value> {
    quote["ticket_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
}

fn names(quote: &Value) -> Vec<&str> {
    quote["ticket_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

fn euros(amount_minor: i64) -> Value {
    json!({ "amount_minor": amount_minor, "currency": "EUR" })
}

#[tokio::test]
async fn a_percent_code_lowers_every_visible_type_and_unlocks_nothing() {
    let app = spawn_app().await;
    let stage = stage(&app).await;
    create_code(
        &app,
        stage.event_id,
        "EARLY-BIRD",
        json!({ "discount": { "kind": "percent", "percent": 20 }, "max_uses": 100,
            "counting": "per_ticket", "valid_until": in_days(5) }),
    )
    .await;

    let quote = quote(&app, stage.event_id, "early-bird").await;
    assert_eq!(quote["code"], "EARLY-BIRD");
    assert_eq!(
        quote["discount"],
        json!({ "kind": "percent", "percent": 20 })
    );
    assert_eq!(quote["valid_until"], json!(in_days(5)));
    assert_eq!(names(&quote), ["Standing", "Balcony"]);
    let standing = quoted(&quote, "Standing").unwrap();
    assert_eq!(standing["id"], json!(stage.standing));
    assert_eq!(standing["price"], euros(2_500));
    assert_eq!(standing["price_with_code"], euros(2_000));
    assert_eq!(standing["discounted"], true);
    assert_eq!(standing["unlocked"], false);
    assert_eq!(standing["availability"]["available"], 200);
    assert_eq!(standing["max_per_order"], 10);
    let balcony = quoted(&quote, "Balcony").unwrap();
    assert_eq!(balcony["price_with_code"], euros(3_200));
    assert_eq!(balcony["discounted"], true);
}

#[tokio::test]
async fn a_fixed_code_scoped_to_one_type_lowers_only_that_type() {
    let app = spawn_app().await;
    let stage = stage(&app).await;
    create_code(
        &app,
        stage.event_id,
        "BALCONY-5",
        json!({ "discount": { "kind": "fixed", "amount": euros(500) }, "max_uses": 10,
            "counting": "per_order", "ticket_type_ids": [stage.balcony] }),
    )
    .await;

    let quote = quote(&app, stage.event_id, "BALCONY-5").await;
    assert_eq!(
        quote["discount"],
        json!({ "kind": "fixed", "amount": euros(500) })
    );
    assert_eq!(quote["valid_until"], Value::Null);
    let standing = quoted(&quote, "Standing").unwrap();
    assert_eq!(standing["price_with_code"], euros(2_500));
    assert_eq!(standing["discounted"], false);
    let balcony = quoted(&quote, "Balcony").unwrap();
    assert_eq!(balcony["price"], euros(4_000));
    assert_eq!(balcony["price_with_code"], euros(3_500));
    assert_eq!(balcony["discounted"], true);
    assert!(quoted(&quote, "Presale").is_none());
}

#[tokio::test]
async fn a_presale_code_shows_the_hidden_type_that_buyers_never_see_otherwise() {
    let app = spawn_app().await;
    let stage = stage(&app).await;

    // Buyers see neither the hidden type nor its lower price; the organiser sees both.
    let public = app.public_event(stage.event_id).await.unwrap();
    let shown: Vec<&str> = public
        .ticket_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(shown, ["Standing", "Balcony"]);
    assert!(public.ticket_types.iter().all(|t| !t.hidden));
    let listing = app.listing("q=Codes").await;
    let price_from = listing.items[0].price_from.as_ref().unwrap();
    assert_eq!(price_from.amount_minor, 2_500);
    let (organiser, _) = app.organiser_event(stage.event_id).await;
    let presale = organiser
        .ticket_types
        .iter()
        .find(|t| t.id == stage.presale)
        .unwrap();
    assert!(presale.hidden);

    create_code(
        &app,
        stage.event_id,
        "FRIENDS-FIRST",
        json!({ "discount": { "kind": "none" }, "unlocks": [stage.presale], "max_uses": 50,
            "counting": "per_ticket" }),
    )
    .await;
    let quote = quote(&app, stage.event_id, "friends-first").await;
    assert_eq!(quote["discount"], json!({ "kind": "none" }));
    assert_eq!(names(&quote), ["Standing", "Balcony", "Presale"]);
    let unlocked = quoted(&quote, "Presale").unwrap();
    assert_eq!(unlocked["id"], json!(stage.presale));
    assert_eq!(unlocked["unlocked"], true);
    assert_eq!(unlocked["discounted"], false);
    assert_eq!(unlocked["price_with_code"], euros(1_500));
    assert_eq!(quoted(&quote, "Standing").unwrap()["unlocked"], false);
}

#[tokio::test]
async fn hiding_a_type_on_sale_takes_it_off_the_public_detail_and_showing_it_brings_it_back() {
    let app = spawn_app().await;
    let stage = stage(&app).await;
    let path = format!(
        "/organiser/events/{}/ticket-types/{}",
        stage.event_id, stage.balcony
    );
    // Read once, so the cached detail has to be invalidated by the change.
    assert_eq!(
        app.public_event(stage.event_id)
            .await
            .unwrap()
            .ticket_types
            .len(),
        2
    );

    let hidden = app
        .patch_json_as(&path, &json!({ "hidden": true }), Caller::Organiser)
        .await;
    assert_eq!(hidden.status(), StatusCode::OK);
    let detail: carneau_projections::catalogue::EventDetail = hidden.json().await.unwrap();
    let balcony = detail.ticket_types.iter().find(|t| t.id == stage.balcony);
    assert!(balcony.unwrap().hidden);
    app.eventually_public_event(stage.event_id, "balcony hidden", |d| {
        d.ticket_types.iter().all(|t| t.id != stage.balcony)
    })
    .await;

    let shown = app
        .patch_json_as(&path, &json!({ "hidden": false }), Caller::Organiser)
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    app.eventually_public_event(stage.event_id, "balcony shown again", |d| {
        d.ticket_types.iter().any(|t| t.id == stage.balcony)
    })
    .await;
}

#[tokio::test]
async fn unknown_switched_off_not_yet_valid_and_expired_codes_are_refused_with_a_sentence() {
    let app = spawn_app().await;
    let stage = stage(&app).await;
    let event_id = stage.event_id;

    let unknown = app
        .get(&format!("/events/{event_id}/codes/nope-nope"))
        .await;
    let problem = expect_problem(unknown, StatusCode::NOT_FOUND, "voucher-unknown").await;
    assert_eq!(problem.detail, "There is no code NOPE-NOPE for this event.");
    assert_eq!(problem.errors[0].field, "code");
    let no_event = app
        .get(&format!("/events/{}/codes/NOPE-NOPE", Uuid::new_v4()))
        .await;
    expect_problem(no_event, StatusCode::NOT_FOUND, "voucher-unknown").await;

    let percent = json!({ "kind": "percent", "percent": 10 });
    create_code(
        &app,
        event_id,
        "SWITCHED",
        json!({ "discount": percent, "max_uses": 5, "counting": "per_ticket" }),
    )
    .await;
    let switch = app
        .request(
            Method::PATCH,
            &format!("/organiser/events/{event_id}/vouchers/SWITCHED"),
            Caller::Organiser,
        )
        .json(&json!({ "enabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), StatusCode::OK);
    create_code(
        &app,
        event_id,
        "LATER",
        json!({ "discount": percent, "max_uses": 5, "counting": "per_ticket",
            "valid_from": in_days(3) }),
    )
    .await;
    create_code(
        &app,
        event_id,
        "BYGONE",
        json!({ "discount": percent, "max_uses": 5, "counting": "per_ticket",
            "valid_from": in_days(-3), "valid_until": in_days(-1) }),
    )
    .await;

    for (code, sentence) in [
        ("switched", "This code has been switched off."),
        ("LATER", "This code cannot be used yet."),
        ("bygone", "This code has expired."),
    ] {
        let refused = app.get(&format!("/events/{event_id}/codes/{code}")).await;
        let problem = expect_problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "voucher-unusable",
        )
        .await;
        assert_eq!(problem.detail, sentence, "{code}");
        assert_eq!(problem.errors[0].field, "code");
        assert_eq!(problem.errors[0].message, sentence);
    }
}

#[tokio::test]
async fn what_cannot_be_a_code_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let event = app.published_event("Malformed codes").await;
    for code in [
        "ab",
        "not%20a%20code",
        "%C3%A9t%C3%A9-2030",
        &"A".repeat(33),
    ] {
        let refused = app.get(&format!("/events/{}/codes/{code}", event.id)).await;
        let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert_eq!(problem.errors[0].field, "code");
        assert_eq!(
            problem.errors[0].message,
            "Enter the code as printed: 4 to 32 letters, digits and dashes."
        );
    }
}

#[tokio::test]
async fn guessing_codes_is_limited_per_client_address() {
    let app = spawn_app_with(&[("CARNEAU_CODE_LIMIT_PER_ADDRESS", "3/60")]).await;
    let event = app.published_event("Guessed codes").await;
    for guess in ["GUESS-1", "GUESS-2", "GUESS-3"] {
        let miss = app
            .get(&format!("/events/{}/codes/{guess}", event.id))
            .await;
        expect_problem(miss, StatusCode::NOT_FOUND, "voucher-unknown").await;
    }
    let limited = app
        .get(&format!("/events/{}/codes/GUESS-4", event.id))
        .await;
    assert!(limited.headers().contains_key(reqwest::header::RETRY_AFTER));
    expect_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
}

//! The extractors and the middleware stack, through a small router of organiser-like
//! routes behind the same layers as the real application.

use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use carneau_api::extract::{ApiJson, ApiPath, ApiQuery};
use carneau_api::layers::{with_http_layers, HttpLimits};
use carneau_api::ApiError;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::support::expect_problem;

const BODY_LIMIT_BYTES: usize = 1024;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NewTier {
    name: String,
    price_minor: u32,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NewEvent {
    title: String,
    tiers: Vec<NewTier>,
}

#[derive(Debug, Deserialize)]
struct Page {
    limit: u16,
}

async fn create_event(ApiJson(event): ApiJson<NewEvent>) -> ApiJson<NewEvent> {
    ApiJson(event)
}

async fn show_event(ApiPath(id): ApiPath<uuid::Uuid>) -> String {
    id.to_string()
}

async fn list_events(ApiQuery(page): ApiQuery<Page>) -> String {
    page.limit.to_string()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(2)).await;
    "too late"
}

async fn panics() -> &'static str {
    panic!("the seat map is on fire")
}

async fn fails() -> Result<(), ApiError> {
    Err(anyhow::anyhow!("connection to 10.0.0.7 refused").into())
}

/// Serves the test routes behind the real middleware, with a small body limit and timeout.
async fn spawn_test_router() -> (reqwest::Client, String) {
    let router = Router::new()
        .route("/events", post(create_event).get(list_events))
        .route("/events/{id}", get(show_event))
        .route("/slow", get(slow))
        .route("/panics", get(panics))
        .route("/fails", get(fails));
    let limits = HttpLimits {
        request_timeout: Duration::from_millis(200),
        body_limit_bytes: BODY_LIMIT_BYTES,
        ..HttpLimits::default()
    };
    let base = crate::support::serve(with_http_layers(router, limits)).await;
    (reqwest::Client::new(), base)
}

async fn post_raw(content_type: Option<&str>, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let (client, base) = spawn_test_router().await;
    let mut request = client.post(format!("{base}/events")).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_well_formed_body_is_accepted() {
    let body = r#"{"title":"Gig","tiers":[{"name":"Floor","price_minor":2500}]}"#;
    let response = post_raw(Some("application/json"), body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let echoed: NewEvent = response.json().await.unwrap();
    assert_eq!(echoed.tiers[0].price_minor, 2500);
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let response = post_raw(Some("application/json"), r#"{"title": "Gig","#).await;
    expect_problem(response, StatusCode::BAD_REQUEST, "malformed-json").await;
}

#[tokio::test]
async fn a_wrong_type_is_a_422_problem_naming_the_field() {
    let body = r#"{"title":"Gig","tiers":[{"name":"Floor","price_minor":"cheap"}]}"#;
    let response = post_raw(Some("application/json"), body).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(problem.errors[0].field, "tiers[0].price_minor");
}

#[tokio::test]
async fn an_out_of_range_number_is_a_422_problem_naming_the_field() {
    let body = r#"{"title":"Gig","tiers":[{"name":"Floor","price_minor":-5}]}"#;
    let response = post_raw(Some("application/json"), body).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(problem.errors[0].field, "tiers[0].price_minor");
}

#[tokio::test]
async fn an_unknown_field_is_a_422_problem_naming_it() {
    let body = r#"{"title":"Gig","tiers":[],"sold_out":true}"#;
    let response = post_raw(Some("application/json"), body).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(problem.errors[0].field, "sold_out");
}

#[tokio::test]
async fn a_missing_field_is_a_422_problem_naming_it() {
    let response = post_raw(Some("application/json"), r#"{"tiers":[]}"#).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(problem.errors[0].field, "title");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    for content_type in [Some("text/plain"), None] {
        let response = post_raw(content_type, r#"{"title":"Gig","tiers":[]}"#).await;
        expect_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        )
        .await;
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let title = "x".repeat(BODY_LIMIT_BYTES);
    let body = serde_json::json!({"title": title, "tiers": []}).to_string();
    let response = post_raw(Some("application/json"), body).await;
    expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_a_404_problem() {
    let (client, base) = spawn_test_router().await;
    let id = uuid::Uuid::now_v7();
    let response = client
        .get(format!("{base}/events/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), id.to_string());

    let response = client
        .get(format!("{base}/events/not-a-uuid"))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(problem.errors[0].field, "id");
}

#[tokio::test]
async fn a_bad_query_parameter_is_a_400_problem_naming_it() {
    let (client, base) = spawn_test_router().await;
    let response = client
        .get(format!("{base}/events?limit=12"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "12");

    let response = client
        .get(format!("{base}/events?limit=all"))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-query").await;
    assert_eq!(problem.errors[0].field, "limit");
}

#[tokio::test]
async fn a_slow_request_is_a_503_problem_retried_only_with_its_idempotency_key() {
    let (client, base) = spawn_test_router().await;
    let response = client.get(format!("{base}/slow")).send().await.unwrap();
    let problem =
        expect_problem(response, StatusCode::SERVICE_UNAVAILABLE, "request-timeout").await;
    // It may have taken effect before the deadline: a plain retry could do it twice.
    assert_eq!(
        problem.retry,
        Some(carneau_api::problem::RetryAdvice::SameIdempotencyKey)
    );
}

#[tokio::test]
async fn a_panic_is_a_500_problem_that_shows_nothing_of_the_cause() {
    let (client, base) = spawn_test_router().await;
    let response = client.get(format!("{base}/panics")).send().await.unwrap();
    let problem = expect_problem(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert!(!problem.detail.contains("fire"), "{problem:?}");
}

#[tokio::test]
async fn an_internal_error_shows_a_generic_detail() {
    let (client, base) = spawn_test_router().await;
    let response = client.get(format!("{base}/fails")).send().await.unwrap();
    let problem = expect_problem(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert!(!problem.detail.contains("10.0.0.7"), "{problem:?}");
    assert!(problem.detail.contains("request id"), "{problem:?}");
}

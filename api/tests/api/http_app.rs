//! The real application, as a client sees it: probes, docs, errors, request ids, auth.

use carneau_api::config::SecretUrl;
use reqwest::StatusCode;

use crate::support::{expect_problem, spawn_app, Caller};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_alive() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_ready_on_a_migrated_database_with_redis() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert!(body.get("degraded").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_a_missing_migration() {
    let app = spawn_app().await;
    let latest = carneau_migrations::MIGRATOR.iter().last().unwrap().version;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(latest)
        .execute(app.database.pool())
        .await
        .unwrap();
    let problem = expect_problem(
        app.get("/readyz").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
    )
    .await;
    assert!(problem.detail.contains("migrations"), "{problem:?}");
    assert_eq!(
        problem.retry,
        Some(carneau_api::problem::RetryAdvice::Safe),
        "a probe changes nothing"
    );
    assert_eq!(problem.errors.len(), 1, "{problem:?}");
    assert_eq!(problem.errors[0].field, "migrations");
    assert!(problem.errors[0].message.contains(&latest.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_stays_ready_without_redis_and_names_it_degraded() {
    let mut app = spawn_app().await;
    // A client that was never connected stands for a Redis outage. Reservations and reads
    // go on from PostgreSQL meanwhile, so the node must stay in the load balancer.
    let mut unreachable = (*app.state.config).clone();
    unreachable.redis_url = SecretUrl::new("redis://127.0.0.1:1");
    app.state.redis = carneau_api::state::redis_client(&unreachable).unwrap();
    app.base_url = crate::support::serve(carneau_api::router(app.state.clone())).await;
    let started = std::time::Instant::now();
    let response = app.get("/readyz").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    let degraded: Vec<&str> = body["degraded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dependency"].as_str().unwrap())
        .collect();
    assert_eq!(degraded, ["redis"], "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_route_is_a_404_problem_carrying_the_request_id() {
    let app = spawn_app().await;
    let problem = expect_problem(
        app.get("/no/such/route").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let id = problem.request_id.unwrap();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "generated ids are uuids: {id}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sane_incoming_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "client-chosen_id.42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen_id.42");

    let response = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "spaces are not allowed")
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    assert_ne!(
        problem.request_id.as_deref(),
        Some("spaces are not allowed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let response = app.post_json("/healthz", &serde_json::json!({})).await;
    let allow = response.headers().get("allow").cloned();
    expect_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    )
    .await;
    assert!(allow.unwrap().to_str().unwrap().contains("GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organiser_routes_need_an_organiser_session() {
    let app = spawn_app().await;
    for caller in [
        Caller::Anonymous,
        Caller::Token("wrong-token-wrong-token-wrong-token-00"),
    ] {
        let response = app.get_as("/organiser/events", caller).await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        expect_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let buyer = app.buyer().await;
    let response = app.get_as("/organiser/events", buyer.caller()).await;
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.get_as("/organiser/events", Caller::Organiser).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_serve_swagger_ui_and_the_openapi_document() {
    let app = spawn_app().await;
    let response = app.get("/docs/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");

    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: serde_json::Value = response.json().await.unwrap();
    assert_eq!(document["info"]["title"], "Carneau Engine");
    assert_eq!(
        document,
        serde_json::to_value(carneau_api::openapi()).unwrap()
    );
}

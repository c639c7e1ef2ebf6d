//! Sign-in and registration are rate limited in Redis, per client address and per account
//! email: past the limit, 429 `rate-limited` with `Retry-After`.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::accounts::{registration, TEST_PASSWORD};
use crate::support::{expect_problem, spawn_app_with, TestApp};

async fn sign_in(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/sessions"))
        .json(&json!({"email": email, "password": "not the password"}));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

/// Asserts a 429 whose `Retry-After` is whole seconds within the window.
async fn expect_limited(response: reqwest::Response, window_seconds: u64) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window_seconds).contains(&retry_after), "{retry_after}");
    expect_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_limited_per_client_address() {
    let app = spawn_app_with(&[("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "3/60")]).await;
    for n in 0..3 {
        let email = format!("guess{n}@example.com");
        let response = sign_in(&app, &email, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    expect_limited(sign_in(&app, "another@example.com", None).await, 60).await;
    // Even the right password waits: the limit comes before the check.
    let buyer = app.buyer().await;
    let right = app.sign_in(&buyer.email, TEST_PASSWORD).await;
    expect_limited(right, 60).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_limited_per_account_email_in_any_case() {
    let app = spawn_app_with(&[
        ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "100/60"),
        ("CARNEAU_LOGIN_LIMIT_PER_EMAIL", "2/120"),
    ])
    .await;
    for email in ["lina@example.com", "LINA@example.com"] {
        assert_eq!(
            sign_in(&app, email, None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    expect_limited(sign_in(&app, "Lina@Example.com", None).await, 120).await;
    assert_eq!(
        sign_in(&app, "someone.else@example.com", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(&[
        ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "1/60"),
        ("CARNEAU_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let first = Some("203.0.113.1");
    assert_eq!(
        sign_in(&app, "a@example.com", first).await.status(),
        StatusCode::UNAUTHORIZED
    );
    expect_limited(sign_in(&app, "b@example.com", first).await, 60).await;
    // A client cannot escape by prepending a hop of its own choosing.
    expect_limited(
        sign_in(&app, "c@example.com", Some("198.51.100.7, 203.0.113.1")).await,
        60,
    )
    .await;
    assert_eq!(
        sign_in(&app, "d@example.com", Some("203.0.113.2"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_are_ignored_from_an_untrusted_peer() {
    let app = spawn_app_with(&[("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "1/60")]).await;
    assert_eq!(
        sign_in(&app, "a@example.com", Some("203.0.113.1"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    expect_limited(
        sign_in(&app, "b@example.com", Some("203.0.113.2")).await,
        60,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_is_limited_per_client_address() {
    let app = spawn_app_with(&[("CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS", "2/3600")]).await;
    for n in 0..2 {
        let body = registration(&format!("new{n}@example.com"));
        assert_eq!(app.register(&body).await.status(), StatusCode::CREATED);
    }
    let body = registration("new3@example.com");
    expect_limited(app.register(&body).await, 3600).await;
}

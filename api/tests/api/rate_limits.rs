//! Sign-in and registration are rate limited in Redis per client address: past the limit,
//! 429 `rate-limited` with `Retry-After`. Per account email, sign-in attempts past the
//! limit are slowed down instead, and the account's own addresses are not.

use std::time::{Duration, Instant};

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

/// Signs in as `email` with `password` from the client `from` (behind the trusted proxy);
/// answers the status and how long the answer took.
async fn timed_sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
    from: &str,
) -> (StatusCode, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/sessions"))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    (response.status(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_past_the_per_email_limit_are_slowed_down_never_refused() {
    let app = spawn_app_with(&[
        ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "100/60"),
        ("CARNEAU_LOGIN_LIMIT_PER_EMAIL", "2/120"),
        ("CARNEAU_LOGIN_SLOWDOWN_MS", "1500"),
        ("CARNEAU_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let owner = app.buyer().await;
    // Two guesses from two addresses, the email in any case: the limit is per account.
    for (email, from) in [
        (owner.email.to_uppercase(), "198.51.100.1"),
        (owner.email.clone(), "198.51.100.2"),
    ] {
        let (status, _) = timed_sign_in(&app, &email, "not the password", from).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Past the limit a guess is answered as before (no 429 to lock the owner out), later.
    let (status, took) =
        timed_sign_in(&app, &owner.email, "not the password", "198.51.100.3").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        took >= Duration::from_millis(1500),
        "not slowed down: {took:?}"
    );
    // The owner, from an address never seen, still gets in: slowed down like anyone.
    let (status, took) = timed_sign_in(&app, &owner.email, TEST_PASSWORD, "203.0.113.9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        took >= Duration::from_millis(1500),
        "not slowed down: {took:?}"
    );
    // Another account is not slowed down by this one's guesses (the slowdown is 1.5 s,
    // the bound generous for a loaded machine's argon2).
    let (status, _) = timed_sign_in(&app, "someone.else@example.com", "x", "198.51.100.3").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_signs_in_at_once_from_an_address_used_before_while_guesses_pile_up() {
    // The longest slowdown, far longer than a sign-in takes: were the owner slowed
    // down, it would show.
    let app = spawn_app_with(&[
        ("CARNEAU_LOGIN_LIMIT_PER_ADDRESS", "100/60"),
        ("CARNEAU_LOGIN_LIMIT_PER_EMAIL", "3/120"),
        ("CARNEAU_LOGIN_SLOWDOWN_MS", "5000"),
        ("CARNEAU_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let owner = app.buyer().await;
    let home = "203.0.113.10";
    let (status, _) = timed_sign_in(&app, &owner.email, TEST_PASSWORD, home).await;
    assert_eq!(status, StatusCode::OK);
    // Guesses from elsewhere use up the per-email limit (the owner's first sign-in, from
    // an address not yet known, counted too), and the next one is slowed down...
    for from in ["198.51.100.1", "198.51.100.2"] {
        let (status, _) = timed_sign_in(&app, &owner.email, "not the password", from).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, took) =
        timed_sign_in(&app, &owner.email, "not the password", "198.51.100.3").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(took >= Duration::from_secs(5), "not slowed down: {took:?}");
    // ...while the owner, at home, is neither refused nor made to wait.
    let (status, took) = timed_sign_in(&app, &owner.email, TEST_PASSWORD, home).await;
    assert_eq!(status, StatusCode::OK);
    assert!(took < Duration::from_secs(5), "slowed down: {took:?}");
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

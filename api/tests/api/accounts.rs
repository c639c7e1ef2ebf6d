//! Registration, sign-in and the signed-in account, over HTTP: the rules a person meets
//! when they open an account and come back to it.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::accounts::{registration, TEST_PASSWORD};
use crate::support::{expect_problem, spawn_app, spawn_app_with, Caller, TestApp};

async fn account_rows(app: &TestApp) -> (i64, i64, i64) {
    let pool = app.database.pool();
    let count = |sql: &'static str| async move {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.unwrap();
        n
    };
    (
        count("SELECT count(*) FROM account_emails").await,
        count("SELECT count(*) FROM account_credentials").await,
        count("SELECT count(*) FROM events WHERE aggregate_type = 'Account'").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_signs_the_buyer_in_with_a_cookie_and_a_token() {
    let app = spawn_app().await;
    let response = app.register(&registration("Lina@Example.com")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("carneau_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["account"]["email"], "Lina@Example.com");
    assert_eq!(body["account"]["roles"], json!([]));
    assert_eq!(body["account"]["email_verified"], false);
    let token = body["session"]["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43);
    assert!(cookie.contains(&token));

    // The token works as a bearer and as the cookie.
    let me = app.get_as("/me", Caller::Token(&token)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let by_cookie = app
        .client
        .get(app.url("/me"))
        .header(COOKIE, format!("carneau_session={token}"))
        .send()
        .await
        .unwrap();
    let me: Value = by_cookie.json().await.unwrap();
    assert_eq!(me["name"], "Lina Moreau");
    assert_eq!(me["id"], body["account"]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_when_configured() {
    let app = spawn_app_with(&[("CARNEAU_COOKIE_SECURE", "true")]).await;
    let response = app.register(&registration("lina@example.com")).await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_registers_once_in_any_case() {
    let app = spawn_app().await;
    let first = app.register(&registration("lina@example.com")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let before = account_rows(&app).await;
    for email in [
        "lina@example.com",
        "LINA@EXAMPLE.COM",
        "  Lina@Example.com ",
    ] {
        let problem = expect_problem(
            app.register(&registration(email)).await,
            StatusCode::CONFLICT,
            "email-taken",
        )
        .await;
        assert_eq!(problem.errors[0].field, "email");
    }
    assert_eq!(account_rows(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_fields_are_422_naming_each_and_write_nothing() {
    let app = spawn_app().await;
    let before = account_rows(&app).await;
    let cases = [
        (
            json!({"email": "not-an-email", "name": "Lina", "password": TEST_PASSWORD}),
            vec!["email"],
        ),
        (
            json!({"email": "a@example.com", "name": " ", "password": TEST_PASSWORD}),
            vec!["name"],
        ),
        (
            json!({"email": "a@example.com", "name": "Lina", "password": "short"}),
            vec!["password"],
        ),
        (
            json!({"email": "a@example.com", "name": "Lina", "password": "x".repeat(129)}),
            vec!["password"],
        ),
        (
            json!({"email": "", "name": "", "password": ""}),
            vec!["email", "name", "password"],
        ),
    ];
    for (body, fields) in cases {
        let problem = expect_problem(
            app.register(&body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        let mut named: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, fields, "{body}");
    }
    let missing = expect_problem(
        app.register(&json!({"email": "a@example.com"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-body",
    )
    .await;
    assert_eq!(missing.errors[0].field, "name");
    assert_eq!(account_rows(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_email_make_one_account() {
    let app = spawn_app_with(&[("CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS", "100/60")]).await;
    let before = account_rows(&app).await;
    let emails = [
        "rush@example.com",
        "RUSH@example.com",
        "Rush@Example.com",
        "rush@EXAMPLE.COM",
        "rush@example.com",
        "rUsh@example.com",
        "ruSh@example.com",
        "rusH@example.com",
    ];
    let attempts = emails.iter().map(|email| {
        let app = &app;
        async move { app.register(&registration(email)).await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let taken = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, taken), (1, emails.len() - 1), "{statuses:?}");
    let after = account_rows(&app).await;
    assert_eq!(after, (before.0 + 1, before.1 + 1, before.2 + 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_works_in_any_case_and_refuses_alike_an_unknown_email_and_a_wrong_password() {
    let app = spawn_app().await;
    app.register(&registration("lina@example.com")).await;
    let signed_in = app.sign_in("LINA@example.com", TEST_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert!(signed_in.headers().contains_key(SET_COOKIE));

    let wrong_password = expect_problem(
        app.sign_in("lina@example.com", "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
    )
    .await;
    let unknown_email = expect_problem(
        app.sign_in("nobody@example.com", TEST_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
    )
    .await;
    assert_eq!(wrong_password.detail, unknown_email.detail);
    assert_eq!(wrong_password.title, unknown_email.title);
    // A too-short password is checked like any other: no hint about the rules.
    let short = expect_problem(
        app.sign_in("lina@example.com", "x").await,
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
    )
    .await;
    assert_eq!(short.detail, wrong_password.detail);
    expect_problem(
        app.sign_in("nope", "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_event_log() {
    let app = spawn_app().await;
    let body: Value = app
        .register(&registration("lina@example.com"))
        .await
        .json()
        .await
        .unwrap();
    let token = body["session"]["token"].as_str().unwrap().to_owned();
    let change =
        json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"});
    let response = app
        .send(
            reqwest::Method::PUT,
            "/me/password",
            Caller::Token(&token),
            Some(&change),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT payload::text, metadata::text FROM events WHERE aggregate_type = 'Account'",
    )
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    let (hash,): (String,) =
        sqlx::query_as("SELECT password_hash FROM account_credentials LIMIT 1")
            .fetch_one(app.database.pool())
            .await
            .unwrap();
    let log = format!("{rows:?}");
    assert!(log.contains("PasswordChanged"), "{log}");
    for secret in [
        TEST_PASSWORD,
        "a brand new passphrase",
        token.as_str(),
        "$argon2id$",
    ] {
        assert!(!log.contains(secret), "the log holds {secret}");
    }
    assert!(hash.starts_with("$argon2id$"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_mails_a_link_that_verifies_the_email() {
    let app = spawn_app().await;
    let email = "newcomer@example.com";

    let registered = app.register(&registration(email)).await;

    assert_eq!(registered.status(), StatusCode::CREATED);
    let token = app
        .mail
        .last_token_for(email)
        .expect("no verification link mailed at registration");
    let verified = app
        .post_json("/email-verifications", &json!({"token": token}))
        .await;
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_verified_once_through_its_link() {
    let app = spawn_app().await;
    let buyer = app.buyer().await;
    let response = app
        .send(
            reqwest::Method::POST,
            "/me/email-verification",
            buyer.caller(),
            None::<&()>,
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let token = app.mail.last_token_for(&buyer.email).unwrap();
    let (_, link) = app.mail.sent().pop().unwrap();
    assert!(
        link.starts_with("http://127.0.0.1:3000/verify-email?token="),
        "{link}"
    );

    let verified = app
        .post_json("/email-verifications", &json!({"token": token}))
        .await;
    assert_eq!(verified.status(), StatusCode::NO_CONTENT);
    // The signed-in session sees it at once (its cached copy was dropped).
    let me = app.me(buyer.caller()).await;
    assert_eq!(me["email_verified"], true);
    // Single use.
    expect_problem(
        app.post_json("/email-verifications", &json!({"token": token}))
            .await,
        StatusCode::GONE,
        "verification-link-invalid",
    )
    .await;
    expect_problem(
        app.post_json("/email-verifications", &json!({"token": "forged"}))
            .await,
        StatusCode::GONE,
        "verification-link-invalid",
    )
    .await;
    // Nothing more to send.
    let again = app
        .send(
            reqwest::Method::POST,
            "/me/email-verification",
            buyer.caller(),
            None::<&()>,
        )
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_a_503_with_retry_after_not_a_500() {
    let app = spawn_app().await;
    let registered = app.register(&registration("before@example.com")).await;
    assert_eq!(registered.status(), StatusCode::CREATED);

    // Every connection of the app's pool is gone, as in an outage of PostgreSQL.
    app.state.pool.close().await;
    for response in [
        app.register(&registration("during@example.com")).await,
        app.post_json(
            "/sessions",
            &json!({"email": "before@example.com", "password": TEST_PASSWORD}),
        )
        .await,
    ] {
        let retry_after = response.headers().get("retry-after").cloned();
        expect_problem(
            response,
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
        )
        .await;
        assert_eq!(retry_after.unwrap(), "1");
    }
}

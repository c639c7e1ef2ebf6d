//! "Forgot password": a reset link goes out once through the mail outbox (plain text and
//! HTML), works once, for one hour, only while no newer link was sent; it ends every
//! session of the account; an email without an account gets the same answer and no
//! mail; asking is rate limited per client address and per email.

use std::time::Duration;

use carneau_testkit::smtp::{SmtpSink, SunkMessage};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::support::accounts::TEST_PASSWORD;
use crate::support::{eventually, expect_problem, spawn_app_with, TestApp};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// An app whose mail goes to `sink`, with `settings` on top.
async fn app_mailing_to(sink: &SmtpSink, settings: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("CARNEAU_SMTP_URL", sink.url())];
    all.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&borrowed).await
}

async fn ask_for_reset(app: &TestApp, email: &str) -> Response {
    app.post_json("/password-reset-requests", &json!({"email": email}))
        .await
}

async fn reset(app: &TestApp, token: &str, new_password: &str) -> Response {
    app.post_json(
        "/password-resets",
        &json!({"token": token, "new_password": new_password}),
    )
    .await
}

/// The message's text with quoted-printable soft breaks and `=3D` undone.
fn decoded(message: &SunkMessage) -> String {
    message.data.replace("=\r\n", "").replace("=3D", "=")
}

/// The token of every reset link in `message` (the text part's and the HTML part's).
fn tokens_in(message: &SunkMessage) -> Vec<String> {
    let text = decoded(message);
    text.match_indices("/reset-password?token=")
        .map(|(at, marker)| {
            text[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

/// The reset emails `sink` received for `email`, once `count` of them arrived.
async fn reset_mails(sink: &SmtpSink, email: &str, count: usize) -> Vec<SunkMessage> {
    eventually("the reset emails", || async {
        let mails: Vec<SunkMessage> = sink
            .messages()
            .into_iter()
            .filter(|m| m.to == vec![email.to_owned()])
            .collect();
        (mails.len() >= count).then_some(mails)
    })
    .await
}

/// The token of the only link of `message`.
fn token_of(message: &SunkMessage) -> String {
    let tokens = tokens_in(message);
    assert!(!tokens.is_empty(), "no reset link in {}", message.data);
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    tokens[0].clone()
}

async fn queued_reset_mails(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE dedupe_key LIKE 'password-reset:%'")
        .fetch_one(app.database.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_is_mailed_once_in_text_and_html_and_sets_a_new_password_once() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;

    // Any case finds the account.
    let asked = ask_for_reset(&app, &buyer.email.to_uppercase()).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);

    let mail = reset_mails(&sink, &buyer.email, 1).await.remove(0);
    let text = decoded(&mail);
    assert!(text.contains("Subject: Set a new password"), "{text}");
    assert!(text.contains("multipart/alternative"), "{text}");
    assert!(text.contains("Content-Type: text/plain"), "{text}");
    assert!(text.contains("Content-Type: text/html"), "{text}");
    assert!(
        text.contains("http://127.0.0.1:3000/reset-password?token="),
        "the link is not under CARNEAU_PUBLIC_URL: {text}"
    );
    // The link is in both parts (the HTML one as a link and as text to copy).
    assert!(tokens_in(&mail).len() >= 2, "{text}");
    let token = token_of(&mail);

    let me = app.get_as("/me", buyer.caller()).await;
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email_verified"], false, "{me}");

    let done = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    let signed_in = app.sign_in(&buyer.email, NEW_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    // The link came by mail: using it proved the buyer reads that mailbox.
    let signed_in: Value = signed_in.json().await.unwrap();
    assert_eq!(signed_in["account"]["email_verified"], true, "{signed_in}");
    expect_problem(
        app.sign_in(&buyer.email, TEST_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
    )
    .await;

    // Works once.
    let again = expect_problem(
        reset(&app, &token, "yet another passphrase").await,
        StatusCode::GONE,
        "reset-link-used",
    )
    .await;
    assert!(again.detail.contains("once"), "{}", again.detail);
    assert_eq!(
        app.sign_in(&buyer.email, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );

    // Sent once: one queued message and one delivery.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(queued_reset_mails(&app).await, 1);
    assert_eq!(sink.messages().len(), 1);

    // The facts are in the log, with a typed actor and cause, and no secret: the
    // verification through the same write path, as a verification link records it.
    let facts: Vec<(String, Value, String)> = sqlx::query_as(
        "SELECT event_type, metadata, payload::text FROM events \
         WHERE aggregate_type = 'Account' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(buyer.id.to_string())
    .fetch_all(app.database.pool())
    .await
    .unwrap();
    let types: Vec<&str> = facts.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "AccountRegistered",
            "PasswordResetRequested",
            "PasswordReset",
            "EmailVerified"
        ]
    );
    // The reset and the verification are one request's doing.
    assert_eq!(facts[2].1["cause"], facts[3].1["cause"]);
    assert!(facts[3].2.contains(&buyer.email), "{}", facts[3].2);
    for (_, metadata, payload) in &facts[1..] {
        assert_eq!(metadata["actor"]["process"], "self-service", "{metadata}");
        assert_eq!(metadata["cause"]["kind"], "request", "{metadata}");
        assert!(!payload.contains(&token), "{payload}");
        assert!(!payload.contains(NEW_PASSWORD), "{payload}");
    }
    // Only the token's hash is stored.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM password_reset_tokens")
        .fetch_all(app.database.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_ends_every_session_of_the_account() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;
    let other = app.buyer().await;
    // A browser's session (cookie) and an API client's (bearer), both cached by use.
    let signed_in = app.sign_in(&buyer.email, TEST_PASSWORD).await;
    let body: Value = signed_in.json().await.unwrap();
    let cookie = format!(
        "carneau_session={}",
        body["session"]["token"].as_str().unwrap()
    );
    let with_cookie = || {
        app.client
            .get(app.url("/me"))
            .header("cookie", cookie.clone())
            .send()
    };
    assert_eq!(with_cookie().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        app.get_as("/me", buyer.caller()).await.status(),
        StatusCode::OK
    );

    ask_for_reset(&app, &buyer.email).await;
    let token = token_of(&reset_mails(&sink, &buyer.email, 1).await[0]);
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );

    expect_problem(
        with_cookie().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    expect_problem(
        app.get_as("/me", buyer.caller()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Another account's session goes on.
    assert_eq!(
        app.get_as("/me", other.caller()).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_expires_an_hour_after_it_was_sent() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;
    ask_for_reset(&app, &buyer.email).await;
    let token = token_of(&reset_mails(&sink, &buyer.email, 1).await[0]);

    let lifetime: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM expires_at - created_at)::float8 FROM password_reset_tokens",
    )
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert!((lifetime - 3_600.0).abs() < 1.0, "{lifetime}");
    // An hour passes (the link was sent an hour earlier than it was).
    sqlx::query(
        "UPDATE password_reset_tokens SET created_at = created_at - interval '1 hour', \
         expires_at = expires_at - interval '1 hour'",
    )
    .execute(app.database.pool())
    .await
    .unwrap();

    let expired = expect_problem(
        reset(&app, &token, NEW_PASSWORD).await,
        StatusCode::GONE,
        "reset-link-expired",
    )
    .await;
    assert!(expired.detail.contains("one hour"), "{}", expired.detail);
    assert_eq!(
        app.sign_in(&buyer.email, TEST_PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_link_supersedes_an_older_one() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;
    ask_for_reset(&app, &buyer.email).await;
    let first = token_of(&reset_mails(&sink, &buyer.email, 1).await[0]);
    ask_for_reset(&app, &buyer.email).await;
    let second = token_of(&reset_mails(&sink, &buyer.email, 2).await[1]);
    assert_ne!(first, second);

    expect_problem(
        reset(&app, &first, NEW_PASSWORD).await,
        StatusCode::GONE,
        "reset-link-superseded",
    )
    .await;
    assert_eq!(
        reset(&app, &second, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_without_an_account_gets_the_same_answer_and_no_mail() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;

    let known = ask_for_reset(&app, &buyer.email).await;
    let unknown = ask_for_reset(&app, "nobody.here@example.com").await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), known.status());
    for header in ["content-type", "content-length"] {
        assert_eq!(unknown.headers().get(header), known.headers().get(header));
    }
    assert_eq!(unknown.bytes().await.unwrap(), known.bytes().await.unwrap());

    // The known account's mail arrives; nothing goes to the other address.
    reset_mails(&sink, &buyer.email, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let recipients: Vec<Vec<String>> = sink.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(recipients, vec![vec![buyer.email.clone()]]);
    assert_eq!(queued_reset_mails(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_is_limited_per_client_address_and_per_email() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(
        &sink,
        &[
            ("CARNEAU_RESET_LIMIT_PER_ADDRESS", "3/60"),
            ("CARNEAU_RESET_LIMIT_PER_EMAIL", "2/60"),
            ("CARNEAU_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    let ask_from = |email: String, from: &'static str| {
        app.client
            .post(app.url("/password-reset-requests"))
            .header("x-forwarded-for", from)
            .json(&json!({"email": email}))
            .send()
    };

    // Per email, from anywhere, whether or not an account has it: the same answers.
    let buyer = app.buyer().await;
    for email in [buyer.email.clone(), "nobody@example.com".to_owned()] {
        for from in ["198.51.100.1", "198.51.100.2"] {
            let response = ask_from(email.clone(), from).await.unwrap();
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
        let refused = ask_from(email.to_uppercase(), "198.51.100.3")
            .await
            .unwrap();
        assert!(refused.headers().contains_key("retry-after"));
        expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    }
    // The account got two links, not three.
    reset_mails(&sink, &buyer.email, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 2);

    // Per address: the fourth request of one client is refused, whatever the email.
    for n in 0..3 {
        let response = ask_from(format!("someone{n}@example.com"), "203.0.113.5")
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    expect_problem(
        ask_from("someone.else@example.com".to_owned(), "203.0.113.5")
            .await
            .unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
    )
    .await;
    // Another client is not held back.
    let other = ask_from("someone.else@example.com".to_owned(), "203.0.113.6")
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_links_and_weak_passwords_are_problems_that_say_so() {
    let sink = SmtpSink::start().await.unwrap();
    let app = app_mailing_to(&sink, &[]).await;
    let buyer = app.buyer().await;

    // Malformed, cut short, or well-formed but never sent: one clear 410.
    let never_sent = "A".repeat(43);
    for token in ["forged", "", never_sent.as_str()] {
        expect_problem(
            reset(&app, token, NEW_PASSWORD).await,
            StatusCode::GONE,
            "reset-link-invalid",
        )
        .await;
    }
    expect_problem(
        app.post_json("/password-resets", &json!({"token": 7}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-body",
    )
    .await;

    ask_for_reset(&app, &buyer.email).await;
    let token = token_of(&reset_mails(&sink, &buyer.email, 1).await[0]);
    // A password that breaks registration's rule is named on its field; the link lives on.
    let weak = expect_problem(
        reset(&app, &token, "short").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    let fields: Vec<&str> = weak.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["new_password"]);
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    // A malformed email is named too.
    let bad_email = expect_problem(
        ask_for_reset(&app, "not an email").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(bad_email.errors[0].field, "email");
}

//! `carneau mail dead-letters` and `carneau mail retry ID|--all`, run as an operator runs
//! the binary, on mail the sender dead-lettered after the SMTP sink refused it on purpose.

use std::time::Duration;

use carneau_commands::mail::{
    enqueue, Delivery, MailBody, MailSender, MailSenderConfig, OutgoingMail,
};
use carneau_testkit::smtp::SmtpSink;
use carneau_testkit::{TestDatabase, TestRedis};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::cli::carneau;
use crate::support::{expect_problem, spawn_app, Caller};

fn mail(key: &str) -> OutgoingMail {
    OutgoingMail::build(
        key,
        "Carneau <tickets@carneau.example>",
        "buyer@example.com",
        "Your tickets for Jazz at Dusk",
        MailBody::from_text("Your order: http://127.0.0.1:3000/orders/1".to_owned()),
        Vec::new(),
    )
    .unwrap()
}

#[tokio::test]
async fn an_admin_lists_dead_letters_and_sends_them_again_from_the_cli() {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let sink = SmtpSink::start().await.unwrap();
    let sender = MailSender::new(
        database.pool().clone(),
        Delivery::from_url(Some(&sink.url())).unwrap(),
        MailSenderConfig {
            retry_min: Duration::ZERO,
            retry_max: Duration::ZERO,
            max_attempts: 2,
            ..MailSenderConfig::default()
        },
    );
    let mut conn = database.pool().acquire().await.unwrap();
    enqueue(&mut conn, &mail("tickets:cli-1")).await.unwrap();
    drop(conn);
    sink.refuse_messages(true);
    for _ in 0..3 {
        assert_eq!(sender.send_due().await.unwrap(), 0);
    }

    let listed = carneau(&database, &redis, &[], &["mail", "dead-letters"]).await;
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8(listed.stdout).unwrap();
    let line = text.lines().next().unwrap_or_default();
    assert!(line.contains("buyer@example.com"), "{text}");
    assert!(line.contains("2 attempts"), "{text}");
    assert!(line.contains("451"), "{text}");
    let id = line.split('\t').next().unwrap().to_owned();

    // Neither an id nor --all is a usage error; an id that is no dead letter fails.
    let bare = carneau(&database, &redis, &[], &["mail", "retry"]).await;
    assert_eq!(bare.status.code(), Some(2), "{bare:?}");
    let unknown = carneau(&database, &redis, &[], &["mail", "retry", "999999"]).await;
    assert!(!unknown.status.success(), "{unknown:?}");

    sink.refuse_messages(false);
    let retried = carneau(&database, &redis, &[], &["mail", "retry", &id]).await;
    assert!(retried.status.success(), "{retried:?}");
    assert_eq!(sender.send_due().await.unwrap(), 1);
    assert_eq!(sink.messages().len(), 1);
    let after = carneau(&database, &redis, &[], &["mail", "dead-letters"]).await;
    assert_eq!(
        String::from_utf8(after.stdout).unwrap(),
        "no dead letters\n"
    );
    let all = carneau(&database, &redis, &[], &["mail", "retry", "--all"]).await;
    assert_eq!(
        String::from_utf8(all.stdout).unwrap(),
        "0 message(s) queued again\n"
    );
}

#[tokio::test]
async fn only_an_admin_lists_and_retries_dead_letters_over_http() {
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app().await;
    let sender = MailSender::new(
        app.database.pool().clone(),
        Delivery::from_url(Some(&sink.url())).unwrap(),
        MailSenderConfig {
            retry_min: Duration::ZERO,
            retry_max: Duration::ZERO,
            max_attempts: 1,
            ..MailSenderConfig::default()
        },
    );
    let mut conn = app.database.pool().acquire().await.unwrap();
    enqueue(&mut conn, &mail("tickets:http-1")).await.unwrap();
    drop(conn);
    sink.refuse_messages(true);
    assert_eq!(sender.send_due().await.unwrap(), 0);

    let admin = app.admin().await;
    let buyer = app.buyer().await;
    let refused = app
        .get_as("/admin/mail/dead-letters", Caller::Session(&buyer))
        .await;
    expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let listed: Value = app
        .get_as("/admin/mail/dead-letters", Caller::Session(&admin))
        .await
        .json()
        .await
        .unwrap();
    let letters = listed["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{listed}");
    assert_eq!(letters[0]["dedupe_key"], "tickets:http-1");
    assert_eq!(letters[0]["attempts"], 1);
    assert!(letters[0].get("message").is_none(), "no body: {listed}");
    let id = letters[0]["id"].as_i64().unwrap();

    sink.refuse_messages(false);
    let path = format!("/admin/mail/dead-letters/{id}/retry");
    let retried = app
        .request(Method::POST, &path, Caller::Session(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::NO_CONTENT);
    let again = app
        .request(Method::POST, &path, Caller::Session(&admin))
        .send()
        .await
        .unwrap();
    expect_problem(again, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(sender.send_due().await.unwrap(), 1);
    assert_eq!(sink.messages().len(), 1);
}

//! Email verification links go out through the mail outbox, to the SMTP server.
//! (`spawn_app` swaps the application's link sender for a capture; this test drives the
//! outbox sender the application is built with.)

use carneau_api::verification_mail::VerificationMail;
use carneau_api::verification_outbox::OutboxVerificationMail;
use carneau_domain::account::EmailAddress;
use carneau_testkit::smtp::SmtpSink;

use crate::support::{eventually, spawn_app_with};

#[tokio::test]
async fn a_verification_link_is_mailed_through_the_outbox_once() {
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app_with(&[("CARNEAU_SMTP_URL", sink.url().as_str())]).await;
    let links = OutboxVerificationMail::new(
        app.database.pool().clone(),
        app.state.config.tickets.mail_from.clone(),
    );
    let to = EmailAddress::parse("lina@example.com").unwrap();
    let link = "http://shop.test/verify-email?token=abc123";
    links.send(&to, link);
    // The same link again (a retried request): still one message.
    links.send(&to, link);

    let message = eventually("the verification email", || async {
        sink.messages().into_iter().next()
    })
    .await;
    assert_eq!(message.to, vec!["lina@example.com".to_owned()]);
    assert!(message.data.contains("Subject: Confirm your email address"));
    let text = message.data.replace("=\r\n", "").replace("=3D", "=");
    assert!(text.contains(link), "{text}");
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mail_outbox WHERE dedupe_key LIKE 'verify-email:%'",
    )
    .fetch_one(app.database.pool())
    .await
    .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(sink.messages().len(), 1);
}

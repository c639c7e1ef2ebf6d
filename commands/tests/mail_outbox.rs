//! The mail outbox against a real PostgreSQL and the SMTP sink: one message per dedupe
//! key across retries and restarts of the sender, and the log when no SMTP is set.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carneau_commands::mail::{
    dead_letters, enqueue, retry_all_dead_letters, retry_dead_letter, Attachment, Delivery,
    MailBody, MailSender, MailSenderConfig, OutgoingMail,
};
use carneau_testkit::smtp::SmtpSink;
use carneau_testkit::TestDatabase;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

fn tickets_mail(order: &str) -> OutgoingMail {
    OutgoingMail::build(
        &format!("tickets:{order}"),
        "Carneau <tickets@carneau.example>",
        "buyer@example.com",
        "Your tickets for Jazz at Dusk",
        MailBody::from_text("Your order: http://127.0.0.1:3000/orders/1".to_owned()),
        vec![Attachment {
            file_name: "ticket-1.png".to_owned(),
            content_type: "image/png".to_owned(),
            bytes: vec![0x89, b'P', b'N', b'G'],
        }],
    )
    .unwrap()
}

/// A sender that retries at once: tests drive it pass by pass, no waiting.
fn sender(pool: &PgPool, delivery: Delivery) -> MailSender {
    MailSender::new(
        pool.clone(),
        delivery,
        MailSenderConfig {
            poll_interval: Duration::from_millis(20),
            retry_min: Duration::ZERO,
            retry_max: Duration::ZERO,
            ..MailSenderConfig::default()
        },
    )
}

async fn queue(pool: &PgPool, mail: &OutgoingMail) -> bool {
    let mut conn = pool.acquire().await.unwrap();
    enqueue(&mut conn, mail).await.unwrap()
}

async fn outbox_row(pool: &PgPool, key: &str) -> (Option<String>, bool, i32) {
    sqlx::query_as(
        "SELECT sent_via, message IS NULL, attempts FROM mail_outbox WHERE dedupe_key = $1",
    )
    .bind(key)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn one_message_per_dedupe_key_across_requeues_and_restarts() {
    let db = TestDatabase::create().await.unwrap();
    let sink = SmtpSink::start().await.unwrap();
    let smtp = || Delivery::from_url(Some(&sink.url())).unwrap();

    assert!(queue(db.pool(), &tickets_mail("o1")).await);
    assert!(!queue(db.pool(), &tickets_mail("o1")).await, "queued twice");
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 1);
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 0);
    // The trigger runs again after the send (a projector rebuilt): still nothing new.
    assert!(!queue(db.pool(), &tickets_mail("o1")).await);
    // A restarted process with a fresh sender.
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 0);

    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].from, "tickets@carneau.example");
    assert_eq!(messages[0].to, vec!["buyer@example.com".to_owned()]);
    assert!(messages[0]
        .data
        .contains("Message-ID: <tickets.o1@carneau.example>"));
    assert!(messages[0].data.contains("ticket-1.png"));
    let (via, body_dropped, attempts) = outbox_row(db.pool(), "tickets:o1").await;
    assert_eq!(via.as_deref(), Some("smtp"));
    assert!(
        body_dropped,
        "a sent message's body (bearer secrets) is dropped"
    );
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn a_refused_message_is_sent_once_by_a_restarted_sender() {
    let db = TestDatabase::create().await.unwrap();
    let sink = SmtpSink::start().await.unwrap();
    let smtp = || Delivery::from_url(Some(&sink.url())).unwrap();
    queue(db.pool(), &tickets_mail("o2")).await;

    sink.refuse_messages(true);
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 0);
    let (via, body_dropped, attempts) = outbox_row(db.pool(), "tickets:o2").await;
    assert_eq!((via, body_dropped, attempts), (None, false, 1));

    sink.refuse_messages(false);
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 1);
    assert_eq!(sender(db.pool(), smtp()).send_due().await.unwrap(), 0);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(outbox_row(db.pool(), "tickets:o2").await.2, 2);
}

#[tokio::test]
async fn a_message_still_refused_after_its_attempts_is_dead_lettered_until_retried() {
    let db = TestDatabase::create().await.unwrap();
    let sink = SmtpSink::start().await.unwrap();
    let bounded = || {
        MailSender::new(
            db.pool().clone(),
            Delivery::from_url(Some(&sink.url())).unwrap(),
            MailSenderConfig {
                retry_min: Duration::ZERO,
                retry_max: Duration::ZERO,
                max_attempts: 3,
                ..MailSenderConfig::default()
            },
        )
    };
    queue(db.pool(), &tickets_mail("o4")).await;
    queue(db.pool(), &tickets_mail("o5")).await;

    // The SMTP server answers 451 (try again later) to every message, for good.
    sink.refuse_messages(true);
    for _ in 0..5 {
        assert_eq!(bounded().send_due().await.unwrap(), 0);
    }
    // Three attempts each, then no more: dead-lettered with the body kept.
    for key in ["tickets:o4", "tickets:o5"] {
        assert_eq!(outbox_row(db.pool(), key).await, (None, false, 3));
    }
    let letters = dead_letters(db.pool()).await.unwrap();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].dedupe_key, "tickets:o4");
    assert_eq!(letters[0].attempts, 3);
    assert!(
        letters[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("451"),
        "{letters:?}"
    );

    // The server mended, one is sent again on an admin's word, then the rest.
    sink.refuse_messages(false);
    assert!(retry_dead_letter(db.pool(), letters[0].id).await.unwrap());
    assert!(!retry_dead_letter(db.pool(), letters[0].id).await.unwrap());
    assert_eq!(bounded().send_due().await.unwrap(), 1);
    assert_eq!(dead_letters(db.pool()).await.unwrap().len(), 1);
    assert_eq!(retry_all_dead_letters(db.pool()).await.unwrap(), 1);
    assert_eq!(bounded().send_due().await.unwrap(), 1);
    assert!(dead_letters(db.pool()).await.unwrap().is_empty());
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(
        outbox_row(db.pool(), "tickets:o4").await,
        (Some("smtp".to_owned()), true, 1)
    );
}

#[tokio::test]
async fn a_running_sender_stopped_and_started_again_sends_each_message_once() {
    let db = TestDatabase::create().await.unwrap();
    let sink = SmtpSink::start().await.unwrap();
    let smtp = || Delivery::from_url(Some(&sink.url())).unwrap();
    for order in ["a", "b", "c"] {
        queue(db.pool(), &tickets_mail(order)).await;
    }
    for _restart in 0..2 {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(sender(db.pool(), smtp()).run(shutdown.clone()));
        wait_until_all_sent(db.pool()).await;
        shutdown.cancel();
        task.await.unwrap();
        queue(db.pool(), &tickets_mail("a")).await;
    }
    let mut ids: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Message-ID"))
                .map(str::to_owned)
        })
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "Message-ID: <tickets.a@carneau.example>",
            "Message-ID: <tickets.b@carneau.example>",
            "Message-ID: <tickets.c@carneau.example>",
        ]
    );
}

async fn wait_until_all_sent(pool: &PgPool) {
    for _ in 0..600 {
        let unsent: i64 =
            sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(pool)
                .await
                .unwrap();
        if unsent == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sender did not send everything within 30 s");
}

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn without_smtp_the_message_is_logged_not_sent() {
    let db = TestDatabase::create().await.unwrap();
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    queue(db.pool(), &tickets_mail("o3")).await;
    assert_eq!(
        sender(db.pool(), Delivery::Log).send_due().await.unwrap(),
        1
    );
    assert_eq!(
        sender(db.pool(), Delivery::Log).send_due().await.unwrap(),
        0
    );

    let (via, _, _) = outbox_row(db.pool(), "tickets:o3").await;
    assert_eq!(via.as_deref(), Some("log"));
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text.matches("mail not sent (no SMTP server configured)")
            .count(),
        1,
        "{text}"
    );
    assert!(text.contains("Your tickets for Jazz at Dusk"), "{text}");
    assert!(text.contains("http://127.0.0.1:3000/orders/1"), "{text}");
}

#[test]
fn a_bad_smtp_url_is_refused_without_echoing_it() {
    let Err(error) = Delivery::from_url(Some("ftp://user:hunter2@host")) else {
        panic!("accepted an ftp URL");
    };
    assert!(!error.to_string().contains("hunter2"));
}

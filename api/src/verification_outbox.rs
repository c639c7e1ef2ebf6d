//! Email verification links sent through the mail outbox (SMTP, or the log without it).

use carneau_commands::mail::{enqueue, MailBody, OutgoingMail};
use carneau_domain::account::EmailAddress;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::verification_mail::VerificationMail;

/// Queues each verification link as an email. The link is single-use and can be asked
/// for again, so queueing happens off the request (a failure is logged, not returned).
pub struct OutboxVerificationMail {
    pool: PgPool,
    from: String,
}

impl OutboxVerificationMail {
    /// Queues into `pool`'s outbox, sent from `from`.
    pub fn new(pool: PgPool, from: String) -> Self {
        Self { pool, from }
    }
}

impl VerificationMail for OutboxVerificationMail {
    fn send(&self, to: &EmailAddress, link: &str) {
        // One message per link: a retried request queues nothing new. The key holds a
        // digest, not the link, which is a credential.
        let digest = Sha256::digest(link.as_bytes());
        let key = format!("verify-email:{}", hex_prefix(&digest));
        let text = format!(
            "Confirm that this is your email address by opening this link:\n\n{link}\n\n\
             If you did not create an account, ignore this message."
        );
        let mail = match OutgoingMail::build(
            &key,
            &self.from,
            to.as_str(),
            "Confirm your email address",
            MailBody::from_text(text),
            Vec::new(),
        ) {
            Ok(mail) => mail,
            Err(error) => {
                tracing::warn!(%error, "the verification email could not be composed");
                return;
            }
        };
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let queued = async {
                let mut conn = pool.acquire().await?;
                enqueue(&mut conn, &mail).await
            };
            if let Err(error) = queued.await {
                tracing::warn!(%error, "the verification email could not be queued");
            }
        });
    }
}

fn hex_prefix(digest: &[u8]) -> String {
    digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

//! The sender task: delivers due messages of the outbox, retrying temporary failures with
//! a doubling backoff a bounded number of times, then dead-lettering them.

use std::time::Duration;

use chrono::Utc;
use lettre::address::Envelope;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};

use super::outbox::{claim_due, mark_dead_lettered, mark_failed, mark_sent, OutboxRow};
use super::MailError;
use crate::metrics::{self, MailOutcome};

/// How long one SMTP conversation may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts a message gets before temporary failures dead-letter it.
pub const MAIL_MAX_ATTEMPTS: i32 = 12;

/// Where messages go.
#[derive(Clone)]
pub enum Delivery {
    /// An SMTP server (`CARNEAU_SMTP_URL`).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No server configured: each message is written to the log (development only).
    Log,
}

impl Delivery {
    /// What `mail_outbox.sent_via` records for a message this delivery sent.
    fn via(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Log => "log",
        }
    }

    /// SMTP at `url` (`smtp://host:port`, `smtp://host?tls=required`,
    /// `smtps://user:password@host`), or the log when `url` is `None`.
    pub fn from_url(url: Option<&str>) -> Result<Self, MailError> {
        match url {
            None => Ok(Self::Log),
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|builder| Self::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build()))
                // The URL may hold a password: never echo it.
                .map_err(|_| MailError::Build("CARNEAU_SMTP_URL is not a valid SMTP URL".into())),
        }
    }
}

/// How the sender paces itself.
#[derive(Debug, Clone)]
pub struct MailSenderConfig {
    /// Time between looks at the outbox.
    pub poll_interval: Duration,
    /// How long a claimed message is left alone by other senders; a sender that dies
    /// mid-send has its messages retried after this.
    pub lease: Duration,
    /// Messages claimed per look.
    pub batch_size: i64,
    /// Wait after a first failure; it doubles with each further one.
    pub retry_min: Duration,
    /// Longest wait between attempts.
    pub retry_max: Duration,
    /// Attempts after which a message still failing temporarily is dead-lettered.
    pub max_attempts: i32,
}

impl Default for MailSenderConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            batch_size: 20,
            retry_min: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            // 5 s doubling to the hour: the twelfth attempt comes about 2.4 hours after
            // the first, long enough for an SMTP outage to be noticed and mended.
            max_attempts: MAIL_MAX_ATTEMPTS,
        }
    }
}

/// Delivers the outbox's messages.
#[derive(Clone)]
pub struct MailSender {
    pool: PgPool,
    delivery: Delivery,
    config: MailSenderConfig,
}

impl MailSender {
    /// A sender of `pool`'s outbox through `delivery`.
    pub fn new(pool: PgPool, delivery: Delivery, config: MailSenderConfig) -> Self {
        Self {
            pool,
            delivery,
            config,
        }
    }

    /// Sends everything due now, once; returns how many messages went out. The messages
    /// handed over are marked sent together after the batch, even when a later one of
    /// it could not be recorded: a crash in between sends them again once their lease
    /// lapses (at least once, as for a crash between one message and its mark).
    pub async fn send_due(&self) -> sqlx::Result<usize> {
        let lease_until = Utc::now() + self.config.lease;
        let rows = claim_due(&self.pool, self.config.batch_size, lease_until).await?;
        let mut sent = Vec::with_capacity(rows.len());
        let mut outcome = Ok(());
        for row in rows {
            let id = row.id;
            match self.deliver(row).await {
                Ok(true) => sent.push(id),
                Ok(false) => {}
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        mark_sent(&self.pool, &sent, self.delivery.via()).await?;
        outcome?;
        Ok(sent.len())
    }

    /// Sends due messages until `shutdown` is cancelled; a message in flight is
    /// finished first.
    pub async fn run(self, shutdown: CancellationToken) {
        if matches!(self.delivery, Delivery::Log) {
            info!("CARNEAU_SMTP_URL is not set: outgoing mail is written to the log");
        }
        loop {
            let pause = match self.send_due().await {
                Ok(sent) if sent as i64 >= self.config.batch_size => Duration::ZERO,
                Ok(_) => self.config.poll_interval,
                Err(error) => {
                    warn!(%error, "the mail outbox could not be read");
                    self.config.poll_interval
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Hands one message over; `true` when it went out (the caller marks it sent).
    #[instrument(skip_all, fields(dedupe_key = %row.dedupe_key, attempt = row.attempts))]
    async fn deliver(&self, row: OutboxRow) -> sqlx::Result<bool> {
        let transport = match &self.delivery {
            Delivery::Log => {
                info!(
                    recipient = %row.recipient,
                    subject = %row.subject,
                    body = %row.text_body,
                    "mail not sent (no SMTP server configured); its text follows"
                );
                metrics::mail_delivered(MailOutcome::Logged);
                return Ok(true);
            }
            Delivery::Smtp(transport) => transport,
        };
        let envelope = match envelope_of(&row) {
            Ok(envelope) => envelope,
            Err(error) => {
                warn!(%error, "mail given up: its addresses are invalid");
                mark_failed(&self.pool, row.id, &error, None).await?;
                metrics::mail_delivered(MailOutcome::Refused);
                return Ok(false);
            }
        };
        match transport.send_raw(&envelope, &row.message).await {
            Ok(_) => {
                metrics::mail_delivered(MailOutcome::Sent);
                info!(recipient = %row.recipient, "mail sent");
                Ok(true)
            }
            Err(error) if error.is_permanent() => {
                warn!(%error, "mail given up: the SMTP server refused it for good");
                mark_failed(&self.pool, row.id, &error.to_string(), None).await?;
                metrics::mail_delivered(MailOutcome::Refused);
                Ok(false)
            }
            Err(error) if row.attempts >= self.config.max_attempts => {
                warn!(%error, "mail dead-lettered: still failing after its last attempt");
                mark_dead_lettered(&self.pool, row.id, &error.to_string()).await?;
                metrics::mail_delivered(MailOutcome::DeadLettered);
                Ok(false)
            }
            Err(error) => {
                let retry_at = Utc::now() + self.backoff(row.attempts);
                warn!(%error, %retry_at, "mail not sent; will retry");
                mark_failed(&self.pool, row.id, &error.to_string(), Some(retry_at)).await?;
                metrics::mail_delivered(MailOutcome::Retry);
                Ok(false)
            }
        }
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.config
            .retry_min
            .saturating_mul(1 << doublings)
            .min(self.config.retry_max)
    }
}

fn envelope_of(row: &OutboxRow) -> Result<Envelope, String> {
    let from: Address = row
        .sender
        .parse()
        .map_err(|_| "invalid sender".to_owned())?;
    let to: Address = row
        .recipient
        .parse()
        .map_err(|_| "invalid recipient".to_owned())?;
    Envelope::new(Some(from), vec![to]).map_err(|error| error.to_string())
}

//! Settings of tickets and mail: the secret ticket codes are derived from, where mail
//! goes, and how often an order's tickets may be mailed again.

use carneau_commands::mail::{is_valid_mailbox, Delivery};
use carneau_commands::rate_limit::Limit;
use carneau_domain::ticket_code::TicketSecret;

use super::limits::read_limit;
use super::{ConfigError, SecretUrl};

/// The sender of outgoing mail when `CARNEAU_MAIL_FROM` is not set.
pub const DEFAULT_MAIL_FROM: &str = "Carneau <tickets@carneau.invalid>";
/// Default `CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER`: 3 resends per hour, enough for "it
/// went to spam" twice over, too few to flood anyone.
pub const DEFAULT_RESEND_LIMIT_PER_ORDER: &str = "3/3600";

/// The tickets and mail settings.
#[derive(Debug, Clone)]
pub struct TicketsConfig {
    /// `CARNEAU_TICKET_SECRET` (32+ characters): every event's code-signing key is
    /// derived from it. Unset: a random secret per process, so codes change on restart.
    pub ticket_secret: Option<TicketSecret>,
    /// `CARNEAU_SMTP_URL` (`smtp://host:port`, `smtp://host?tls=required`,
    /// `smtps://user:password@host`). Unset: mail is written to the log.
    pub smtp_url: Option<SecretUrl>,
    /// `CARNEAU_MAIL_FROM`: the sender of outgoing mail, `Name <address>`.
    pub mail_from: String,
    /// `CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER` (`max/seconds`): requests to mail an
    /// order's tickets again, per order, whoever asks (the buyer, the organiser, an admin).
    pub resend_per_order: Limit,
}

impl TicketsConfig {
    /// Reads the settings through `read` (empty values already count as unset).
    pub(super) fn from_read(
        read: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let ticket_secret = read("CARNEAU_TICKET_SECRET")?
            .map(|secret| {
                TicketSecret::new(secret.into_bytes())
                    .map_err(|error| ConfigError::new("CARNEAU_TICKET_SECRET", error.to_string()))
            })
            .transpose()?;
        let smtp_url = read("CARNEAU_SMTP_URL")?;
        if let Some(url) = &smtp_url {
            Delivery::from_url(Some(url))
                .map_err(|error| ConfigError::new("CARNEAU_SMTP_URL", error.to_string()))?;
        }
        let mail_from = read("CARNEAU_MAIL_FROM")?.unwrap_or_else(|| DEFAULT_MAIL_FROM.into());
        if !is_valid_mailbox(&mail_from) {
            return Err(ConfigError::new(
                "CARNEAU_MAIL_FROM",
                "must be a mailbox such as `Carneau <tickets@example.com>`",
            ));
        }
        Ok(Self {
            ticket_secret,
            smtp_url: smtp_url.map(SecretUrl::new),
            mail_from,
            resend_per_order: read_limit(
                read,
                "CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER",
                DEFAULT_RESEND_LIMIT_PER_ORDER,
            )?,
        })
    }
}

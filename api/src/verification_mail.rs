//! Delivery of email verification links. Until the mail outbox exists, the link is only
//! written to the log: [`VerificationLinks::logged`]. The outbox replaces it with a
//! sender of its own; tests capture links with [`VerificationLinks::new`].

use std::sync::Arc;

use carneau_domain::account::EmailAddress;

/// Sends one verification link to one address.
pub trait VerificationMail: Send + Sync {
    /// Delivers `link` to `to`. Must not fail the request: a lost link can be re-sent.
    fn send(&self, to: &EmailAddress, link: &str);
}

/// The verification link sender the application uses.
#[derive(Clone)]
pub struct VerificationLinks(Arc<dyn VerificationMail>);

impl VerificationLinks {
    /// A sender of your own (the mail outbox, a test's capture).
    pub fn new(sender: Arc<dyn VerificationMail>) -> Self {
        Self(sender)
    }

    /// The stand-in until mail is sent: [`log_verification_link_instead_of_mailing`].
    pub fn logged() -> Self {
        Self(Arc::new(LogInsteadOfMail))
    }

    /// Delivers `link` to `to`.
    pub fn send(&self, to: &EmailAddress, link: &str) {
        self.0.send(to, link);
    }
}

struct LogInsteadOfMail;

impl VerificationMail for LogInsteadOfMail {
    fn send(&self, to: &EmailAddress, link: &str) {
        log_verification_link_instead_of_mailing(to, link);
    }
}

/// Writes the verification link to the log, at info level, instead of mailing it. The
/// link is a single-use credential for this address only: acceptable in a development
/// log, and the reason a real deployment plugs in the mail outbox.
pub fn log_verification_link_instead_of_mailing(to: &EmailAddress, link: &str) {
    tracing::info!(to = %to, link, "email verification link (not mailed: no mail outbox yet)");
}

//! The email that carries a password reset link, in plain text and HTML. The link opens
//! the web client's `/reset-password` page under `CARNEAU_PUBLIC_URL`, the base the email
//! verification links use.

use carneau_commands::accounts::{PasswordResetMail, PasswordResetToken, PASSWORD_RESET_LIFETIME};
use carneau_commands::mail::{escape_html as escape, MailBody, MailError, OutgoingMail};
use carneau_domain::account::EmailAddress;

/// The subject of every reset email.
pub const RESET_MAIL_SUBJECT: &str = "Set a new password";

/// Writes reset emails whose links point at `public_url`, sent from `from`.
pub struct ResetLinkMail {
    /// `CARNEAU_PUBLIC_URL`, without a trailing slash.
    pub public_url: String,
    /// `CARNEAU_MAIL_FROM`.
    pub from: String,
}

impl ResetLinkMail {
    /// The link that opens the page setting a new password with `token`.
    pub fn link(&self, token: &PasswordResetToken) -> String {
        format!(
            "{}/reset-password?token={}",
            self.public_url.trim_end_matches('/'),
            token.expose()
        )
    }
}

impl PasswordResetMail for ResetLinkMail {
    fn compose(
        &self,
        dedupe_key: &str,
        to: &EmailAddress,
        token: &PasswordResetToken,
    ) -> Result<OutgoingMail, MailError> {
        let link = self.link(token);
        let minutes = PASSWORD_RESET_LIFETIME.as_secs() / 60;
        let text = format!(
            "Someone asked to set a new password for the Carneau account of this address.\n\n\
             Open this link to choose a new password (it works once, for {minutes} minutes):\n\n\
             {link}\n\n\
             Setting a new password signs the account out everywhere.\n\
             If you did not ask for this, ignore this message: your password stays as it is."
        );
        let link = escape(&link);
        let html = format!(
            "<!doctype html><html lang=\"en\"><body style=\"font-family: sans-serif; \
             line-height: 1.5\">\
             <p>Someone asked to set a new password for the Carneau account of this address.</p>\
             <p><a href=\"{link}\">Choose a new password</a></p>\
             <p>The link works once, for {minutes} minutes. If clicking does not work, \
             copy this address into your browser:<br><code>{link}</code></p>\
             <p>Setting a new password signs the account out everywhere.</p>\
             <p>If you did not ask for this, ignore this message: your password stays as it \
             is.</p></body></html>"
        );
        OutgoingMail::build(
            dedupe_key,
            &self.from,
            to.as_str(),
            RESET_MAIL_SUBJECT,
            MailBody { text, html },
            Vec::new(),
        )
    }
}

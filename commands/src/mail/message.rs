//! One message, built once when it is queued: the sender only transmits its bytes.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

/// A file attached to a message (a ticket's QR code).
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The file name shown to the reader.
    pub file_name: String,
    /// Its MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address does not parse as a mailbox.
    #[error("invalid mail address {0:?}")]
    Address(String),
    /// The message could not be assembled.
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// What a message says: a plain-text part and an HTML part of the same content. Every
/// message has both (mail clients show the HTML, the rest and the log the text).
#[derive(Debug, Clone)]
pub struct MailBody {
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl MailBody {
    /// Both parts from `text`: the HTML part keeps its paragraphs and line breaks and
    /// makes a link of every line that is a web address.
    pub fn from_text(text: String) -> Self {
        let html = super::html::html_of_text(&text);
        Self { text, html }
    }
}

/// A message ready to queue: its dedupe key, envelope and formatted bytes.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// Unique per message that must go out once, e.g. `tickets:{order_id}`.
    pub dedupe_key: String,
    /// The envelope sender (`MAIL FROM`).
    pub sender: String,
    /// The envelope recipient (`RCPT TO`).
    pub recipient: String,
    /// The subject (logged; no secrets).
    pub subject: String,
    /// The `Message-ID`, derived from the dedupe key so a resent copy carries the same.
    pub message_id: String,
    /// The plain-text body, which is what the log shows when no SMTP server is set.
    pub text_body: String,
    /// The whole RFC 5322 message.
    pub formatted: Vec<u8>,
}

impl OutgoingMail {
    /// Builds a message of `body`'s two parts (`multipart/alternative`) with
    /// `attachments`. `from` is a mailbox (`Name <address>`), whose domain is the
    /// right-hand side of the `Message-ID`.
    pub fn build(
        dedupe_key: &str,
        from: &str,
        to: &str,
        subject: &str,
        body: MailBody,
        attachments: Vec<Attachment>,
    ) -> Result<Self, MailError> {
        let parts = MultiPart::alternative_plain_html(body.text.clone(), body.html);
        if attachments.is_empty() {
            return Self::assemble(dedupe_key, from, to, subject, body.text, parts);
        }
        let mut mixed = MultiPart::mixed().multipart(parts);
        for attachment in attachments {
            let content_type = ContentType::parse(&attachment.content_type)
                .map_err(|error| MailError::Build(error.to_string()))?;
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(attachment.file_name)
                    .body(attachment.bytes, content_type),
            );
        }
        Self::assemble(dedupe_key, from, to, subject, body.text, mixed)
    }

    fn assemble(
        dedupe_key: &str,
        from: &str,
        to: &str,
        subject: &str,
        text_body: String,
        body: MultiPart,
    ) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
        let message_id = message_id_for(dedupe_key, from.email.domain());
        let message = Message::builder()
            .from(from.clone())
            .to(to.clone())
            .subject(subject)
            .message_id(Some(message_id.clone()))
            .date_now()
            .multipart(body)
            .map_err(|error| MailError::Build(error.to_string()))?;
        Ok(Self {
            dedupe_key: dedupe_key.to_owned(),
            sender: from.email.to_string(),
            recipient: to.email.to_string(),
            subject: subject.to_owned(),
            message_id,
            text_body,
            formatted: message.formatted(),
        })
    }
}

/// Whether `text` is a mailbox (`Name <address>` or a bare address) mail can be sent
/// from or to.
pub fn is_valid_mailbox(text: &str) -> bool {
    text.parse::<Mailbox>().is_ok()
}

/// `<{dedupe key, made header-safe}@{domain}>`: the same key always gives the same id.
fn message_id_for(dedupe_key: &str, domain: &str) -> String {
    let local: String = dedupe_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{local}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_follows_from_the_dedupe_key() {
        let build = || {
            OutgoingMail::build(
                "tickets:0190-abc",
                "Carneau <tickets@carneau.example>",
                "buyer@example.com",
                "Your tickets",
                MailBody::from_text("Hello".to_owned()),
                vec![],
            )
            .unwrap()
        };
        let (first, again) = (build(), build());
        assert_eq!(first.message_id, "<tickets.0190-abc@carneau.example>");
        assert_eq!(first.message_id, again.message_id);
        let text = String::from_utf8(first.formatted).unwrap();
        assert!(
            text.contains("Message-ID: <tickets.0190-abc@carneau.example>"),
            "{text}"
        );
        assert_eq!(first.recipient, "buyer@example.com");
    }

    #[test]
    fn a_message_with_html_carries_both_parts() {
        let body = MailBody {
            text: "plain words".to_owned(),
            html: "<p>rich words</p>".to_owned(),
        };
        let mail = OutgoingMail::build(
            "k",
            "tickets@x.example",
            "ann@example.com",
            "s",
            body,
            vec![],
        )
        .unwrap();
        let text = String::from_utf8(mail.formatted).unwrap();
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(
            text.contains("text/plain") && text.contains("plain words"),
            "{text}"
        );
        assert!(
            text.contains("text/html") && text.contains("<p>rich words</p>"),
            "{text}"
        );
        assert_eq!(mail.text_body, "plain words");
    }

    #[test]
    fn refuses_an_address_that_does_not_parse() {
        let error = OutgoingMail::build(
            "k",
            "tickets@x.example",
            "not an address",
            "s",
            MailBody::from_text(String::new()),
            vec![],
        )
        .unwrap_err();
        assert!(matches!(error, MailError::Address(_)));
    }
}

//! Outgoing mail: an outbox table written in the same transaction as whatever decides a
//! message must go out, and a sender task that delivers it over SMTP (or logs it when
//! no SMTP server is configured).
//!
//! Exactly one message per dedupe key: queueing twice is a no-op, and a message is
//! marked sent right after the SMTP server accepts it. The one residual duplicate is a
//! crash between that acceptance and the mark; the message then goes out again with the
//! same deterministic `Message-ID`, which mail clients use to fold the two together.

mod message;
mod outbox;
mod sender;

pub use message::{is_valid_mailbox, Attachment, MailError, OutgoingMail};
pub use outbox::{enqueue, OutboxRow};
pub use sender::{Delivery, MailSender, MailSenderConfig};

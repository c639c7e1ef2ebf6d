//! Outgoing mail: an outbox table written in the same transaction as whatever decides a
//! message must go out, and a sender task that delivers it over SMTP (or logs it when
//! no SMTP server is configured).
//!
//! Exactly one message per dedupe key: queueing twice is a no-op, and a message is
//! marked sent right after the SMTP server accepts it. The one residual duplicate is a
//! crash between that acceptance and the mark; the message then goes out again with the
//! same deterministic `Message-ID`, which mail clients use to fold the two together.
//!
//! A temporary SMTP failure is retried with a doubling backoff, [`MAIL_MAX_ATTEMPTS`]
//! times at most; then the message is dead-lettered (kept, body included, out of the
//! queue) until an admin sends it again (`carneau mail retry`).

mod dead_letters;
mod html;
mod message;
mod outbox;
mod sender;

pub use dead_letters::{dead_letters, retry_all_dead_letters, retry_dead_letter, DeadLetter};
pub use html::escape_html;
pub use message::{is_valid_mailbox, Attachment, MailBody, MailError, OutgoingMail};
pub use outbox::{enqueue, enqueue_all, outbox_backlog, OutboxBacklog, OutboxRow};
pub use sender::{Delivery, MailSender, MailSenderConfig, MAIL_MAX_ATTEMPTS};

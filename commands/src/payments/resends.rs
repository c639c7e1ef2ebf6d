//! Sending an order's tickets email again on request: the request is recorded on the
//! order (who asked, and why), and the tickets email process manager mails that fact once.

use carneau_domain::ids::OrderId;
use carneau_domain::order::{Order, OrderCommand};
use carneau_domain::EventMetadata;
use chrono::Utc;
use tracing::instrument;
use uuid::Uuid;

use super::{in_purchase, PaymentError, Payments};
use crate::idempotency::IdempotencyKey;

impl Payments {
    /// Records a request to send the tickets of `order_id` again, made by `caller` (the
    /// buyer, the event's organiser or an admin). With the client's `idempotency_key`, a
    /// retry records nothing more; without one every call is a new request. Answers
    /// whether a request was recorded now. Refused (`NoTicketsToResend`) when the order
    /// has no valid tickets.
    #[instrument(skip_all, fields(order_id = %order_id, actor = %caller.actor))]
    pub async fn resend_tickets(
        &self,
        order_id: OrderId,
        idempotency_key: Option<&IdempotencyKey>,
        caller: &EventMetadata,
    ) -> Result<bool, PaymentError> {
        let request_id = match idempotency_key {
            Some(key) => resend_request_id(order_id, key),
            None => Uuid::new_v4(),
        };
        let executed = self
            .execute(
                order_id,
                OrderCommand::ResendTickets {
                    request_id,
                    now: Utc::now(),
                },
                &in_purchase(caller, order_id),
            )
            .await?;
        let recorded = !executed.appended.is_empty();
        tracing::info!(recorded, "tickets resend requested");
        Ok(recorded)
    }
}

/// Whether asking `order` (of `order_id`) to send its tickets again with
/// `idempotency_key` is a retry of a request already recorded: it records and mails
/// nothing, so a rate limit need not count it. Without a key every call is new.
pub fn is_recorded_resend(
    order: &Order,
    order_id: OrderId,
    idempotency_key: Option<&IdempotencyKey>,
) -> bool {
    idempotency_key.is_some_and(|key| order.resend_recorded(resend_request_id(order_id, key)))
}

/// The id of the request to resend `order_id`'s tickets that the client's key names.
fn resend_request_id(order_id: OrderId, key: &IdempotencyKey) -> Uuid {
    key.derive_id(&format!("resend-tickets:{order_id}"))
}

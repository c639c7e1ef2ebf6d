//! The payments' refusals and failures (`PaymentError`, `OrderError`, `GatewayError`) as
//! problems.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use carneau_commands::payments::gateway::GatewayError;
use carneau_commands::payments::webhook::SignatureError;
use carneau_commands::payments::PaymentError;
use carneau_domain::order::OrderError;

use super::holds::{inventory_problem, reservation_problem};
use crate::problem::{ApiError, FieldError};

/// Maps a refused or failed payment operation (checkout, refund, webhook) to its problem.
pub fn payment_problem(error: PaymentError) -> ApiError {
    match error {
        PaymentError::Hold(refusal) => inventory_problem(&refusal),
        PaymentError::Order(refusal) => order_problem(&refusal),
        PaymentError::Gateway(error) => gateway_problem(error),
        PaymentError::Reservation(error) => reservation_problem(error),
        PaymentError::Store(error) => ApiError::store(error),
        PaymentError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "order-busy",
            "Try again",
            "This order is being changed by several requests at once; try again in a moment.",
        )
        .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
        .nothing_changed(),
    }
}

fn order_problem(refusal: &OrderError) -> ApiError {
    match refusal {
        OrderError::UnknownOrder => ApiError::not_found("This order"),
        OrderError::UnknownTicket => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-ticket",
            "Unknown ticket",
            refusal.to_string(),
        )
        .with_field_errors(vec![FieldError::new(
            "ticket_ids",
            "must name tickets of this order",
        )]),
        OrderError::Attendee(attendee) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            attendee.kind(),
            "Attendee details missing",
            refusal.to_string(),
        )
        .with_field_errors(vec![FieldError::new(
            attendee.field(),
            attendee.to_string(),
        )]),
        OrderError::UnknownSeat => ApiError::not_found("This ticket"),
        OrderError::AlreadyPlaced
        | OrderError::EventStarted
        | OrderError::NotPaid
        | OrderError::AlreadyRefunded
        | OrderError::UnknownRefund
        | OrderError::NoTicketsToResend => ApiError::conflict(refusal.kind(), refusal.to_string()),
    }
}

/// The payment provider refused a request (502) or could not be reached (503).
pub fn gateway_problem(error: GatewayError) -> ApiError {
    match error {
        GatewayError::Refused(cause) => {
            tracing::error!(%cause, "the payment provider refused a request");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "payment-provider-refused",
                "Payment provider refused",
                "The payment provider refused the request; nothing was charged.",
            )
        }
        GatewayError::Unavailable(cause) => {
            tracing::warn!(%cause, "the payment provider is unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "payment-provider-unavailable",
                "Try again",
                "The payment provider cannot be reached right now; try again in a moment.",
            )
        }
    }
}

/// A provider event (webhook, simulated checkout) that could not be taken into account.
/// A refusal will not change on redelivery: it is acknowledged (`Ok`) and left to the logs
/// (and the payments process manager, which drives pending work again); anything a
/// redelivery may fix is 503 `try-again`.
pub fn provider_event_failure(error: PaymentError) -> Result<(), ApiError> {
    match error {
        PaymentError::Order(refusal) => {
            tracing::error!(%refusal, "provider event refused by the order");
            Ok(())
        }
        PaymentError::Gateway(GatewayError::Refused(cause)) => {
            tracing::error!(%cause, "the provider refused a follow-up of its own event");
            Ok(())
        }
        error @ (PaymentError::Hold(_)
        | PaymentError::Gateway(GatewayError::Unavailable(_))
        | PaymentError::Reservation(_)
        | PaymentError::Store(_)
        | PaymentError::Busy) => {
            tracing::warn!(%error, "provider event not taken into account yet; asking for redelivery");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "try-again",
                "Try again",
                "The event could not be processed right now; deliver it again.",
            ))
        }
    }
}

/// A webhook whose `Stripe-Signature` does not prove it came from Stripe, now: 400
/// `invalid-signature`, nothing changed. Stripe does not retry a 4xx, so a forged or
/// replayed delivery is dropped for good.
pub fn webhook_signature_problem(refusal: &SignatureError) -> ApiError {
    let detail = match refusal {
        SignatureError::Malformed => {
            "The Stripe-Signature header is missing or malformed; nothing was changed."
        }
        SignatureError::Stale => {
            "The signature's timestamp is too far from now (a replay or a wrong clock); \
             nothing was changed."
        }
        SignatureError::NoMatch => {
            "No signature matches the payload under any configured secret; nothing was changed."
        }
    };
    ApiError::bad_request("invalid-signature", detail)
}

/// A correctly signed webhook whose body is not a Stripe event: 400 `invalid-payload`.
pub fn webhook_payload_problem(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "invalid-payload",
        format!("The body is not a Stripe event ({error}); nothing was changed."),
    )
}

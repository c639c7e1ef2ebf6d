//! The reservation desk's refusals (`HoldRefusal`, `InventoryError`, `ReservationError`)
//! as problems.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use carneau_commands::reservations::ReservationError;
use carneau_domain::inventory::{HoldLine, HoldRefusal, InventoryError};

use crate::problem::{ApiError, FieldError};

/// A refused hold: 409 for what the event's state refuses, 422 for what the request asked
/// wrongly, with the line at fault named (`lines[i].quantity`, `lines[i].ticket_type_id`)
/// or the promo code (`code`).
pub fn hold_refusal_problem(refusal: &HoldRefusal, lines: &[HoldLine]) -> ApiError {
    let (status, field) = match refusal {
        HoldRefusal::CodeUsedUp => return code_problem(StatusCode::CONFLICT, refusal),
        HoldRefusal::CodeUnknown
        | HoldRefusal::CodeUnusable(_)
        | HoldRefusal::CodeNotApplicable => {
            return code_problem(StatusCode::UNPROCESSABLE_ENTITY, refusal)
        }
        HoldRefusal::SoldOut { .. } => (StatusCode::CONFLICT, "quantity"),
        HoldRefusal::TooManyPerOrder { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "quantity"),
        HoldRefusal::SaleNotOpen(_)
        | HoldRefusal::SaleClosed(_)
        | HoldRefusal::EventNotOnSale
        | HoldRefusal::EventCancelled => (StatusCode::CONFLICT, "ticket_type_id"),
        HoldRefusal::UnknownTicketType(_)
        | HoldRefusal::DuplicateLine(_)
        | HoldRefusal::EmptyRequest => (StatusCode::UNPROCESSABLE_ENTITY, "ticket_type_id"),
        HoldRefusal::ReservationIdReused => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different reservation.",
            )
        }
    };
    let problem = ApiError::new(
        status,
        refusal.kind(),
        "Reservation refused",
        refusal.to_string(),
    );
    let line_index = refusal
        .ticket_type_id()
        .and_then(|id| lines.iter().position(|line| line.ticket_type_id == id));
    match line_index {
        Some(index) => problem.with_field_errors(vec![FieldError::new(
            format!("lines[{index}].{field}"),
            refusal.to_string(),
        )]),
        None => problem,
    }
}

/// A hold refused for its promo code, the `code` field named.
fn code_problem(status: StatusCode, refusal: &HoldRefusal) -> ApiError {
    ApiError::new(
        status,
        refusal.kind(),
        "Reservation refused",
        refusal.to_string(),
    )
    .with_field_errors(vec![FieldError::new("code", refusal.to_string())])
}

/// A refusal about an existing hold (release, checkout): 404 for an unknown reservation,
/// else 409 with the domain's slug.
pub fn inventory_problem(error: &InventoryError) -> ApiError {
    match error {
        InventoryError::UnknownReservation => ApiError::not_found("This reservation"),
        InventoryError::AlreadyReleased
        | InventoryError::HoldExpired
        | InventoryError::HoldSold
        | InventoryError::TicketsNoLongerAvailable
        | InventoryError::EventCancelled
        | InventoryError::WaitingListClosed
        | InventoryError::WaitingEntryOffered => {
            ApiError::conflict(error.kind(), error.to_string())
        }
        InventoryError::UnknownWaitingEntry => {
            ApiError::not_found("This place on the waiting list")
        }
        InventoryError::Refused(refusal) => waiting_refusal_problem(refusal),
        InventoryError::TicketsAvailable { .. } => {
            ApiError::conflict(error.kind(), error.to_string())
                .with_field_errors(vec![FieldError::new("quantity", error.to_string())])
        }
        InventoryError::AlreadyWaiting => ApiError::conflict(error.kind(), error.to_string())
            .with_field_errors(vec![FieldError::new("email", error.to_string())]),
        InventoryError::WaitingEntryReused => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            "This Idempotency-Key was already used to wait for other tickets.",
        ),
    }
}

/// A join of a waiting list refused by a rule of holds: as a hold's refusal, naming the
/// join's own fields (`ticket_type_id`, `quantity`) rather than a hold's lines.
fn waiting_refusal_problem(refusal: &HoldRefusal) -> ApiError {
    let (status, field) = match refusal {
        HoldRefusal::TooManyPerOrder { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "quantity"),
        HoldRefusal::UnknownTicketType(_) => (StatusCode::UNPROCESSABLE_ENTITY, "ticket_type_id"),
        _ => (StatusCode::CONFLICT, "ticket_type_id"),
    };
    ApiError::new(
        status,
        refusal.kind(),
        "Waiting list refused",
        refusal.to_string(),
    )
    .with_field_errors(vec![FieldError::new(field, refusal.to_string())])
}

/// The reservation desk failed: 503 `reservations-busy` when it is overloaded, the
/// store's problem when the store failed.
pub fn reservation_problem(error: ReservationError) -> ApiError {
    match error {
        // Busy: the desk gave up before appending anything.
        ReservationError::Busy => reservations_busy().nothing_changed(),
        // The desk stopped before answering: its append may have happened.
        ReservationError::Unavailable => reservations_busy(),
        ReservationError::Store(error) => {
            let unreachable = error.is_unavailable();
            match std::sync::Arc::into_inner(error) {
                Some(error) => ApiError::store(error),
                // Shared with other requests of the same batch: its cause is logged by
                // them. An unreachable store is still an outage, not a fault of ours.
                None if unreachable => ApiError::store_unavailable(anyhow::anyhow!(
                    "the event store could not be reached"
                )),
                None => ApiError::internal(anyhow::anyhow!("the event store failed")),
            }
        }
        ReservationError::Guard(error) => {
            ApiError::internal(anyhow::anyhow!("reservation guard: {error}"))
        }
    }
}

fn reservations_busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "reservations-busy",
        "Try again",
        "Reservations for this event are very busy; try again in a moment.",
    )
    .with_header(RETRY_AFTER, HeaderValue::from_static("1"))
}

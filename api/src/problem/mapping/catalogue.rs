//! The catalogue's refusals (`EventError`) as problems.

use axum::http::StatusCode;
use carneau_commands::CommandError;
use carneau_domain::event::EventError;

use crate::problem::{ApiError, FieldError};

/// Maps a refused or failed catalogue command to its problem. Each business reason keeps
/// its own stable `type` (the domain's slug); rules about the request's content are 422
/// with the field named, rules about the event's current state are 409.
pub fn command_problem(error: CommandError<EventError>) -> ApiError {
    match error {
        CommandError::Rejected(reason) => event_problem(&reason),
        CommandError::Conflict => ApiError::conflict(
            "concurrent-modification",
            "The event was changed by another request at the same time (or since the version \
             you sent in If-Match). Reload it and try again.",
        ),
        CommandError::IdempotencyKeyReused => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            "This Idempotency-Key was already used with a different request body.",
        ),
        CommandError::Store(error) => ApiError::store(error),
    }
}

/// 404 for an event that does not exist (or, publicly, is not published): the same
/// problem type whether a query or a command asked.
pub fn event_not_found() -> ApiError {
    event_problem(&EventError::NotFound)
}

/// 403 `not-event-organiser`: the caller may not manage this event.
pub fn not_event_organiser() -> ApiError {
    event_problem(&EventError::NotOrganiser)
}

/// How an event refusal is answered: its status and title, and the request field at
/// fault when the request's content broke the rule.
fn event_problem(reason: &EventError) -> ApiError {
    const STATE: (StatusCode, &str) = (
        StatusCode::CONFLICT,
        "Not possible in the event's current state",
    );
    const CONTENT: (StatusCode, &str) = (StatusCode::UNPROCESSABLE_ENTITY, "Invalid event");
    let ((status, title), field) = match reason {
        EventError::NotFound => ((StatusCode::NOT_FOUND, "Event not found"), None),
        EventError::UnknownTicketType(_) => {
            ((StatusCode::NOT_FOUND, "Ticket type not found"), None)
        }
        EventError::NotOrganiser => ((StatusCode::FORBIDDEN, "Not your event"), None),
        EventError::UnknownImage(_) => ((StatusCode::NOT_FOUND, "Image not found"), None),
        EventError::TooManyImages => (
            (StatusCode::UNPROCESSABLE_ENTITY, "Too many images"),
            Some("file"),
        ),
        EventError::ImageOrderMismatch => (CONTENT, Some("image_ids")),
        EventError::TooManyTicketTypes => (
            (StatusCode::UNPROCESSABLE_ENTITY, "Too many ticket types"),
            None,
        ),
        EventError::EndsBeforeStart => (CONTENT, Some("ends_at")),
        EventError::StartsInPast => (CONTENT, Some("starts_at")),
        EventError::NegativePrice | EventError::PriceTooHigh { .. } => {
            (CONTENT, Some("price.amount_minor"))
        }
        EventError::CurrencyMismatch { .. } => (CONTENT, Some("price.currency")),
        EventError::DuplicateTicketTypeName(_) => (CONTENT, Some("name")),
        EventError::SaleClosesAfterEventEnds => (CONTENT, Some("sale_closes_at")),
        EventError::ReasonTooLong => (CONTENT, Some("reason")),
        // The capacity asked for is fine on its own; what is sold makes it impossible.
        EventError::CapacityBelowPromised { .. } => (STATE, Some("capacity")),
        EventError::UnknownCapacityPool(_) => {
            ((StatusCode::NOT_FOUND, "Shared capacity not found"), None)
        }
        EventError::TooManyCapacityPools => (
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Too many shared capacities",
            ),
            None,
        ),
        EventError::DuplicateCapacityPoolName(_) => (CONTENT, Some("name")),
        EventError::CapacityPoolWithoutTicketTypes => (CONTENT, Some("ticket_type_ids")),
        // The type exists; being in another pool is the event's state, not the request's.
        EventError::TicketTypeInAnotherPool { .. } => (STATE, Some("ticket_type_ids")),
        EventError::CapacityPoolBelowPromised { .. } => (STATE, Some("capacity")),
        EventError::AlreadyExists
        | EventError::DuplicateCapacityPool(_)
        | EventError::Cancelled
        | EventError::NoTicketTypes
        | EventError::AlreadyPublished
        | EventError::AlreadyCancelled
        | EventError::DuplicateTicketType(_)
        | EventError::DuplicateImage(_)
        | EventError::AlreadyEnded
        | EventError::LastTicketTypeOfPublishedEvent
        | EventError::TicketTypeHasBuyers { .. } => (STATE, None),
    };
    let problem = ApiError::new(status, reason.kind(), title, reason.to_string());
    match field {
        Some(field) => problem.with_field_errors(vec![FieldError::new(field, reason.to_string())]),
        None => problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_rules_are_422_with_the_field_and_state_rules_are_409() {
        let ends = command_problem(CommandError::Rejected(EventError::EndsBeforeStart));
        assert_eq!(ends.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ends.field_errors()[0].field, "ends_at");

        let publish = command_problem(CommandError::Rejected(EventError::NoTicketTypes));
        assert_eq!(publish.status(), StatusCode::CONFLICT);
        assert_eq!(publish.slug(), "no-ticket-types");
    }

    #[test]
    fn another_organisers_event_is_a_403() {
        let refused = command_problem(CommandError::Rejected(EventError::NotOrganiser));
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(refused.slug(), "not-event-organiser");
        assert_eq!(not_event_organiser().slug(), "not-event-organiser");
    }

    #[test]
    fn a_lost_race_is_a_409() {
        let conflict = command_problem(CommandError::Conflict);
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        assert_eq!(conflict.slug(), "concurrent-modification");
    }
}

//! The voucher book's refusals (`VoucherError`) as problems.

use axum::http::StatusCode;
use carneau_commands::CommandError;
use carneau_domain::voucher::{VoucherCode, VoucherError, VoucherUnusable};

use crate::problem::{ApiError, FieldError};

/// Maps a refused or failed voucher command to its problem: rules about the request's
/// content are 422 naming the field, a code that exists already is 409, an unknown event
/// or code 404, another organiser's event 403.
pub fn voucher_problem(error: CommandError<VoucherError>) -> ApiError {
    let reason =
        match error {
            CommandError::Rejected(reason) => reason,
            CommandError::Conflict => return ApiError::conflict(
                "concurrent-modification",
                "The event's codes were changed by another request at the same time. Try again.",
            ),
            CommandError::IdempotencyKeyReused => {
                return ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency-key-reused",
                    "Idempotency key reused",
                    "This Idempotency-Key was already used with a different request body.",
                )
            }
            CommandError::Store(error) => return ApiError::store(error),
        };
    const CONTENT: (StatusCode, &str) = (StatusCode::UNPROCESSABLE_ENTITY, "Invalid code");
    let ((status, title), field) = match &reason {
        VoucherError::EventNotFound => ((StatusCode::NOT_FOUND, "Event not found"), None),
        VoucherError::UnknownCode(_) => ((StatusCode::NOT_FOUND, "Code not found"), None),
        VoucherError::NotOrganiser => ((StatusCode::FORBIDDEN, "Not your event"), None),
        VoucherError::DuplicateCode(_) => {
            ((StatusCode::CONFLICT, "Code already exists"), Some("code"))
        }
        VoucherError::TooManyForEvent => ((StatusCode::CONFLICT, "Too many codes"), Some("count")),
        VoucherError::NothingToCreate | VoucherError::TooManyAtOnce => (CONTENT, Some("count")),
        VoucherError::OffersNothing => (CONTENT, Some("discount")),
        VoucherError::PercentOutOfRange => (CONTENT, Some("discount.percent")),
        VoucherError::FixedNotPositive => (CONTENT, Some("discount.amount.amount_minor")),
        VoucherError::CurrencyMismatch { .. } => (CONTENT, Some("discount.amount.currency")),
        VoucherError::EmptyScope => (CONTENT, Some("ticket_type_ids")),
        VoucherError::UnknownTicketType(_) => (CONTENT, Some("ticket_type_ids")),
        VoucherError::InvalidPrefix => (CONTENT, Some("prefix")),
        VoucherError::WindowEndsBeforeItStarts => (CONTENT, Some("valid_until")),
    };
    let problem = ApiError::new(status, reason.kind(), title, reason.to_string());
    match field {
        Some(field) => problem.with_field_errors(vec![FieldError::new(field, reason.to_string())]),
        None => problem,
    }
}

/// What a buyer reads when what they typed cannot be a code at all.
pub const MALFORMED_CODE: &str = "Enter the code as printed: 4 to 32 letters, digits and dashes.";

/// A buyer's code that cannot be one (too short, other characters): 422 `validation`
/// naming the field `code`.
pub fn malformed_code() -> ApiError {
    ApiError::validation(vec![FieldError::new("code", MALFORMED_CODE)])
}

/// A buyer's code the event does not have (or an event buyers cannot see): 404
/// `voucher-unknown`, the same answer either way so that a guess learns nothing more.
pub fn voucher_unknown(code: &VoucherCode) -> ApiError {
    let detail = format!("There is no code {code} for this event.");
    ApiError::new(
        StatusCode::NOT_FOUND,
        "voucher-unknown",
        "Unknown code",
        &*detail,
    )
    .with_field_errors(vec![FieldError::new("code", detail)])
}

/// A buyer's code that exists but cannot be used now (switched off, not yet valid,
/// expired): 422 `voucher-unusable` naming the field `code`.
pub fn voucher_unusable(reason: VoucherUnusable) -> ApiError {
    let detail = reason.to_string();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "voucher-unusable",
        "Code not usable",
        &*detail,
    )
    .with_field_errors(vec![FieldError::new("code", detail)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_rules_are_422_with_the_field_and_a_taken_code_is_409() {
        let percent = voucher_problem(CommandError::Rejected(VoucherError::PercentOutOfRange));
        assert_eq!(percent.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(percent.field_errors()[0].field, "discount.percent");
        let code = carneau_domain::voucher::VoucherCode::parse("EARLY").unwrap();
        let taken = voucher_problem(CommandError::Rejected(VoucherError::DuplicateCode(code)));
        assert_eq!(taken.status(), StatusCode::CONFLICT);
        assert_eq!(taken.slug(), "duplicate-voucher-code");
    }
}

//! The auditors' refusals and failures: who may not read the log, a query the log reader
//! cannot take, a history that does not exist, and a log that cannot be read.

use axum::http::StatusCode;
use carneau_commands::StoreError;
use carneau_projections::LogError;

use crate::problem::{ApiError, FieldError};

/// 403 `forbidden`: the account may read no part of the log.
pub fn not_log_reader() -> ApiError {
    ApiError::forbidden(
        "The event log is for auditors and admins, and for organisers (their own events).",
    )
}

/// 400 `invalid-query` naming `parameter`: a filter or cursor the log reader cannot take.
pub fn invalid_log_query(parameter: &str, reason: &str) -> ApiError {
    let error = FieldError::new(parameter, reason);
    ApiError::bad_request("invalid-query", error.sentence()).with_field_errors(vec![error])
}

/// 404 `order-not-found`: the log has no order with this id.
pub fn audited_order_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "order-not-found",
        "Order not found",
        "The event log has no order with this id.",
    )
}

/// The log could not be read: 503 with `Retry-After` when the database is unreachable,
/// else 500 (a row of an unexpected shape).
pub fn log_problem(error: LogError) -> ApiError {
    match error {
        LogError::Database(error) => ApiError::store(StoreError::Database(error)),
        other => ApiError::internal(other.into()),
    }
}

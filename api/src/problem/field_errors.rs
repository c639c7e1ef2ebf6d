//! Field errors collected while parsing a request body into domain values.

use carneau_domain::text::InvalidValue;

use super::{ApiError, FieldError};

/// Collects field errors while parsing, so one response names every bad field.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The parsed value, or `None` with the field's error recorded.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, InvalidValue>) -> Option<T> {
        parsed
            .map_err(|error| self.0.push(FieldError::new(field, error.message())))
            .ok()
    }

    /// [`check`](Self::check) of an optional field: `Some(None)` when it was left out.
    pub fn check_optional<T, R>(
        &mut self,
        field: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, InvalidValue>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    /// The value when no field was refused, else 422 `validation` naming every field.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ApiError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ApiError::validation(self.0)),
        }
    }
}

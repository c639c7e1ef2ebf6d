//! The wire shape of a problem (RFC 9457), as clients and the OpenAPI document see it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of an error response (RFC 9457 problem details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:carneau:problem:invalid-body",
    "title": "Invalid request body",
    "status": 422,
    "detail": "\"capacity\" must be a whole number from 0 to 4294967295.",
    "request_id": "0192f1c4-6c1e-7b5a-9a52-3f5d0c7e8a11",
    "errors": [{"field": "capacity", "message": "must be a whole number from 0 to 4294967295"}]
}))]
pub struct Problem {
    /// A stable URN naming the reason: `urn:carneau:problem:<slug>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short, human summary of the reason; the same for every occurrence of a `type`.
    pub title: String,
    /// The HTTP status code, repeated for clients that lost it.
    pub status: u16,
    /// What went wrong with this request, for a human.
    pub detail: String,
    /// The request's id, also in the `x-request-id` response header.
    pub request_id: Option<String>,
    /// The fields of the input at fault, when the input was at fault.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On every 503 (with its `Retry-After` header): whether sending the request again is
    /// safe as it is, or only with the same `Idempotency-Key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryAdvice>,
}

/// Whether a request refused for now may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RetryAdvice {
    /// Nothing was changed: send it again as it was.
    Safe,
    /// It may have taken effect (it timed out, or the database went away around its
    /// commit): send it again with the same `Idempotency-Key`, which answers what it did
    /// instead of doing it twice.
    SameIdempotencyKey,
}

/// One field of the input that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The path of the field, e.g. `tiers[0].price_minor` (`.` is the whole body).
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

impl FieldError {
    /// A field error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FieldError {
    /// The error as a sentence for a person, naming the field:
    /// `"capacity" must be a whole number from 0 to 4294967295.`
    pub fn sentence(&self) -> String {
        let message = self.message.trim_end_matches('.');
        if self.field == "." {
            return format!("The request {message}.");
        }
        format!("\"{}\" {message}.", self.field)
    }

    /// Several errors as one text: each one's [`sentence`](Self::sentence), in order.
    pub fn sentences(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(FieldError::sentence)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

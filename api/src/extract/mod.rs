//! Extractors that turn every malformed input into a problem naming what is wrong, in place
//! of axum's plain-text rejections.
//!
//! | input | problem |
//! | --- | --- |
//! | body without `Content-Type: application/json` | 415 `unsupported-media-type` |
//! | body that is not JSON | 400 `malformed-json` |
//! | JSON of the wrong shape (type, unknown field, missing field, out of range) | 422 `invalid-body`, `errors[].field` = the path |
//! | body over the size limit | 413 `payload-too-large` |
//! | path parameter that does not parse (say, a bad uuid) | 404 `not-found`: no resource can live at such a path |
//! | query string of the wrong shape | 400 `invalid-query`, `errors[].field` = the parameter |
//! | a NUL character (`\u0000`, `%00`) in any body field or query parameter, which PostgreSQL cannot store | 422 `invalid-body` / 400 `invalid-query` naming it |

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::problem::{ApiError, FieldError};

mod headers;
mod params;
mod plain_words;
mod storable_text;

pub use headers::{version_etag, IdempotencyKeyHeader, IfMatchVersion};
pub use params::{parse_query, ApiPath, ApiQuery};

/// A JSON request body (or response body) whose rejections are problems.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "The request body must be sent with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE)
                } else {
                    ApiError::bad_request("unreadable-body", rejection.body_text())
                }
            })?;
        parse_json(&bytes).map(Self)
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Parses a JSON body, naming the offending field of a body of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first: serde stops at the first shape error, so a body that is not JSON
    // (say, trailing garbage) would otherwise be reported as a missing field.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|error| malformed_json(&error))?;
    // serde would also read a struct from a positional array; our bodies are objects.
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "Invalid request body",
            "The request body must be a JSON object.",
        )
        .with_field_errors(vec![FieldError::new(".", "must be a JSON object")]));
    }
    if let Some(field) = storable_text::nul_in_json(bytes) {
        let error = FieldError::new(field, storable_text::NUL_MESSAGE);
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "Invalid request body",
            error.sentence(),
        )
        .with_field_errors(vec![error]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|error| malformed_json(&error))?;
    Ok(value)
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let raw = without_position(&inner);
            let error = FieldError::new(field_path(&path, &raw), plain_words::for_people(&raw));
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "Invalid request body",
                error.sentence(),
            )
            .with_field_errors(vec![error])
        }
        _ => malformed_json(&inner),
    }
}

fn malformed_json(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "malformed-json",
        format!("The body is not valid JSON: {error}."),
    )
}

/// serde reports a missing field at the path of the object that lacks it; the client wants
/// the field itself.
fn field_path(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (missing, path) {
        (Some(name), ".") => name.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, path) => path.to_owned(),
    }
}

/// serde_json appends " at line L column C", meaningless once the field is named.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    }
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Tier {
        name: String,
        price_minor: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct NewEvent {
        title: String,
        tiers: Vec<Tier>,
    }

    fn refusal(body: &str) -> (StatusCode, String, Vec<FieldError>) {
        let error = parse_json::<NewEvent>(body.as_bytes()).unwrap_err();
        (
            error.status(),
            error.slug().to_owned(),
            error.field_errors().to_vec(),
        )
    }

    #[test]
    fn names_the_field_of_a_wrong_type() {
        let (status, slug, errors) =
            refusal(r#"{"title":"Gig","tiers":[{"name":"A","price_minor":"ten"}]}"#);
        assert_eq!(
            (status, slug.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid-body")
        );
        assert_eq!(errors[0].field, "tiers[0].price_minor");
    }

    #[test]
    fn names_a_missing_field_itself() {
        let (_, _, errors) = refusal(r#"{"title":"Gig","tiers":[{"name":"A"}]}"#);
        assert_eq!(errors[0].field, "tiers[0].price_minor");
        let (_, _, errors) = refusal(r#"{"tiers":[]}"#);
        assert_eq!(errors[0].field, "title");
    }

    #[test]
    fn names_an_out_of_range_number() {
        let (_, _, errors) = refusal(r#"{"title":"Gig","tiers":[{"name":"A","price_minor":-1}]}"#);
        assert_eq!(errors[0].field, "tiers[0].price_minor");
        assert_eq!(
            errors[0].message,
            "must be a whole number from 0 to 4294967295"
        );
    }

    #[test]
    fn the_detail_is_a_sentence_naming_the_field() {
        let error = parse_json::<NewEvent>(
            br#"{"title":"Gig","tiers":[{"name":"A","price_minor":99999999999}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            error.detail(),
            "\"tiers[0].price_minor\" must be a whole number from 0 to 4294967295."
        );
    }

    #[test]
    fn names_an_unknown_field() {
        let (status, _, errors) = refusal(r#"{"title":"Gig","tiers":[],"venue":"x"}"#);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors[0].message, "is not a field of this request");
        assert_eq!(errors[0].field, "venue");
    }

    #[test]
    fn syntax_errors_and_trailing_garbage_are_malformed() {
        for body in [
            r#"{"title":"#,
            r#"{"title":"Gig","tiers":[]} x"#,
            r#"{"title":"Gig"} ]"#,
            "",
        ] {
            let (status, slug, _) = refusal(body);
            assert_eq!(
                (status, slug.as_str()),
                (StatusCode::BAD_REQUEST, "malformed-json")
            );
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        let accepts = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, value.parse().unwrap());
            is_json_content_type(&headers)
        };
        assert!(accepts("application/json"));
        assert!(accepts("Application/JSON; charset=utf-8"));
        assert!(accepts("application/merge-patch+json"));
        assert!(!accepts("text/plain"));
        assert!(!accepts("application/jsonx"));
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}

//! Path and query parameters whose rejections are problems.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::field_path;
use crate::problem::{ApiError, FieldError};

/// Path parameters whose rejections are problems: a value that does not parse is a 404
/// (`not-found`), because no resource can be named by it.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(error))
                if error.status().is_client_error() =>
            {
                Err(
                    ApiError::not_found(format!("The resource at {}", parts.uri.path()))
                        .with_field_errors(vec![FieldError::new(
                            path_key(error.kind()),
                            error.body_text(),
                        )]),
                )
            }
            // A route whose parameters do not fit its extractor is our bug, not the client's.
            Err(rejection) => Err(ApiError::internal(anyhow::anyhow!(
                "path parameters do not fit the route's extractor: {}",
                rejection.body_text()
            ))),
        }
    }
}

fn path_key(kind: &axum::extract::path::ErrorKind) -> String {
    use axum::extract::path::ErrorKind;
    match kind {
        ErrorKind::ParseErrorAtKey { key, .. }
        | ErrorKind::DeserializeError { key, .. }
        | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
        ErrorKind::ParseErrorAtIndex { index, .. } => index.to_string(),
        _ => ".".to_owned(),
    }
}

/// Query parameters whose rejections are 400 `invalid-query` problems naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Self)
    }
}

/// Parses a query string, naming the offending parameter.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if let Some(name) = super::storable_text::nul_in_query(query) {
        let error = FieldError::new(name, super::storable_text::NUL_MESSAGE);
        return Err(
            ApiError::bad_request("invalid-query", error.sentence()).with_field_errors(vec![error])
        );
    }
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let raw = error.into_inner().to_string();
        let error = FieldError::new(
            field_path(&path, &raw),
            super::plain_words::for_people(&raw),
        );
        ApiError::bad_request("invalid-query", error.sentence()).with_field_errors(vec![error])
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            limit: u16,
        }
        let error = parse_query::<Page>("limit=lots").unwrap_err();
        assert_eq!(error.slug(), "invalid-query");
        assert_eq!(error.field_errors()[0].field, "limit");
        assert_eq!(error.detail(), "\"limit\" must be a whole number.");
        let error = parse_query::<Page>("").unwrap_err();
        assert_eq!(error.field_errors()[0].field, "limit");
    }
}

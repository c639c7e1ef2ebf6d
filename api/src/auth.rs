//! Organiser authentication: one shared bearer token (`CARNEAU_ADMIN_TOKEN`).
//!
//! A handler that takes an [`Organiser`] argument only runs for a caller holding the token.
//! Without a configured token every organiser route is closed (503
//! `organiser-routes-disabled`): a missing setting must never leave them open.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

use crate::config::Config;
use crate::problem::ApiError;

/// The name of the OpenAPI security scheme: `security(("admin_token" = []))` on a route.
pub const ADMIN_TOKEN_SCHEME: &str = "admin_token";

/// Proof that the request came from an organiser (it presented the admin token).
#[derive(Debug, Clone, Copy)]
pub struct Organiser {
    _proof: (),
}

impl<S> FromRequestParts<S> for Organiser
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        let Some(expected) = &config.admin_token else {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "organiser-routes-disabled",
                "Organiser routes are disabled",
                "Organiser routes are disabled until CARNEAU_ADMIN_TOKEN is set.",
            ));
        };
        let Some(presented) = bearer_token(&parts.headers) else {
            return Err(ApiError::unauthorized(
                "This route needs the organiser token: send `Authorization: Bearer <token>`.",
            ));
        };
        if expected.matches(presented) {
            Ok(Self { _proof: () })
        } else {
            // One line per refusal: repeated ones are what an operator looks for.
            tracing::warn!("organiser token refused");
            Err(ApiError::unauthorized("The organiser token is not valid."))
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Adds the `admin_token` bearer scheme to the OpenAPI document.
pub struct AdminTokenScheme;

impl Modify for AdminTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            ADMIN_TOKEN_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The organisers' shared token, configured as CARNEAU_ADMIN_TOKEN.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "reservation_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token returned when a reservation is made; it proves ownership \
                         of that reservation only.",
                    ))
                    .build(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn reads_bearer_tokens_only() {
        assert_eq!(bearer_token(&headers_with("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&headers_with("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&headers_with("Basic abc")), None);
        assert_eq!(bearer_token(&headers_with("Bearer ")), None);
        assert_eq!(bearer_token(&headers_with("Bearer")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}

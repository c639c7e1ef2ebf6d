//! The OpenAPI security schemes: the session (cookie or bearer) and the reservation token.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

use super::cookie::SESSION_COOKIE;

/// The scheme name of the session cookie: `security(("session_cookie" = []))`.
pub const COOKIE_SCHEME: &str = "session_cookie";
/// The scheme name of the session token sent as a bearer token.
pub const BEARER_SCHEME: &str = "session_bearer";

/// Adds the session and reservation-token schemes to the OpenAPI document.
pub struct SessionSchemes;

impl Modify for SessionSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie set by sign-in (HttpOnly, SameSite=Lax).",
            ))),
        );
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The session token returned by sign-in or registration, for API \
                         clients that do not keep cookies.",
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

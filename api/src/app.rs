//! The assembled HTTP application: documented routes, API docs, fallbacks and middleware.

use axum::http::{Method, StatusCode, Uri};
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::SessionSchemes;
use crate::layers::{with_http_layers, HttpLimits};
use crate::problem::{ApiError, FieldError, Problem};
use crate::routes;
use crate::state::AppState;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Where Swagger UI is served (its assets are compiled into the binary).
pub const DOCS_PATH: &str = "/docs";

/// The document's fixed parts; paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Carneau Engine",
        description = "Event ticketing: a public catalogue and ticket holds for buyers, \
                       accounts and sessions, and commands for organisers. Signed-in \
                       routes take the `carneau_session` cookie or the same token as \
                       `Authorization: Bearer`. Every error is an RFC 9457 problem \
                       (`application/problem+json`) whose `type` is a stable \
                       `urn:carneau:problem:<slug>`."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SessionSchemes),
    tags(
        (name = "events", description = "The public catalogue."),
        (name = "accounts", description = "Registration, sign-in, sessions and the signed-in account."),
        (name = "organiser", description = "Commands for organisers on their own events (admins: every event)."),
        (name = "event images", description = "Event posters and pictures: uploads and alt text for organisers, renditions for everybody."),
        (name = "vouchers", description = "Promo and presale codes: organisers create, export, change and switch them."),
        (name = "admin", description = "Account administration (admins only)."),
        (name = "reservations", description = "Buyers' holds on tickets (15 minutes by default)."),
        (name = "waiting-list", description = "Buyers' places on the waiting lists of sold-out ticket types; offers are holds."),
        (name = "tickets", description = "Buyers' tickets and their QR codes."),
        (name = "door", description = "Check-in at the door and offline scanner keys (organiser, admins, door staff)."),
        (name = "audit", description = "The event log and histories, read only (auditors and admins; organisers: their own events)."),
        (name = "operations", description = "Probes for orchestrators."),
    )
)]
struct ApiDoc;

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(routes::routes())
}

/// The full OpenAPI document, without `servers` so that it is the same on every machine.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().into_openapi()
}

/// The whole application on `state`, with default limits.
pub fn router(state: AppState) -> Router {
    let limits = HttpLimits {
        image_limit_bytes: usize::try_from(state.event_images.max_bytes()).unwrap_or(usize::MAX),
        ..HttpLimits::default()
    };
    router_with_limits(state, limits)
}

/// The whole application on `state`, with the given limits.
pub fn router_with_limits(state: AppState, limits: HttpLimits) -> Router {
    let (api, openapi) = documented_routes().split_for_parts();
    let app = api
        .with_state(state)
        .merge(SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, openapi))
        .fallback(no_such_route);
    with_http_layers(app, limits)
}

async fn no_such_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        format!("There is no route for {method} {}.", uri.path()),
    )
}

//! Buyers' tickets: their QR codes, and the list of a signed-in buyer's tickets.
//!
//! A QR image carries the ticket's code, a bearer secret: only the ticket's owner
//! (their session) or the holder of the order's secret link (`?key=`) gets it. Anyone
//! else gets the same 404 as for a ticket that does not exist, so ids reveal nothing.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use carneau_commands::policy::{self, OrderBuyer, OrderReader};
use carneau_commands::tickets::{qr_png, qr_svg};
use carneau_domain::ids::{AccountId, EventId, OrderId, TicketId};
use carneau_projections::tickets::TicketView;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{MaybeSignedIn, Principal, SignedIn};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::responses::{NotFoundProblem, ServerProblems, SignedInProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "tickets";

/// The ticket routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ticket_qr_svg))
        .routes(routes!(ticket_qr_png))
        .routes(routes!(my_tickets))
}

/// Who asks for a ticket: the order's secret key and/or a signed-in account.
#[derive(Debug, Default)]
pub struct TicketViewer {
    /// `?key=`: the order's secret, from its link, or the ticket's own (its attendee's
    /// email).
    pub order_key: Option<String>,
    /// The signed-in account, if any.
    pub principal: Option<Principal>,
}

impl TicketViewer {
    /// The viewer of a request: its `?key=` and its session, if any.
    pub fn new(order_key: Option<String>, MaybeSignedIn(session): MaybeSignedIn) -> Self {
        Self {
            order_key,
            principal: session.map(|session| session.principal),
        }
    }
}

/// `?key=` of the QR routes.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct OrderKeyQuery {
    /// The order's secret (from the order's link) or the ticket's own (from its attendee's
    /// email); not needed when signed in as the buyer.
    pub key: Option<String>,
}

/// 404 `ticket-not-found`, for a missing ticket and a ticket that is not the caller's.
fn ticket_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "ticket-not-found",
        "Ticket not found",
        "There is no such ticket, or it is not yours: sign in as its buyer or use the \
         link of its order.",
    )
}

/// Whether `viewer` may see `ticket`: whoever may read its order
/// ([`policy::may_read_order`]), or whoever holds the ticket's own key (the link of its
/// attendee's email), which opens this ticket as the order's key would and nothing else.
pub fn may_view(state: &AppState, ticket: &TicketView, viewer: &TicketViewer) -> bool {
    let holds_order_key = viewer.order_key.as_deref().is_some_and(|key| {
        state
            .order_keys
            .verify(OrderId::from_uuid(ticket.order_id), key)
            || state
                .order_keys
                .verify_ticket(TicketId::from_uuid(ticket.ticket_id), key)
    });
    let reader = OrderReader {
        holds_order_key,
        principal: viewer.principal.as_ref(),
    };
    let buyer = OrderBuyer {
        account_id: ticket.account_id.map(AccountId::from_uuid),
        email: &ticket.buyer_email,
    };
    policy::may_read_order(reader, buyer)
}

async fn viewable_ticket(
    state: &AppState,
    ticket_id: TicketId,
    viewer: &TicketViewer,
) -> Result<TicketView, ApiError> {
    let ticket = carneau_projections::tickets::ticket(&state.pool, ticket_id.as_uuid())
        .await?
        .ok_or_else(ticket_not_found)?;
    if may_view(state, &ticket, viewer) {
        Ok(ticket)
    } else {
        Err(ticket_not_found())
    }
}

/// The image response: never cached by shared caches (it is a bearer secret).
fn image(content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

async fn rendered(
    state: &AppState,
    ticket_id: TicketId,
    viewer: TicketViewer,
    svg: bool,
) -> Result<Response, ApiError> {
    let ticket = viewable_ticket(state, ticket_id, &viewer).await?;
    let code = state
        .ticket_codes
        .code_for(EventId::from_uuid(ticket.event_id), ticket_id);
    let internal = |error: carneau_commands::tickets::QrError| ApiError::internal(error.into());
    Ok(if svg {
        image(
            "image/svg+xml",
            qr_svg(&code).map_err(internal)?.into_bytes(),
        )
    } else {
        image("image/png", qr_png(&code).map_err(internal)?)
    })
}

/// The ticket's QR code as SVG. For the buyer (session), or with the order's `key` or the
/// ticket's own (the link its attendee was emailed).
#[utoipa::path(get, path = "/tickets/{ticket_id}/qr.svg", tag = TAG,
    params(("ticket_id" = Uuid, Path, description = "The ticket."), OrderKeyQuery),
    responses(
        (status = 200, description = "The QR code.", content_type = "image/svg+xml", body = String),
        NotFoundProblem, ServerProblems,
    ),
    security((), ("session_cookie" = []), ("session_bearer" = [])))]
async fn ticket_qr_svg(
    State(state): State<AppState>,
    ApiPath(ticket_id): ApiPath<TicketId>,
    ApiQuery(query): ApiQuery<OrderKeyQuery>,
    caller: MaybeSignedIn,
) -> Result<Response, ApiError> {
    let viewer = TicketViewer::new(query.key, caller);
    rendered(&state, ticket_id, viewer, true).await
}

/// The ticket's QR code as PNG. For the buyer (session), or with the order's `key` or the
/// ticket's own (the link its attendee was emailed).
#[utoipa::path(get, path = "/tickets/{ticket_id}/qr.png", tag = TAG,
    params(("ticket_id" = Uuid, Path, description = "The ticket."), OrderKeyQuery),
    responses(
        (status = 200, description = "The QR code.", content_type = "image/png", body = Vec<u8>),
        NotFoundProblem, ServerProblems,
    ),
    security((), ("session_cookie" = []), ("session_bearer" = [])))]
async fn ticket_qr_png(
    State(state): State<AppState>,
    ApiPath(ticket_id): ApiPath<TicketId>,
    ApiQuery(query): ApiQuery<OrderKeyQuery>,
    caller: MaybeSignedIn,
) -> Result<Response, ApiError> {
    let viewer = TicketViewer::new(query.key, caller);
    rendered(&state, ticket_id, viewer, false).await
}

/// Whether a buyer's ticket still admits: `valid`, or `revoked` (refunded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// It admits its holder.
    Valid,
    /// It was refunded and no longer admits.
    Revoked,
}

/// One ticket of a buyer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketJson {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// Its event.
    pub event_id: Uuid,
    /// The event's title.
    pub event_title: String,
    /// When the event starts.
    pub starts_at: Option<DateTime<Utc>>,
    /// Where.
    pub venue_name: String,
    /// Its ticket type.
    pub ticket_type_id: Uuid,
    /// The ticket type's name.
    pub ticket_type_name: String,
    /// Whether it still admits.
    #[schema(example = "valid")]
    pub state: TicketState,
    /// When it was checked in at the door, if it was.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Its QR code as SVG, relative to the API (`/tickets/{id}/qr.svg`); the session
    /// that listed it may fetch it.
    pub qr_svg_url: String,
    /// Its QR code as PNG, relative to the API (`/tickets/{id}/qr.png`).
    pub qr_png_url: String,
}

/// Where a ticket's QR images are served, relative to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrUrls {
    /// `GET /tickets/{id}/qr.svg`.
    pub svg: String,
    /// `GET /tickets/{id}/qr.png`.
    pub png: String,
}

impl QrUrls {
    /// The URLs of `ticket_id`'s images: with `?key=` for a caller who holds the order's
    /// link (pass the key as issued, which is URL-safe), bare for the signed-in buyer.
    pub fn of(ticket_id: Uuid, order_key: Option<&str>) -> Self {
        let query = order_key.map_or_else(String::new, |key| format!("?key={key}"));
        Self {
            svg: format!("/tickets/{ticket_id}/qr.svg{query}"),
            png: format!("/tickets/{ticket_id}/qr.png{query}"),
        }
    }
}

impl From<TicketView> for TicketJson {
    fn from(ticket: TicketView) -> Self {
        let urls = QrUrls::of(ticket.ticket_id, None);
        Self {
            qr_svg_url: urls.svg,
            qr_png_url: urls.png,
            state: if ticket.revoked_at.is_some() {
                TicketState::Revoked
            } else {
                TicketState::Valid
            },
            ticket_id: ticket.ticket_id,
            order_id: ticket.order_id,
            event_id: ticket.event_id,
            event_title: ticket.event_title,
            starts_at: ticket.starts_at,
            venue_name: ticket.venue_name,
            ticket_type_id: ticket.ticket_type_id,
            ticket_type_name: ticket.ticket_type_name,
            checked_in_at: ticket.checked_in_at,
        }
    }
}

/// The signed-in buyer's tickets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTickets {
    /// Soonest event first.
    pub tickets: Vec<TicketJson>,
}

/// The signed-in buyer's tickets: bought while signed in, or sent to the account's
/// email once it is verified. A ticket appears a moment after its payment (the read
/// model follows the log).
#[utoipa::path(get, path = "/me/tickets", tag = TAG,
    responses(
        (status = 200, description = "The tickets.", body = MyTickets),
        SignedInProblems, ServerProblems,
    ),
    security(("session_cookie" = []), ("session_bearer" = [])))]
async fn my_tickets(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<ApiJson<MyTickets>, ApiError> {
    let principal = session.principal;
    let verified_email = principal
        .email_verified
        .then(|| principal.email.as_str().to_owned());
    let tickets = carneau_projections::tickets::tickets_of_account(
        &state.pool,
        principal.account_id.as_uuid(),
        verified_email.as_deref(),
    )
    .await?;
    Ok(ApiJson(MyTickets {
        tickets: tickets.into_iter().map(TicketJson::from).collect(),
    }))
}

//! Buyers' holds: reserve tickets of an event for a while, look at the hold, release it.
//!
//! Until accounts exist, a hold belongs to whoever has its reservation token (returned
//! when it is made, sent back as `Authorization: Bearer <token>`).

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carneau_commands::accounts::Session;
use carneau_domain::ids::{EventId, OrderId, ReservationId};
use carneau_domain::inventory::{
    HoldLine, HoldOutcome, HoldRefusal, HoldRequest, HoldStatus, InventoryError,
};
use carneau_domain::order::OrderStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::MaybeSignedIn;
use crate::extract::{ApiJson, ApiPath, IdempotencyKeyHeader};
use crate::problem::mapping::{
    hold_refusal_problem, inventory_problem, payment_problem, reservation_problem,
};
use crate::problem::responses::{BodyProblems, ConflictProblem, NotFoundProblem, ServerProblems};
use crate::problem::ApiError;
use crate::provenance::buyer_metadata;
use crate::routes::see_through;
use crate::state::AppState;

mod request;

use request::ParsedReserve;
pub use request::{IfCodeUsedUpChoice, ReserveRequest};

/// The OpenAPI tag of these routes.
pub const TAG: &str = "reservations";
/// Most ticket types in one reservation.
const MAX_LINES: usize = 50;

/// The reservation routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reserve))
        .routes(routes!(get_reservation, release_reservation))
}

/// Tickets of one type to hold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationLine {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// How many, 1 to the ticket type's maximum per order.
    #[schema(example = 2)]
    pub quantity: u32,
}

// `sold` was missing from the documented values while this was a string, though a paid
// reservation has always answered with it.
/// Where a reservation's hold stands: `held` until `expires_at`, `released` by the
/// buyer, `expired` unpaid, or `sold` (paid for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Its tickets are held until `expires_at`.
    Held,
    /// The buyer gave the tickets back.
    Released,
    /// It lapsed unpaid.
    Expired,
    /// It was paid for: its tickets are sold.
    Sold,
}

/// A promo code the hold was placed without.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeNotApplied {
    /// The code as the buyer sent it, normalised.
    #[schema(example = "EARLY-BIRD")]
    pub code: String,
    /// Why, as a problem slug: `voucher-used-up` (it had no use left).
    #[schema(example = "voucher-used-up")]
    pub reason: String,
}

impl From<HoldStatus> for ReservationStatus {
    fn from(status: HoldStatus) -> Self {
        match status {
            HoldStatus::Active => Self::Held,
            HoldStatus::Released => Self::Released,
            HoldStatus::Expired => Self::Expired,
            HoldStatus::Sold => Self::Sold,
        }
    }
}

/// A reservation and the state of its hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReservationView {
    /// The reservation's id.
    pub id: Uuid,
    /// The event the tickets are for.
    pub event_id: Uuid,
    /// Where the hold stands.
    #[schema(example = "held")]
    pub status: ReservationStatus,
    /// What is held (empty once the hold has ended).
    pub lines: Vec<ReservationLine>,
    /// When the hold lapses (absent once it has ended).
    pub expires_at: Option<DateTime<Utc>>,
    /// The promo code held with the tickets, if any (absent once the hold has ended).
    #[schema(example = "EARLY-BIRD")]
    pub code: Option<String>,
    /// For tickets offered from a waiting list, the address the place was taken with: if
    /// the hold lapses unpaid, the tickets go to the next in line rather than on sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ada@example.com")]
    pub offered_to: Option<String>,
    /// The code the buyer sent that the hold was placed without, and why: it had no use
    /// left and the request said `if_code_used_up: hold_without_code`, so the tickets are
    /// held at their regular price (`code` is then null). Only in the answer to the
    /// request that placed the hold (or its retry); null otherwise.
    pub code_not_applied: Option<CodeNotApplied>,
    /// Proves ownership: send it as `Authorization: Bearer <token>` to see or release
    /// this reservation. Only in the response that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Holds tickets for a while (15 minutes unless configured otherwise). With an
/// `Idempotency-Key` (use a fresh UUID per purchase), a retry returns the same hold and
/// never holds twice.
#[utoipa::path(post, path = "/events/{event_id}/reservations", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "The same key returns the same reservation.")),
    request_body = ReserveRequest,
    responses(
        (status = 201, description = "Held; `token` proves ownership.", body = ReservationView,
            headers(("Location" = String))),
        (status = 200, description = "Already held by an earlier request with this key.",
            body = ReservationView),
        (status = 409, description = "Refused: `sold-out` (the field error says how many are \
            left), `sale-not-open`, `sale-closed`, `event-not-on-sale`, `event-cancelled`, \
            `voucher-used-up` (the code has no use left, unless `if_code_used_up` is \
            `hold_without_code`: then the tickets are held without it). A code the event does not have, \
            switched off or outside its dates, or applying to none of the tickets is a 422 \
            (`voucher-unknown`, `voucher-unusable`, `voucher-not-applicable`) naming `code`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, ServerProblems,
    ))]
async fn reserve(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<ReserveRequest>,
) -> Result<Response, ApiError> {
    let ParsedReserve {
        lines,
        code,
        if_code_used_up,
    } = request.parse()?;
    let reservation_id = match &key {
        Some(key) => ReservationId::from_uuid(key.derive_id(&format!("reservation:{event_id}"))),
        None => ReservationId::new_random(),
    };
    let lifetime = chrono::Duration::from_std(state.config.hold_lifetime)
        .map_err(|error| ApiError::internal(error.into()))?;
    let hold = HoldRequest {
        reservation_id,
        lines: lines.clone(),
        expires_at: Utc::now() + lifetime,
        code: code.clone(),
        if_code_used_up,
    };
    // Seen through to the end whatever becomes of the request (see `see_through`).
    let reservations = state.reservations.clone();
    let metadata = buyer_metadata(session.as_ref(), reservation_id);
    let outcome = see_through(async move { reservations.reserve(event_id, hold, &metadata).await })
        .await?
        .map_err(reservation_problem)?;
    let code_used_up = outcome.code_used_up();
    let (status, expires_at) = match outcome {
        HoldOutcome::Held { expires_at, .. } => (StatusCode::CREATED, expires_at),
        HoldOutcome::AlreadyHeld { expires_at, .. } => (StatusCode::OK, expires_at),
        HoldOutcome::Refused(refusal) => return Err(hold_refusal_problem(&refusal, &lines)),
    };
    let (code, code_not_applied) = match code.map(String::from) {
        Some(code) if code_used_up => (
            None,
            Some(CodeNotApplied {
                code,
                reason: HoldRefusal::CodeUsedUp.kind().to_owned(),
            }),
        ),
        code => (code, None),
    };
    let view = ReservationView {
        id: reservation_id.as_uuid(),
        event_id: event_id.as_uuid(),
        status: ReservationStatus::Held,
        lines: lines.iter().map(line_view).collect(),
        expires_at: Some(expires_at),
        code,
        code_not_applied,
        offered_to: None,
        token: Some(state.reservation_tokens.issue(event_id, reservation_id)),
    };
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/reservations/{reservation_id}")) {
        headers.insert(LOCATION, location);
    }
    Ok((status, headers, ApiJson(view)).into_response())
}

/// A reservation and where its hold stands; needs its token.
#[utoipa::path(get, path = "/reservations/{reservation_id}", tag = TAG,
    params(("reservation_id" = Uuid, Path, description = "The reservation's id.")),
    security(("reservation_token" = [])),
    responses(
        (status = 200, description = "The reservation.", body = ReservationView),
        (status = 401, description = "No reservation token was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, ServerProblems,
    ))]
async fn get_reservation(
    State(state): State<AppState>,
    ApiPath(reservation_id): ApiPath<ReservationId>,
    headers: HeaderMap,
) -> Result<ApiJson<ReservationView>, ApiError> {
    let event_id = authorise(&state, &headers, reservation_id)?;
    let found = state
        .reservations
        .find(event_id, reservation_id)
        .await
        .map_err(reservation_problem)?
        .ok_or_else(|| ApiError::not_found("This reservation"))?;
    let (status, hold) = (found.status, found.hold.as_ref());
    // A hold under checkout is kept past the provider's session, but the buyer has until
    // the order's payment deadline (the hold's own expiry): that is the time they see.
    let payment_due_by = match hold {
        Some(_) => state
            .payments
            .order(OrderId::for_reservation(reservation_id))
            .await
            .map_err(payment_problem)?
            .filter(|order| order.status() == Some(OrderStatus::AwaitingPayment))
            .and_then(|order| order.placed().map(|placed| placed.payment_due_by)),
        None => None,
    };
    let expires_at = hold.map(|hold| match payment_due_by {
        Some(due) => due.min(hold.expires_at()),
        None => hold.expires_at(),
    });
    Ok(ApiJson(ReservationView {
        id: reservation_id.as_uuid(),
        event_id: event_id.as_uuid(),
        status: status.into(),
        lines: hold
            .map(|hold| hold.lines().iter().map(line_view).collect())
            .unwrap_or_default(),
        expires_at,
        code: hold
            .and_then(|hold| hold.code_use())
            .map(|code_use| code_use.code.to_string()),
        offered_to: found.offered_to.clone(),
        code_not_applied: None,
        token: None,
    }))
}

/// Gives the held tickets back at once; a checkout started on the hold and not paid is
/// ended first (its payment page stops taking payments). Releasing twice is harmless.
#[utoipa::path(delete, path = "/reservations/{reservation_id}", tag = TAG,
    params(("reservation_id" = Uuid, Path, description = "The reservation's id.")),
    security(("reservation_token" = [])),
    responses(
        (status = 204, description = "Released (or released before)."),
        (status = 401, description = "No reservation token was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 502, description = "`payment-provider-refused`: the checkout started on \
            the hold could not be ended.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, ConflictProblem, ServerProblems,
    ))]
async fn release_reservation(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    ApiPath(reservation_id): ApiPath<ReservationId>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let event_id = authorise(&state, &headers, reservation_id)?;
    let released = state
        .payments
        .release_hold(
            event_id,
            reservation_id,
            &buyer_metadata(session.as_ref(), reservation_id),
        )
        .await
        .map_err(payment_problem)?;
    match released {
        Ok(()) | Err(InventoryError::AlreadyReleased) => Ok(StatusCode::NO_CONTENT),
        Err(error) => Err(inventory_problem(&error)),
    }
}

/// The event of the reservation whose token the request carries. A missing token is 401;
/// a wrong one is 404, so a token cannot be used to probe which reservations exist.
pub(crate) fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    reservation_id: ReservationId,
) -> Result<EventId, ApiError> {
    let token = crate::auth::bearer_token(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "reservation-token-required",
            "Reservation token required",
            "Send the reservation's token as `Authorization: Bearer <token>`.",
        )
    })?;
    state
        .reservation_tokens
        .verify(token, reservation_id)
        .ok_or_else(|| ApiError::not_found("This reservation"))
}

/// The event of the reservation the request may act on as its holder: by the
/// reservation's token, or by the session of the account that placed the hold (found in
/// the log). Anyone else gets what an unknown reservation gets (404; 401 when neither a
/// token nor a session was sent), so a session cannot probe which reservations exist.
pub(crate) async fn authorise_holder(
    state: &AppState,
    headers: &HeaderMap,
    session: Option<&Session>,
    reservation_id: ReservationId,
) -> Result<EventId, ApiError> {
    let refusal = match authorise(state, headers, reservation_id) {
        Ok(event_id) => return Ok(event_id),
        Err(refusal) => refusal,
    };
    let Some(session) = session else {
        return Err(refusal);
    };
    let placer = state
        .reservations
        .placer(reservation_id)
        .await
        .map_err(reservation_problem)?;
    match placer {
        Some(placer) if placer.account_id == Some(session.principal.account_id) => {
            Ok(placer.event_id)
        }
        _ => Err(ApiError::not_found("This reservation")),
    }
}

fn line_view(line: &HoldLine) -> ReservationLine {
    ReservationLine {
        ticket_type_id: line.ticket_type_id.as_uuid(),
        quantity: line.quantity.get(),
    }
}

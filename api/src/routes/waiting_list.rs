//! Buyers' places on waiting lists: join the list of a sold-out ticket type, see where
//! the place stands, leave the line.
//!
//! A place is proved by its token, returned when it is taken: the reservation token of the
//! offer it will get (whose reservation id is the place's id), so the link in the offer's
//! email and the place share one secret. The organiser's view is in `organiser_waiting_list`.

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carneau_domain::account::EmailAddress;
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId, WaitingEntryId};
use carneau_domain::inventory::{
    HoldStatus, Inventory, InventoryError, Quantity, WaitingRequest, WaitingStand,
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::MaybeSignedIn;
use crate::extract::{ApiJson, ApiPath, IdempotencyKeyHeader};
use crate::problem::mapping::{inventory_problem, reservation_problem};
use crate::problem::responses::{BodyProblems, ConflictProblem, NotFoundProblem, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::provenance::buyer_metadata;
use crate::routes::reservations::authorise;
use crate::routes::see_through;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "waiting-list";

/// The buyers' waiting list routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(join_waiting_list))
        .routes(routes!(get_waiting_place, leave_waiting_list))
}

/// Who waits for what.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinWaitingListRequest {
    /// The sold-out ticket type.
    pub ticket_type_id: Uuid,
    /// How many tickets, 1 to the type's maximum per order; offered all at once.
    #[schema(example = 2)]
    pub quantity: u32,
    /// Where the offer is emailed.
    #[schema(example = "ada@example.com")]
    pub email: String,
}

impl JoinWaitingListRequest {
    fn parse(self, entry_id: WaitingEntryId) -> Result<WaitingRequest, ApiError> {
        let mut errors = Vec::new();
        let quantity = Quantity::parse(self.quantity)
            .map_err(|error| errors.push(FieldError::new("quantity", error.message())))
            .ok();
        let email = EmailAddress::parse(&self.email)
            .map_err(|error| errors.push(FieldError::new("email", error.to_string())))
            .ok();
        match (quantity, email) {
            (Some(quantity), Some(email)) if errors.is_empty() => Ok(WaitingRequest {
                entry_id,
                ticket_type_id: TicketTypeId::from_uuid(self.ticket_type_id),
                quantity,
                email,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A place on a waiting list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingPlace {
    /// The place's id; its offer is the reservation with the same id.
    pub id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// The ticket type waited for.
    pub ticket_type_id: Uuid,
    /// How many tickets.
    pub quantity: u32,
    /// Where the offer goes.
    pub email: String,
    /// `waiting` in line; `offered` (tickets held for you now: pay on the reservation's
    /// page, `/reservations/{id}`, with this token); `bought`; `lapsed` (the offer ran out
    /// unpaid); `declined` (the offered tickets were given back); `left`.
    #[schema(example = "waiting")]
    pub status: String,
    /// Place in the ticket type's line, 1 being next; only while waiting.
    pub position: Option<i64>,
    /// When the place was taken.
    pub joined_at: chrono::DateTime<Utc>,
    /// The offer, once made: its reservation and when it lapses.
    pub offer: Option<WaitingOfferView>,
    /// Proves the place (and its offer's reservation): send it as `Authorization: Bearer
    /// <token>`. Only in the answer of the join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Tickets held for a place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingOfferView {
    /// The hold's reservation (the place's own id).
    pub reservation_id: Uuid,
    /// When the offer lapses if not paid.
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

impl WaitingPlace {
    /// The place `entry_id` as the event's inventory has it at `now`; `None` if the event
    /// has no such place.
    fn of(
        inventory: &Inventory,
        event_id: EventId,
        entry_id: WaitingEntryId,
        now: chrono::DateTime<Utc>,
    ) -> Option<Self> {
        let place = inventory.waiting_place(entry_id)?;
        let offer_id = ReservationId::from_uuid(entry_id.as_uuid());
        let (status, offer) = match place.stand {
            WaitingStand::Waiting => ("waiting", None),
            WaitingStand::Left => ("left", None),
            WaitingStand::Offered => {
                let status = match inventory.hold_status(offer_id, now) {
                    Some(HoldStatus::Active) => "offered",
                    Some(HoldStatus::Sold) => "bought",
                    Some(HoldStatus::Released) => "declined",
                    Some(HoldStatus::Expired) | None => "lapsed",
                };
                let offer = WaitingOfferView {
                    reservation_id: offer_id.as_uuid(),
                    expires_at: inventory.hold(offer_id).map(|hold| hold.expires_at()),
                };
                (status, Some(offer))
            }
        };
        Some(Self {
            id: entry_id.as_uuid(),
            event_id: event_id.as_uuid(),
            ticket_type_id: place.ticket_type_id.as_uuid(),
            quantity: place.quantity.get(),
            email: place.email.as_str().to_owned(),
            status: status.to_owned(),
            position: place.position.map(i64::from),
            joined_at: place.joined_at,
            offer,
            token: None,
        })
    }
}

/// Joins the waiting list of a sold-out ticket type. When tickets come back (a hold lapses
/// or is released, a refund, a capacity raise), the people in line are offered them in the
/// order they joined: the tickets are held for them for a day and an email brings them to
/// pay. Until then the tickets they wait for are not sold to anyone who did not wait. With
/// an `Idempotency-Key`, a retry returns the same place.
#[utoipa::path(post, path = "/events/{event_id}/waiting-list", tag = TAG,
    params(("event_id" = Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "The same key returns the same place.")),
    request_body = JoinWaitingListRequest,
    responses(
        (status = 201, description = "In line; `token` proves the place.", body = WaitingPlace,
            headers(("Location" = String))),
        (status = 200, description = "Already in line by an earlier request with this key.",
            body = WaitingPlace),
        (status = 409, description = "Refused: `tickets-available` (hold them instead; field \
            `quantity`), `already-waiting` (this address already waits for this type; field \
            `email`), `waiting-list-closed`, `sale-not-open`, `sale-closed`, \
            `event-not-on-sale`, `event-cancelled`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, ServerProblems,
    ))]
async fn join_waiting_list(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<JoinWaitingListRequest>,
) -> Result<Response, ApiError> {
    let entry_id = match &key {
        Some(key) => WaitingEntryId::from_uuid(key.derive_id(&format!("waiting:{event_id}"))),
        None => WaitingEntryId::new_random(),
    };
    let request = request.parse(entry_id)?;
    let offer_id = ReservationId::from_uuid(entry_id.as_uuid());
    let metadata = buyer_metadata(session.as_ref(), offer_id);
    // Seen through like a hold: a join cut off half way must still rebuild the guard it
    // changed.
    let reservations = state.reservations.clone();
    let wanted = request.clone();
    let joined = see_through(async move {
        reservations
            .join_waiting_list(event_id, wanted, &metadata)
            .await
    })
    .await?
    .map_err(reservation_problem)?
    .map_err(|error| inventory_problem(&error))?;
    let mut place = current_place(&state, event_id, entry_id).await?;
    place.token = Some(state.reservation_tokens.issue(event_id, offer_id));
    let status = crate::routes::created_or_repeated(joined);
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/waiting-list/{entry_id}")) {
        headers.insert(LOCATION, location);
    }
    Ok((status, headers, ApiJson(place)).into_response())
}

/// A place on a waiting list and where it stands; needs its token.
#[utoipa::path(get, path = "/waiting-list/{entry_id}", tag = TAG,
    params(("entry_id" = Uuid, Path, description = "The place's id.")),
    security(("reservation_token" = [])),
    responses(
        (status = 200, description = "The place.", body = WaitingPlace),
        (status = 401, description = "No token was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, ServerProblems,
    ))]
async fn get_waiting_place(
    State(state): State<AppState>,
    ApiPath(entry_id): ApiPath<WaitingEntryId>,
    headers: HeaderMap,
) -> Result<ApiJson<WaitingPlace>, ApiError> {
    let event_id = authorise(
        &state,
        &headers,
        ReservationId::from_uuid(entry_id.as_uuid()),
    )?;
    current_place(&state, event_id, entry_id).await.map(ApiJson)
}

/// Leaves the line: the tickets waited for are no longer claimed. Once tickets were
/// offered, release the reservation instead (409 `waiting-list-offered`). Leaving twice is
/// harmless.
#[utoipa::path(delete, path = "/waiting-list/{entry_id}", tag = TAG,
    params(("entry_id" = Uuid, Path, description = "The place's id.")),
    security(("reservation_token" = [])),
    responses(
        (status = 204, description = "Left (or left before)."),
        (status = 401, description = "No token was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, ConflictProblem, ServerProblems,
    ))]
async fn leave_waiting_list(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    ApiPath(entry_id): ApiPath<WaitingEntryId>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let offer_id = ReservationId::from_uuid(entry_id.as_uuid());
    let event_id = authorise(&state, &headers, offer_id)?;
    state
        .reservations
        .leave_waiting_list(
            event_id,
            entry_id,
            &buyer_metadata(session.as_ref(), offer_id),
        )
        .await
        .map_err(reservation_problem)?
        .map_err(|error| inventory_problem(&error))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The place as the log has it now, read through the event's desk (the buyer sees their
/// own join at once, whatever the read models' lag).
async fn current_place(
    state: &AppState,
    event_id: EventId,
    entry_id: WaitingEntryId,
) -> Result<WaitingPlace, ApiError> {
    let (inventory, _) = state
        .reservations
        .inventory(event_id)
        .await
        .map_err(reservation_problem)?;
    WaitingPlace::of(&inventory, event_id, entry_id, Utc::now())
        .ok_or_else(|| inventory_problem(&InventoryError::UnknownWaitingEntry))
}

//! Who each ticket is for: the attendees a buyer gives at checkout (parsed here, checked
//! against the event's questions by the order) and the corrections until the event
//! starts, by the buyer or by the event's organiser (or an admin).

use axum::extract::State;
use carneau_domain::account::EmailAddress;
use carneau_domain::ids::OrderId;
use carneau_domain::order::Attendee;
use carneau_domain::text::AttendeeName;
use carneau_domain::EventMetadata;
use carneau_projections::orders::AttendeeView;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::orders::{buyers_order, OrderKeyQuery};
use super::sales::organisers_order;
use crate::auth::{command_context, MaybeSignedIn, OrganiserSession};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::mapping::payment_problem;
use crate::problem::responses::{BodyProblems, NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::provenance::buyer_metadata;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "orders";

/// The routes that correct attendees.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(correct_attendee))
        .routes(routes!(organiser_correct_attendee))
}

/// One ticket's attendee as the buyer types it. A blank value is no value; a detail the
/// event does not ask for is ignored (not refused).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeRequest {
    /// The attendee's name (1 to 100 characters, one line).
    #[schema(example = "Ada Lovelace")]
    #[serde(default)]
    pub name: Option<String>,
    /// The attendee's email.
    #[schema(example = "ada@example.com")]
    #[serde(default)]
    pub email: Option<String>,
}

/// The view of `attendee` at `seat`.
pub(crate) fn attendee_view(seat: usize, attendee: &Attendee) -> AttendeeView {
    AttendeeView {
        seat,
        name: attendee.name.as_ref().map(|name| name.as_str().to_owned()),
        email: attendee
            .email
            .as_ref()
            .map(|email| email.as_str().to_owned()),
    }
}

/// The attendee typed for one seat, its fields named `{prefix}.name` and `{prefix}.email`
/// in the field errors.
fn parse_attendee(raw: &AttendeeRequest, prefix: &str, errors: &mut Vec<FieldError>) -> Attendee {
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let name = given(&raw.name).and_then(|name| {
        AttendeeName::parse(name)
            .map_err(|error| {
                errors.push(FieldError::new(format!("{prefix}.name"), error.message()))
            })
            .ok()
    });
    let email = given(&raw.email).and_then(|email| {
        EmailAddress::parse(email)
            .map_err(|error| {
                errors.push(FieldError::new(format!("{prefix}.email"), error.message()))
            })
            .ok()
    });
    Attendee { name, email }
}

/// The attendees of a checkout, one per seat; every malformed value is named in one 422.
pub(crate) fn parse_attendees(raw: &[AttendeeRequest]) -> Result<Vec<Attendee>, ApiError> {
    let mut errors = Vec::new();
    let attendees = raw
        .iter()
        .enumerate()
        .map(|(seat, attendee)| {
            parse_attendee(attendee, &format!("attendees[{seat}]"), &mut errors)
        })
        .collect();
    if errors.is_empty() {
        Ok(attendees)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Corrects who one ticket is for, for the order's buyer (the order link's `key`, or
/// their session), until the event starts; the correction is a fact on the order with
/// the buyer as its actor. The ticket, the door's list and the exports show the new
/// details a moment later. Sending what is recorded already changes nothing.
#[utoipa::path(put, path = "/orders/{order_id}/attendees/{seat}", tag = TAG,
    params(("order_id" = Uuid, Path, description = "The order."),
        ("seat" = usize, Path, description = "The ticket's position in the order, from 0."),
        OrderKeyQuery),
    request_body = AttendeeRequest,
    responses(
        (status = 200, description = "The attendee as recorded now.", body = AttendeeView),
        (status = 401, description = "Neither a key nor a session was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`attendees-locked`: the event has started.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, ServerProblems,
    ))]
async fn correct_attendee(
    State(state): State<AppState>,
    ApiPath((order_id, seat)): ApiPath<(OrderId, usize)>,
    ApiQuery(query): ApiQuery<OrderKeyQuery>,
    MaybeSignedIn(session): MaybeSignedIn,
    ApiJson(request): ApiJson<AttendeeRequest>,
) -> Result<ApiJson<AttendeeView>, ApiError> {
    let (order, by_key) =
        buyers_order(&state, order_id, query.key.as_deref(), session.as_ref()).await?;
    let reservation_id = order
        .placed()
        .map(|placed| placed.reservation_id)
        .ok_or_else(|| ApiError::not_found("This order"))?;
    // Whoever came with the key acts as the order's guest; the buyer's own session acts
    // as their account.
    let session = session.filter(|_| !by_key);
    let metadata = buyer_metadata(session.as_ref(), reservation_id);
    record_correction(&state, order_id, seat, &request, &metadata).await
}

/// Corrects who one ticket of an order of their event is for, for the event's organiser
/// or an admin, until the event starts: the same rules as the buyer's correction (the
/// event's questions, the start), recorded as the same fact with the organiser's account
/// as its actor. Sending what is recorded already changes nothing.
#[utoipa::path(put, path = "/organiser/orders/{order_id}/attendees/{seat}", tag = "sales",
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("order_id" = Uuid, Path, description = "The order."),
        ("seat" = usize, Path, description = "The ticket's position in the order, from 0.")),
    request_body = AttendeeRequest,
    responses(
        (status = 200, description = "The attendee as recorded now.", body = AttendeeView),
        (status = 409, description = "`attendees-locked`: the event has started.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn organiser_correct_attendee(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath((order_id, seat)): ApiPath<(OrderId, usize)>,
    ApiJson(request): ApiJson<AttendeeRequest>,
) -> Result<ApiJson<AttendeeView>, ApiError> {
    organisers_order(&state, &session.principal, order_id).await?;
    let metadata = command_context(&session.principal).metadata;
    record_correction(&state, order_id, seat, &request, &metadata).await
}

/// Parses `request` for `seat`, has the order record the correction as `metadata` says,
/// and answers the seat's attendee as the order holds it now.
async fn record_correction(
    state: &AppState,
    order_id: OrderId,
    seat: usize,
    request: &AttendeeRequest,
    metadata: &EventMetadata,
) -> Result<ApiJson<AttendeeView>, ApiError> {
    let mut errors = Vec::new();
    let attendee = parse_attendee(request, &format!("attendees[{seat}]"), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    state
        .payments
        .correct_attendee(order_id, seat, attendee, metadata)
        .await
        .map_err(payment_problem)?;
    let order = state
        .payments
        .order(order_id)
        .await
        .map_err(payment_problem)?
        .ok_or_else(|| ApiError::not_found("This order"))?;
    let recorded = order.attendees().get(seat).cloned().unwrap_or_default();
    Ok(ApiJson(attendee_view(seat, &recorded)))
}

//! The organiser's side of payments: refund an order (whole or some tickets) and the
//! event's sales figures for the dashboard (its orders: `organiser_orders`).
//!
//! Only the event's organiser or an admin (`auth::require_event_manager`).

use axum::extract::State;
use carneau_domain::ids::{EventId, OrderId, TicketId};
use carneau_domain::order::{Order, RefundReason};
use carneau_projections::orders::{EventSales, OrderView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::orders::order_view;
use crate::auth::{command_context, require_event_manager, OrganiserSession, Principal};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::mapping::payment_problem;
use crate::problem::responses::{
    BodyProblems, ConflictProblem, NotFoundProblem, RoleProblems, ServerProblems,
};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "sales";

/// The organiser's payment routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(refund_order))
        .routes(routes!(event_sales))
}

/// Which tickets to refund, and whether the promo code's uses go back with them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The tickets to refund; omit to refund every ticket not refunded yet.
    #[serde(default)]
    pub ticket_ids: Option<Vec<Uuid>>,
    /// Give back the uses of the order's promo code that these tickets took, so that
    /// another buyer can use them: one use per refunded ticket the code applied to, or
    /// for a code counted per order its one use once no ticket it applied to is left.
    /// By default (`false`) the uses stay spent. Nothing to give back for an order
    /// without a code.
    #[serde(default)]
    pub give_back_code: bool,
}

/// A refund carried out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundView {
    /// The order's refund number (1, 2, ...).
    pub refund_number: u32,
    /// The order afterwards.
    pub order: OrderView,
}

/// Refunds a paid order, whole or some of its tickets, through the payment provider;
/// the refunded tickets stop being valid and go back on sale, with the promo code's uses
/// they took when `give_back_code` is set.
#[utoipa::path(post, path = "/organiser/orders/{order_id}/refunds", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("order_id" = Uuid, Path, description = "The order.")),
    request_body = RefundRequest,
    responses(
        (status = 201, description = "Refunded.", body = RefundView),
        (status = 409, description = "`order-not-paid` or `already-refunded`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn refund_order(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(order_id): ApiPath<OrderId>,
    ApiJson(request): ApiJson<RefundRequest>,
) -> Result<(axum::http::StatusCode, ApiJson<RefundView>), ApiError> {
    organisers_order(&state, &session.principal, order_id).await?;
    if request.ticket_ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::validation(vec![crate::problem::FieldError::new(
            "ticket_ids",
            "must name at least one ticket, or be omitted to refund them all",
        )]));
    }
    let ticket_ids = request
        .ticket_ids
        .map(|ids| ids.into_iter().map(TicketId::from_uuid).collect());
    let refund_number = state
        .payments
        .refund(
            order_id,
            ticket_ids,
            RefundReason::RequestedByOrganiser,
            request.give_back_code,
            &command_context(&session.principal).metadata,
        )
        .await
        .map_err(payment_problem)?;
    let order = state
        .payments
        .order(order_id)
        .await
        .map_err(payment_problem)?
        .and_then(|order| order_view(&order))
        .ok_or_else(|| ApiError::not_found("This order"))?;
    Ok((
        axum::http::StatusCode::CREATED,
        ApiJson(RefundView {
            refund_number,
            order,
        }),
    ))
}

/// The order `order_id`, once `principal` may manage its event (the event's organiser or
/// an admin): 404 for no order, 403 `not-event-organiser` for another organiser's.
pub(crate) async fn organisers_order(
    state: &AppState,
    principal: &Principal,
    order_id: OrderId,
) -> Result<Order, ApiError> {
    let order = state
        .payments
        .order(order_id)
        .await
        .map_err(payment_problem)?
        .ok_or_else(|| ApiError::not_found("This order"))?;
    let event_id = order
        .placed()
        .map(|placed| placed.event_id)
        .ok_or_else(|| ApiError::not_found("This order"))?;
    require_event_manager(state, principal, event_id).await?;
    Ok(order)
}

/// Capacity, held, sold, available and revenue per ticket type of the event, in one call.
#[utoipa::path(get, path = "/organiser/events/{event_id}/sales", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = Uuid, Path, description = "The event.")),
    responses(
        (status = 200, description = "The event's sales.", body = EventSales),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn event_sales(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<ApiJson<EventSales>, ApiError> {
    require_event_manager(&state, &session.principal, event_id).await?;
    carneau_projections::orders::event_sales(&state.pool, event_id.as_uuid())
        .await
        .map_err(ApiError::internal)?
        .map(ApiJson)
        .ok_or_else(|| ApiError::not_found("This event"))
}

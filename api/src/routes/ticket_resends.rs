//! Sending an order's tickets email again on request: by its buyer (the order link's
//! `key`, or signed in as the order's buyer) and by the event's organiser or an admin.
//!
//! The request is a fact on the order; the tickets email process manager mails it once,
//! after commit, with the tickets still valid. Rate limited per order, whoever asks, so
//! the button cannot flood a mailbox (`CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER`); a retry
//! of a request already recorded (same `Idempotency-Key`) sends nothing, so it is not
//! counted.

use axum::extract::State;
use axum::http::StatusCode;
use carneau_commands::payments::is_recorded_resend;
use carneau_commands::rate_limit::Decision;
use carneau_domain::ids::OrderId;
use carneau_domain::order::Order;
use carneau_domain::EventMetadata;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::orders::{buyers_order, OrderKeyQuery};
use super::sales::organisers_order;
use crate::auth::{command_context, MaybeSignedIn, OrganiserSession};
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKeyHeader};
use crate::problem::mapping::{payment_problem, rate_limited};
use crate::problem::responses::{
    NotFoundProblem, RateLimitedProblems, RoleProblems, ServerProblems,
};
use crate::problem::ApiError;
use crate::provenance::buyer_metadata;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "orders";

/// The routes that send an order's tickets again.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(buyer_resend))
        .routes(routes!(organiser_resend))
}

/// A resend accepted: the email is on its way.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketsResendView {
    /// The order.
    pub order_id: Uuid,
    /// Where the email goes: the order's buyer.
    pub email: String,
    /// How many tickets it carries (those still valid).
    pub tickets: usize,
}

/// Sends the order's tickets email again to its buyer, with the tickets still valid, for
/// the buyer: the order link's `key`, or their session. With an `Idempotency-Key`, a
/// retry sends nothing more, and is not counted against the limit per order
/// (`CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER`, by default 3 per hour).
#[utoipa::path(post, path = "/orders/{order_id}/tickets-email", tag = TAG,
    params(("order_id" = Uuid, Path, description = "The order."), OrderKeyQuery,
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key sends the email once.")),
    responses(
        (status = 202, description = "The email is queued.", body = TicketsResendView),
        (status = 401, description = "Neither a key nor a session was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no-tickets-to-resend`: not paid, or every ticket refunded.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, RateLimitedProblems, ServerProblems,
    ))]
async fn buyer_resend(
    State(state): State<AppState>,
    ApiPath(order_id): ApiPath<OrderId>,
    ApiQuery(query): ApiQuery<OrderKeyQuery>,
    MaybeSignedIn(session): MaybeSignedIn,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
) -> Result<(StatusCode, ApiJson<TicketsResendView>), ApiError> {
    let (order, by_key) =
        buyers_order(&state, order_id, query.key.as_deref(), session.as_ref()).await?;
    let reservation_id = order
        .placed()
        .map(|placed| placed.reservation_id)
        .ok_or_else(|| ApiError::not_found("This order"))?;
    // Whoever came with the key acts as the order's guest, even when signed in as
    // someone else; the buyer's own session acts as their account.
    let session = session.filter(|_| !by_key);
    let metadata = buyer_metadata(session.as_ref(), reservation_id);
    resend(&state, order_id, &order, key.as_ref(), &metadata).await
}

/// Sends the order's tickets email again to its buyer, with the tickets still valid, for
/// the event's organiser or an admin. With an `Idempotency-Key`, a retry sends nothing
/// more, and is not counted against the limit per order
/// (`CARNEAU_TICKETS_RESEND_LIMIT_PER_ORDER`, by default 3 per hour), which the buyer's
/// own requests count against too.
#[utoipa::path(post, path = "/organiser/orders/{order_id}/tickets-email", tag = "sales",
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("order_id" = Uuid, Path, description = "The order."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key sends the email once.")),
    responses(
        (status = 202, description = "The email is queued.", body = TicketsResendView),
        (status = 409, description = "`no-tickets-to-resend`: not paid, or every ticket refunded.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, RoleProblems, RateLimitedProblems, ServerProblems,
    ))]
async fn organiser_resend(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(order_id): ApiPath<OrderId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
) -> Result<(StatusCode, ApiJson<TicketsResendView>), ApiError> {
    let order = organisers_order(&state, &session.principal, order_id).await?;
    let metadata = command_context(&session.principal).metadata;
    resend(&state, order_id, &order, key.as_ref(), &metadata).await
}

/// Counts the attempt against the order's limit (unless it retries a request already
/// recorded), then records the request.
async fn resend(
    state: &AppState,
    order_id: OrderId,
    order: &Order,
    key: Option<&carneau_commands::idempotency::IdempotencyKey>,
    metadata: &EventMetadata,
) -> Result<(StatusCode, ApiJson<TicketsResendView>), ApiError> {
    if !is_recorded_resend(order, order_id, key) {
        let scope = format!("tickets-resend:{order_id}");
        let limit = state.config.tickets.resend_per_order;
        if let Decision::Refused { retry_after } = state.rate_limiter.check(&scope, limit).await {
            return Err(rate_limited(retry_after));
        }
    }
    state
        .payments
        .resend_tickets(order_id, key, metadata)
        .await
        .map_err(payment_problem)?;
    let email = order
        .placed()
        .map(|placed| placed.buyer_email.to_string())
        .unwrap_or_default();
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(TicketsResendView {
            order_id: order_id.as_uuid(),
            email,
            tickets: order.valid_tickets().len(),
        }),
    ))
}

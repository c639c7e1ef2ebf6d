//! Buyers' orders: start checkout from a live hold, look at an order, list one's orders.
//!
//! A guest's order is opened by its key (the `key` of the order link, returned when
//! checkout starts); a signed-in buyer's by their session (and a guest order to their
//! email, once that email is verified).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use carneau_commands::accounts::Session;
use carneau_commands::payments::StartCheckout;
use carneau_commands::policy::{self, OrderBuyer, OrderReader};
use carneau_domain::account::EmailAddress;
use carneau_domain::ids::{AccountId, OrderId, ReservationId};
use carneau_domain::order::{Order, OrderStatus};
use carneau_projections::catalogue::MoneyView;
use carneau_projections::orders::{OrderLineView, OrderTicketStatus, OrderTicketView, OrderView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::attendees::{attendee_view, parse_attendees, AttendeeRequest};
use super::reservations::authorise_holder;
use super::tickets::QrUrls;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::mapping::payment_problem;
use crate::problem::responses::{BodyProblems, NotFoundProblem, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "orders";
/// The order routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_checkout))
        .routes(routes!(get_order))
        .routes(routes!(my_orders))
}

/// Who the tickets are for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Where the tickets are sent.
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// Who each ticket is for, one per ticket in the hold's line order (the order the
    /// tickets are listed in). What the event asks decides what is kept: a required name
    /// left out is a 422 naming `attendees[i].name`; details it does not ask for are
    /// ignored.
    #[serde(default)]
    pub attendees: Vec<AttendeeRequest>,
}

/// A checkout in progress: send the buyer to `checkout_url`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckoutView {
    /// The order.
    pub order_id: Uuid,
    /// The order's secret key: `GET /orders/{order_id}?key=...` opens it without an account.
    pub order_secret: String,
    /// The buyer's page of the order (`{CARNEAU_PUBLIC_URL}/orders/{id}?key=...`).
    pub order_url: String,
    /// Where the buyer pays: Stripe's hosted page, or the simulated checkout page.
    pub checkout_url: String,
}

/// The buyer's email, parsed by the accounts' rule and kept normalised (lower case).
fn parse_email(raw: &str) -> Result<EmailAddress, ApiError> {
    EmailAddress::parse(raw)
        .map(|email| email.to_normalized())
        .map_err(|error| ApiError::validation(vec![FieldError::new("email", error.message())]))
}

/// Starts paying for a live hold: creates the payment session, keeps the tickets held
/// while the buyer pays and answers where to send them. Needs the reservation's token, or
/// the session of the account that placed the hold (anyone else: 404, as for an unknown
/// reservation); a signed-in buyer's order is also theirs (`GET /me/orders`). A retry
/// answers the same order and page.
#[utoipa::path(post, path = "/reservations/{reservation_id}/checkout", tag = TAG,
    params(("reservation_id" = Uuid, Path, description = "The reservation to pay for.")),
    security(("reservation_token" = []), ("session_cookie" = []), ("session_bearer" = [])),
    request_body = CheckoutRequest,
    responses(
        (status = 201, description = "Checkout started.", body = CheckoutView),
        (status = 200, description = "Checkout had already started for this reservation.",
            body = CheckoutView),
        (status = 401, description = "Neither a reservation token nor a session was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`reservation-expired`, `reservation-already-released`, `event-cancelled` \
            or `reservation-paid`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 502, description = "`payment-provider-refused`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        BodyProblems, NotFoundProblem, ServerProblems,
    ))]
async fn start_checkout(
    State(state): State<AppState>,
    ApiPath(reservation_id): ApiPath<ReservationId>,
    MaybeSignedIn(session): MaybeSignedIn,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> Result<Response, ApiError> {
    let event_id = authorise_holder(&state, &headers, session.as_ref(), reservation_id).await?;
    let buyer_email = parse_email(&request.email)?;
    let attendees = parse_attendees(&request.attendees)?;
    let order_id = OrderId::for_reservation(reservation_id);
    let key = state.order_keys.issue(order_id);
    let order_url = format!(
        "{}/orders/{order_id}?key={key}",
        state.config.accounts.public_url
    );
    let started = state
        .payments
        .start_checkout(StartCheckout {
            event_id,
            reservation_id,
            buyer_email,
            account_id: session
                .as_ref()
                .map(|session| session.principal.account_id.as_uuid()),
            success_url: order_url.clone(),
            // Leaving the payment page returns to the hold, which lasts until it lapses.
            cancel_url: format!(
                "{}/holds/{reservation_id}",
                state.config.accounts.public_url
            ),
            request_id: crate::request_id::current().map(|id| id.to_string()),
            attendees,
        })
        .await
        .map_err(payment_problem)?;
    let status = crate::routes::created_or_repeated(started.created);
    let view = CheckoutView {
        order_id: order_id.as_uuid(),
        order_secret: key,
        order_url,
        checkout_url: started.checkout_url,
    };
    Ok((status, ApiJson(view)).into_response())
}

/// The key of a guest's order link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderKeyQuery {
    /// The order's secret key (from the order link).
    pub key: Option<String>,
}

/// An order with its lines and tickets, for its buyer: the order link's `key`, or the
/// buyer's session.
#[utoipa::path(get, path = "/orders/{order_id}", tag = TAG,
    params(("order_id" = Uuid, Path, description = "The order."), OrderKeyQuery),
    responses(
        (status = 200, description = "The order.", body = OrderView),
        (status = 401, description = "Neither a key nor a session was sent.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        NotFoundProblem, ServerProblems,
    ))]
async fn get_order(
    State(state): State<AppState>,
    ApiPath(order_id): ApiPath<OrderId>,
    ApiQuery(query): ApiQuery<OrderKeyQuery>,
    MaybeSignedIn(session): MaybeSignedIn,
) -> Result<ApiJson<OrderView>, ApiError> {
    let (order, by_key) =
        buyers_order(&state, order_id, query.key.as_deref(), session.as_ref()).await?;
    let mut view = order_view(&order).ok_or_else(|| ApiError::not_found("This order"))?;
    with_check_ins(&state, &mut view).await?;
    // The key as issued, not as sent: it verified, but may carry whitespace.
    let key = by_key.then(|| state.order_keys.issue(order_id));
    with_qr_urls(&mut view, key.as_deref());
    Ok(ApiJson(view))
}

/// The order `order_id` for its buyer, who came with the order link's `key` or signed in
/// (and whether the key opened it): 401 with neither, and the same 404 for a wrong key,
/// someone else's order and no order at all, so an order's existence is not revealed.
pub(crate) async fn buyers_order(
    state: &AppState,
    order_id: OrderId,
    key: Option<&str>,
    session: Option<&Session>,
) -> Result<(Order, bool), ApiError> {
    let by_key = match key {
        Some(key) => state.order_keys.verify(order_id, key),
        None if session.is_none() => {
            return Err(ApiError::unauthorized(
                "Open the order with its link's `key`, or sign in.",
            ))
        }
        None => false,
    };
    let order = state
        .payments
        .order(order_id)
        .await
        .map_err(payment_problem)?
        .ok_or_else(|| ApiError::not_found("This order"))?;
    let reader = OrderReader {
        holds_order_key: by_key,
        principal: session.map(|session| &session.principal),
    };
    let readable = order.placed().is_some_and(|placed| {
        let buyer = OrderBuyer {
            account_id: placed.account_id.map(AccountId::from_uuid),
            email: placed.buyer_email.as_str(),
        };
        policy::may_read_order(reader, buyer)
    });
    if !readable {
        return Err(ApiError::not_found("This order"));
    }
    Ok((order, by_key))
}

/// Fills in when each ticket was checked in, from the door's record (the `tickets` read
/// model): the buyer sees "Checked in" rather than "Valid" on a ticket already used.
async fn with_check_ins(state: &AppState, view: &mut OrderView) -> Result<(), ApiError> {
    if view.tickets.is_empty() {
        return Ok(());
    }
    let recorded = carneau_projections::tickets::tickets_of_order(&state.pool, view.order_id)
        .await
        .map_err(ApiError::internal)?;
    for ticket in &mut view.tickets {
        ticket.checked_in_at = recorded
            .iter()
            .find(|seen| seen.ticket_id == ticket.ticket_id)
            .and_then(|seen| seen.checked_in_at);
    }
    Ok(())
}

/// Fills in each ticket's QR image URLs for the order's buyer: with the order's `key`
/// when they came with its link, bare when signed in (their session opens the images).
fn with_qr_urls(view: &mut OrderView, order_key: Option<&str>) {
    for ticket in &mut view.tickets {
        let urls = QrUrls::of(ticket.ticket_id, order_key);
        ticket.qr_svg_url = Some(urls.svg);
        ticket.qr_png_url = Some(urls.png);
    }
}

/// The signed-in buyer's orders, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyOrders {
    /// At most 200.
    pub orders: Vec<OrderView>,
}

/// The signed-in buyer's orders: those placed while signed in, and guest orders to their
/// email once it is verified.
#[utoipa::path(get, path = "/me/orders", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    responses(
        (status = 200, description = "The buyer's orders.", body = MyOrders),
        (status = 401, description = "Not signed in.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        ServerProblems,
    ))]
async fn my_orders(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<ApiJson<MyOrders>, ApiError> {
    let principal = &session.principal;
    let verified_email = principal
        .email_verified
        .then(|| principal.email.normalized());
    let orders = carneau_projections::orders::orders_of_buyer(
        &state.pool,
        principal.account_id.as_uuid(),
        verified_email.as_deref(),
    )
    .await
    .map_err(ApiError::internal)?;
    let orders = orders
        .into_iter()
        .map(|mut view| {
            with_qr_urls(&mut view, None);
            view
        })
        .collect();
    Ok(ApiJson(MyOrders { orders }))
}

/// An order as the log has it now (no read-model lag for the buyer watching it).
pub(crate) fn order_view(order: &Order) -> Option<OrderView> {
    let placed = order.placed()?;
    let currency = placed.total.currency.to_string();
    let status = order.status().unwrap_or(OrderStatus::AwaitingPayment);
    let refunded = order
        .refunded_total()
        .map_or(0, |refunded| refunded.amount_minor);
    Some(OrderView {
        order_id: placed.order_id.as_uuid(),
        event_id: placed.event_id.as_uuid(),
        reservation_id: placed.reservation_id.as_uuid(),
        status: status.into(),
        email: placed.buyer_email.to_string(),
        lines: placed
            .lines
            .iter()
            .map(|line| OrderLineView {
                ticket_type_id: line.ticket_type_id.as_uuid(),
                name: line.name.clone(),
                quantity: i32::try_from(line.quantity.get()).unwrap_or(i32::MAX),
                unit_price: MoneyView {
                    amount_minor: line.unit_price.amount_minor,
                    currency: currency.clone(),
                },
                list_unit_price: line.list_price.map(|price| MoneyView {
                    amount_minor: price.amount_minor,
                    currency: currency.clone(),
                }),
            })
            .collect(),
        total: MoneyView {
            amount_minor: placed.total.amount_minor,
            currency: currency.clone(),
        },
        refunded: MoneyView {
            amount_minor: refunded,
            currency,
        },
        tickets: order
            .tickets()
            .iter()
            .map(|ticket| OrderTicketView {
                ticket_id: ticket.ticket_id.as_uuid(),
                ticket_type_id: ticket.ticket_type_id.as_uuid(),
                status: if order.is_refunded(ticket.ticket_id) {
                    OrderTicketStatus::Refunded
                } else {
                    OrderTicketStatus::Valid
                },
                checked_in_at: None,
                // Only the buyer's routes show them (with or without the key).
                qr_svg_url: None,
                qr_png_url: None,
                attendee_name: ticket
                    .attendee
                    .as_ref()
                    .and_then(|attendee| attendee.name.as_ref())
                    .map(|name| name.as_str().to_owned()),
                attendee_email: ticket
                    .attendee
                    .as_ref()
                    .and_then(|attendee| attendee.email.as_ref())
                    .map(|email| email.as_str().to_owned()),
            })
            .collect(),
        checkout_url: (status == OrderStatus::AwaitingPayment).then(|| placed.checkout_url.clone()),
        provider: placed.provider.into(),
        created_at: placed.placed_at,
        paid_at: order.paid_at(),
        attendees: order
            .attendees()
            .iter()
            .enumerate()
            .map(|(seat, attendee)| attendee_view(seat, attendee))
            .collect(),
        code: placed
            .code
            .as_ref()
            .map(|claim| claim.code_use.code.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_obvious_mistakes_refused() {
        assert_eq!(
            parse_email(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
            "a@b@c.com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}

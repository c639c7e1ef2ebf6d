//! The organiser's orders of an event at any scale: the list, paged by an opaque cursor,
//! searched and filtered; and the orders and attendees as CSV, streamed from the database.
//!
//! Only the event's organiser or an admin (`auth::require_event_manager`), from the read
//! models (a second or so behind the log).

use axum::extract::State;
use axum::response::Response;
use carneau_domain::event::Event;
use carneau_domain::ids::EventId;
use carneau_domain::money::Currency;
use carneau_projections::orders::{
    attendee_export_rows, order_export_rows, EventOrdersPage, OrderSort, OrderStatusGroup,
    OrderTicketStatus, OrdersCursor, OrdersQuery, MAX_ORDERS_PAGE, MAX_ORDER_SEARCH_CHARS,
};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use futures::TryStreamExt;
use serde::Deserialize;
use sqlx::pool::PoolConnection;
use sqlx::Postgres;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{require_event_manager, OrganiserSession, Principal};
use crate::csv_export::{csv_response, CsvWriter};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::responses::{NotFoundProblem, QueryProblems, RoleProblems, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "sales";
/// Orders per page when `limit` is not given.
const DEFAULT_ORDERS_PAGE: u32 = 50;

/// The organiser's order list and exports.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(event_orders))
        .routes(routes!(export_orders))
        .routes(routes!(export_attendees))
}

/// Which orders, in which order, from where.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventOrdersQuery {
    /// Only orders whose buyer email, order id or an attendee's name (given at checkout or
    /// corrected, on an order of any status) starts with this, in any case (up to 200
    /// characters).
    q: Option<String>,
    /// Only orders in this status group: `paid`, `partially_refunded`, `refunded`,
    /// `cancelled` or `pending`.
    #[param(inline)]
    status: Option<OrderStatusGroup>,
    /// `newest` first (the default) or `oldest` first.
    #[param(inline)]
    sort: Option<OrderSort>,
    /// The `next_cursor` of the previous page (asked with the same `q`, `status` and `sort`).
    cursor: Option<String>,
    /// Orders per page, 1 to 100 (default 50).
    limit: Option<u32>,
}

impl TryFrom<EventOrdersQuery> for OrdersQuery {
    type Error = ApiError;

    fn try_from(query: EventOrdersQuery) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let search = query
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if search
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_ORDER_SEARCH_CHARS)
        {
            errors.push(FieldError::new("q", "must be at most 200 characters"));
        }
        let limit = query.limit.unwrap_or(DEFAULT_ORDERS_PAGE);
        if !(1..=MAX_ORDERS_PAGE).contains(&limit) {
            errors.push(FieldError::new("limit", "must be 1 to 100"));
        }
        let after = match query.cursor.as_deref() {
            None => None,
            Some(raw) => {
                let parsed = OrdersCursor::parse(raw);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor of this list: pass the next_cursor of a page as it was",
                    ));
                }
                parsed
            }
        };
        if !errors.is_empty() {
            return Err(
                ApiError::bad_request("invalid-query", FieldError::sentences(&errors))
                    .with_field_errors(errors),
            );
        }
        Ok(Self {
            status: query.status,
            search,
            sort: query.sort.unwrap_or_default(),
            after,
            limit,
        })
    }
}

/// The event's orders a page at a time, newest (or oldest) first, with a search by the
/// start of the buyer's email, the order id or an attendee's name and a status filter;
/// `next_cursor` leads on.
/// From the read model: a second or so behind.
#[utoipa::path(get, path = "/organiser/events/{event_id}/orders", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event."), EventOrdersQuery),
    responses(
        (status = 200, description = "A page of the event's orders.", body = EventOrdersPage),
        QueryProblems, NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn event_orders(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    ApiQuery(query): ApiQuery<EventOrdersQuery>,
) -> Result<ApiJson<EventOrdersPage>, ApiError> {
    let query = OrdersQuery::try_from(query)?;
    require_event_manager(&state, &session.principal, event_id).await?;
    carneau_projections::orders::orders_of_event(&state.pool, event_id.as_uuid(), &query)
        .await
        .map(ApiJson)
        .map_err(ApiError::internal)
}

/// Every order of the event as CSV, oldest first, streamed: order id, when placed and
/// paid (in the event's time zone with the offset, named in the header), status, buyer
/// email, tickets, total and refunded in the currency's decimals, currency, provider,
/// the promo code the order was priced with (empty without one) and what it took off the
/// list prices (`0.00` without one).
#[utoipa::path(get, path = "/organiser/events/{event_id}/orders.csv", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event.")),
    responses(
        (status = 200, description = "The orders, one per row after a header row.",
            body = String, content_type = "text/csv; charset=utf-8; header=present"),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn export_orders(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let (zone, mut connection) = export_source(&state, &session.principal, event_id).await?;
    let filename = format!("orders-{event_id}.csv");
    Ok(csv_response(
        &filename,
        move |mut csv: CsvWriter| async move {
            let placed = format!("placed_at ({})", zone.name());
            let paid = format!("paid_at ({})", zone.name());
            csv.record([
                "order_id",
                placed.as_str(),
                paid.as_str(),
                "status",
                "buyer_email",
                "tickets",
                "total",
                "refunded",
                "currency",
                "provider",
                "code",
                "discount",
            ])
            .await?;
            let mut rows = order_export_rows(&mut connection, event_id.as_uuid());
            while let Some(row) = rows.try_next().await? {
                let currency = Currency::parse(&row.currency).map_err(|_| {
                    anyhow::anyhow!("order {} has currency {:?}", row.order_id, row.currency)
                })?;
                csv.record([
                    row.order_id.to_string(),
                    in_zone(row.placed_at, zone),
                    row.paid_at.map(|at| in_zone(at, zone)).unwrap_or_default(),
                    wire_name(&row.status)?,
                    row.buyer_email,
                    row.tickets.to_string(),
                    currency.format_minor(row.total_minor),
                    currency.format_minor(row.refunded_minor),
                    currency.as_str().to_owned(),
                    wire_name(&row.provider)?,
                    row.code.unwrap_or_default(),
                    currency.format_minor(row.discount_minor),
                ])
                .await?;
            }
            csv.finish().await?;
            Ok(())
        },
    ))
}

/// Every ticket of the event as CSV, one attendee per row, streamed: ticket id, ticket
/// type, order id, buyer email, status (`valid` or `refunded`), checked in (`yes`/`no`)
/// and when (in the event's time zone with the offset, named in the header), then the
/// attendee's name and email (empty when the event does not ask or the buyer left them
/// blank).
#[utoipa::path(get, path = "/organiser/events/{event_id}/attendees.csv", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event.")),
    responses(
        (status = 200, description = "The tickets, one per row after a header row.",
            body = String, content_type = "text/csv; charset=utf-8; header=present"),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn export_attendees(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let (zone, mut connection) = export_source(&state, &session.principal, event_id).await?;
    let filename = format!("attendees-{event_id}.csv");
    Ok(csv_response(
        &filename,
        move |mut csv: CsvWriter| async move {
            let checked_in_at = format!("checked_in_at ({})", zone.name());
            csv.record([
                "ticket_id",
                "ticket_type",
                "order_id",
                "buyer_email",
                "status",
                "checked_in",
                checked_in_at.as_str(),
                "attendee_name",
                "attendee_email",
            ])
            .await?;
            let mut rows = attendee_export_rows(&mut connection, event_id.as_uuid());
            while let Some(row) = rows.try_next().await? {
                csv.record([
                    row.ticket_id.to_string(),
                    row.ticket_type,
                    row.order_id.to_string(),
                    row.buyer_email,
                    match row.status {
                        OrderTicketStatus::Valid => "valid",
                        OrderTicketStatus::Refunded => "refunded",
                    }
                    .to_owned(),
                    if row.checked_in_at.is_some() {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_owned(),
                    row.checked_in_at
                        .map(|at| in_zone(at, zone))
                        .unwrap_or_default(),
                    row.attendee_name.unwrap_or_default(),
                    row.attendee_email.unwrap_or_default(),
                ])
                .await?;
            }
            csv.finish().await?;
            Ok(())
        },
    ))
}

/// What an export of `event_id` reads from, once the caller may manage the event: the
/// zone its times are written in, and a connection of its own for the one statement it
/// streams (taken before the first byte, so a database out of reach is still a 503).
async fn export_source(
    state: &AppState,
    principal: &Principal,
    event_id: EventId,
) -> Result<(Tz, PoolConnection<Postgres>), ApiError> {
    let event = require_event_manager(state, principal, event_id).await?;
    let connection = state
        .pool
        .acquire()
        .await
        .map_err(|error| ApiError::internal(error.into()))?;
    Ok((zone_of(&event), connection))
}

/// The zone an event's times are written in (UTC for an event with no details yet).
fn zone_of(event: &Event) -> Tz {
    event
        .details()
        .map(|details| details.time_zone.tz())
        .unwrap_or(Tz::UTC)
}

/// `at` in `zone`, ISO 8601 with its offset: `2026-12-03T19:30:00+01:00`.
fn in_zone(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The name a wire enum has in JSON (`partially_refunded`, `stripe`), for a CSV cell.
fn wire_name(value: &impl serde::Serialize) -> anyhow::Result<String> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(anyhow::anyhow!("{other} is not a wire name")),
    }
}

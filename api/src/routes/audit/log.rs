//! `GET /audit/log`: the event log in the order projectors read it, paged by an opaque
//! cursor, filtered, and as NDJSON for exports of any size.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use carneau_domain::ids::EventId;
use carneau_projections::{read_matching, LogFilter, LogPosition};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::accounts::{AccountBook, AccountNameView};
use super::cursor::{decode_cursor, encode_cursor};
use super::entry::AuditEntry;
use super::reader::LogReader;
use super::{NDJSON, TAG};
use crate::audit_export::{log_pages, ndjson_page};
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::mapping::{invalid_log_query, log_problem};
use crate::problem::responses::{QueryProblems, RoleProblems, ServerProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// Events per page when `limit` is not given.
const DEFAULT_PAGE_EVENTS: u32 = 100;
/// The most events one page may ask for (NDJSON has no limit).
const MAX_PAGE_EVENTS: u32 = 1_000;
/// The aggregate types of the log, which `aggregate_type` may name.
const AGGREGATE_TYPES: [&str; 5] = ["Account", "Admission", "Event", "Inventory", "Order"];

/// Which events, from where.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Read after this cursor (an entry's `position.cursor`, or a page's `next_cursor`);
    /// from the start of the log without it.
    after: Option<String>,
    /// Events per page, 1 to 1000 (default 100); ignored by NDJSON, which streams all.
    limit: Option<u32>,
    /// Only this aggregate type: `Event`, `Inventory`, `Order`, `Admission` or `Account`.
    aggregate_type: Option<String>,
    /// Only the streams with this aggregate id.
    aggregate_id: Option<String>,
    /// Only the streams of this ticketing event: its own, its inventory's, its orders'
    /// and its admissions'.
    event_id: Option<Uuid>,
    /// Only events of this type (`OrderPlaced`, `TicketsRefunded`, ...).
    event_type: Option<String>,
    /// Only events recorded at or after this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Only events recorded before this instant (RFC 3339).
    until: Option<DateTime<Utc>>,
}

/// One page of the log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditLogPage {
    /// The events, in log order.
    pub events: Vec<AuditEntry>,
    /// Pass it as `after` for the next page; `null` when this page reached the end of the
    /// log as it stands (to follow the log later, read after the last entry's cursor).
    pub next_cursor: Option<String>,
    /// The accounts that did this page's events, by address and name (`email` `null` for
    /// an account unknown or since deleted): the entries' metadata names them by id only.
    pub accounts: Vec<AccountNameView>,
}

/// What a parsed query asks for.
struct LogRequest {
    after: LogPosition,
    limit: u32,
    filter: LogFilter,
}

impl TryFrom<LogQuery> for LogRequest {
    type Error = ApiError;

    fn try_from(query: LogQuery) -> Result<Self, ApiError> {
        let after = match &query.after {
            None => LogPosition::START,
            Some(cursor) => decode_cursor(cursor)
                .ok_or_else(|| invalid_log_query("after", "is not a cursor of this log"))?,
        };
        let limit = query.limit.unwrap_or(DEFAULT_PAGE_EVENTS);
        if !(1..=MAX_PAGE_EVENTS).contains(&limit) {
            return Err(invalid_log_query("limit", "must be between 1 and 1000"));
        }
        if let Some(aggregate_type) = &query.aggregate_type {
            if !AGGREGATE_TYPES.contains(&aggregate_type.as_str()) {
                return Err(invalid_log_query(
                    "aggregate_type",
                    "must be one of Account, Admission, Event, Inventory, Order",
                ));
            }
        }
        if let (Some(since), Some(until)) = (query.since, query.until) {
            if since >= until {
                return Err(invalid_log_query("until", "must be after `since`"));
            }
        }
        Ok(Self {
            after,
            limit,
            filter: LogFilter {
                aggregate_type: query.aggregate_type,
                aggregate_id: query.aggregate_id,
                ticketing_event: query.event_id,
                organiser: None,
                event_type: query.event_type,
                since: query.since,
                until: query.until,
            },
        })
    }
}

/// The event log in its one order: by appending transaction, then position, and only up
/// to the oldest transaction still running, so a page never skips a commit in flight
/// (the order projectors apply it in). Auditors and admins read all of it; an organiser
/// reads their own events' streams (403 for another organiser's `event_id`). With
/// `Accept: application/x-ndjson`, every matching event after `after`, one JSON object
/// per line, streamed.
#[utoipa::path(get, path = "/audit/log", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(LogQuery),
    responses(
        (status = 200, description = "A page of the log, or (NDJSON) every matching event.",
            content(
                (AuditLogPage = "application/json"),
                (AuditEntry = "application/x-ndjson"),
            )),
        QueryProblems, RoleProblems, ServerProblems,
    ))]
pub(super) async fn read_log(
    State(state): State<AppState>,
    reader: LogReader,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Response, ApiError> {
    let request = LogRequest::try_from(query)?;
    if let Some(event_id) = request.filter.ticketing_event {
        reader
            .require_event(&state, EventId::from_uuid(event_id))
            .await?;
    }
    let filter = if request.filter.ticketing_event.is_some() {
        request.filter
    } else {
        reader.scoped(request.filter)
    };
    if wants_ndjson(&headers) {
        return Ok(ndjson_response(&state, filter, request.after));
    }
    let events = read_matching(&state.pool, request.after, request.limit, &filter)
        .await
        .map_err(log_problem)?;
    let next_cursor = match events.last() {
        Some(last) if events.len() == request.limit as usize => Some(encode_cursor(last.position)),
        _ => None,
    };
    let mut accounts = AccountBook::default();
    accounts.learn(&state.pool, &events).await?;
    let events = events.iter().map(AuditEntry::from).collect();
    Ok(ApiJson(AuditLogPage {
        events,
        next_cursor,
        accounts: accounts.views(),
    })
    .into_response())
}

fn wants_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains(NDJSON))
}

/// Streams the matching events page by page: one page in memory at a time. A failure
/// after the first byte cannot become a problem any more: it is logged and the body is
/// cut short, which the client sees as an incomplete response.
fn ndjson_response(state: &AppState, filter: LogFilter, after: LogPosition) -> Response {
    let lines = log_pages(state.pool.clone(), filter, after).map(|page| {
        page.map_err(Into::into)
            .and_then(|page| ndjson_page(&page))
            .map_err(|error| {
                tracing::error!(error = %anyhow::Error::new(error), "the log export stopped");
                std::io::Error::other("the log export stopped")
            })
    });
    let mut response = Body::from_stream(lines).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    response
}

//! Public queries of the catalogue, for buyers: the listing and each event's detail,
//! served from the read models through the Redis response cache.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use carneau_domain::ids::EventId;
use carneau_projections::cache::{CacheScope, CachedJson};
use carneau_projections::catalogue::{
    self, EventDetail, EventListingPage, ListingCursor, ListingFilter, MAX_PAGE_SIZE,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiPath, ApiQuery};
use crate::problem::mapping::event_not_found;
use crate::problem::responses::{NotFoundProblem, QueryProblems, ServerProblems};
use crate::problem::{ApiError, FieldError};
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "events";

/// The default page size of the listing.
const DEFAULT_PAGE_SIZE: u32 = 20;
/// The longest search text accepted.
const MAX_SEARCH_CHARS: usize = 200;

/// The public catalogue routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
}

/// Filters and paging of the public listing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    /// Words to find in the title, venue or description (up to 200 characters).
    q: Option<String>,
    /// Only events starting at or after this time (RFC 3339). Without it, only events
    /// that have not ended yet.
    from: Option<DateTime<Utc>>,
    /// Only events starting before this time (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Events per page, 1 to 100 (default 20).
    limit: Option<u32>,
}

impl ListingQuery {
    fn parse(self) -> Result<ListingFilter, ApiError> {
        let mut errors = Vec::new();
        let text = self
            .q
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if text
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
        {
            errors.push(FieldError::new("q", "must be at most 200 characters"));
        }
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            errors.push(FieldError::new("limit", "must be 1 to 100"));
        }
        let cursor = match self.cursor.as_deref() {
            None => None,
            Some(raw) => {
                let parsed = ListingCursor::parse(raw);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor this API handed out",
                    ));
                }
                parsed
            }
        };
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to <= from {
                errors.push(FieldError::new("to", "must be after \"from\""));
            }
        }
        if !errors.is_empty() {
            return Err(
                ApiError::bad_request("invalid-query", FieldError::sentences(&errors))
                    .with_field_errors(errors),
            );
        }
        Ok(ListingFilter {
            text,
            starts_from: self.from,
            starts_before: self.to,
            cursor,
            limit,
        })
    }
}

/// Serialised JSON sent as it is (the cache holds responses ready to send).
fn json_response(json: CachedJson) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        json.into_bytes(),
    )
        .into_response()
}

/// Published events, upcoming first, with search, a date range and cursor paging.
#[utoipa::path(get, path = "/events", tag = TAG,
    params(ListingQuery),
    responses(
        (status = 200, description = "A page of the listing.", body = EventListingPage),
        QueryProblems, ServerProblems,
    ))]
async fn list_events(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListingQuery>,
) -> Result<Response, ApiError> {
    let filter = query.parse()?;
    let (cache, pool) = (&state.cache, &state.pool);
    let json = cache
        .get_or_load(&CacheScope::Listing, &filter.cache_key(), || async move {
            let page = catalogue::listing(pool, &filter).await?;
            Ok(Some(serde_json::to_string(&page)?))
        })
        .await?
        .unwrap_or_default();
    Ok(json_response(json))
}

/// A published (or cancelled) event with its ticket types. Drafts are not public.
#[utoipa::path(get, path = "/events/{event_id}", tag = TAG,
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event.", body = EventDetail),
        NotFoundProblem, ServerProblems,
    ))]
async fn get_event(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let id = event_id.as_uuid();
    let (cache, pool) = (&state.cache, &state.pool);
    let offer_hours = state.config.waiting_offer_hours();
    let json = cache
        .get_or_load(&CacheScope::Event(id), "detail", || async move {
            let detail = catalogue::event_detail(pool, id, false).await?;
            detail
                .map(|mut d| {
                    // What a buyer is told before joining the waiting list.
                    d.waiting_list_offer_hours = Some(offer_hours);
                    serde_json::to_string(&d)
                })
                .transpose()
                .map_err(Into::into)
        })
        .await?
        .ok_or_else(event_not_found)?;
    Ok(json_response(json))
}

//! Reads of the catalogue read models (`catalogue_events`, `catalogue_ticket_types`).
//!
//! The images column holds the domain's `EventImage` list as the last image fact left
//! it; the views turn each into URLs.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use carneau_domain::event::EventImage;

use super::views::{
    EventDetail, EventImageView, EventListingPage, EventSummary, MoneyView, TicketTypeView,
    VenueView,
};

/// The largest page the listing serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Where a listing page starts: just after this (starts_at, id) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingCursor {
    starts_at: DateTime<Utc>,
    id: Uuid,
}

impl ListingCursor {
    /// Parses the opaque cursor string a previous page handed out.
    pub fn parse(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (micros, id) = text.split_once('/')?;
        let starts_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Self {
            starts_at,
            id: id.parse().ok()?,
        })
    }

    /// The opaque string form handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}/{}", self.starts_at.timestamp_micros(), self.id))
    }
}

/// What the public listing is asked for; parsed and bounded by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingFilter {
    /// Words to find in title, venue or description.
    pub text: Option<String>,
    /// Only events starting at or after this; without it, only events not yet ended.
    pub starts_from: Option<DateTime<Utc>>,
    /// Only events starting before this.
    pub starts_before: Option<DateTime<Utc>>,
    /// Continue after this cursor.
    pub cursor: Option<ListingCursor>,
    /// Page size, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
}

impl ListingFilter {
    /// A stable string naming this filter, for cache keys.
    pub fn cache_key(&self) -> String {
        format!(
            "q={}&from={}&to={}&cursor={}&limit={}",
            self.text.as_deref().unwrap_or(""),
            self.starts_from.map(|t| t.to_rfc3339()).unwrap_or_default(),
            self.starts_before
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            self.cursor.map(|c| c.encode()).unwrap_or_default(),
            self.limit
        )
    }
}

/// Published events matching `filter`, upcoming first (table `catalogue_events`).
pub async fn listing(pool: &PgPool, filter: &ListingFilter) -> anyhow::Result<EventListingPage> {
    let limit = i64::from(filter.limit.clamp(1, MAX_PAGE_SIZE));
    let pattern = filter
        .text
        .as_deref()
        .map(|text| format!("%{}%", escape_like(text)));
    let rows = sqlx::query(
        r#"
        SELECT e.event_id, e.title, e.venue_name, e.venue_address, e.starts_at, e.ends_at,
               e.time_zone, e.currency, e.images -> 0 AS poster,
               (SELECT min(t.price_minor) FROM catalogue_ticket_types t
                 WHERE t.event_id = e.event_id AND NOT t.hidden) AS price_from
          FROM catalogue_events e
         WHERE e.status = 'published'
           AND ($1::text IS NULL
                OR e.search @@ websearch_to_tsquery('simple', $1)
                OR e.title ILIKE $2 OR e.venue_name ILIKE $2
                -- The search box promises cities: they are in the venue's address.
                OR e.venue_address ILIKE $2)
           AND (CASE WHEN $3::timestamptz IS NULL THEN e.ends_at > now()
                     ELSE e.starts_at >= $3 END)
           AND ($4::timestamptz IS NULL OR e.starts_at < $4)
           AND ($5::timestamptz IS NULL OR (e.starts_at, e.event_id) > ($5, $6::uuid))
         ORDER BY e.starts_at, e.event_id
         LIMIT $7
        "#,
    )
    .bind(filter.text.as_deref())
    .bind(pattern)
    .bind(filter.starts_from)
    .bind(filter.starts_before)
    .bind(filter.cursor.map(|c| c.starts_at))
    .bind(filter.cursor.map(|c| c.id))
    .bind(limit + 1)
    .fetch_all(pool)
    .await
    .context("reading the event listing")?;

    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let currency: String = row.try_get("currency")?;
        let price_from: Option<i64> = row.try_get("price_from")?;
        let id: Uuid = row.try_get("event_id")?;
        let poster: Option<sqlx::types::Json<EventImage>> = row.try_get("poster")?;
        items.push(EventSummary {
            poster: poster
                .map(|image| EventImageView::of(&image, &EventImageView::public_base(id))),
            id,
            title: row.try_get("title")?,
            venue: venue(row)?,
            starts_at: row.try_get("starts_at")?,
            ends_at: row.try_get("ends_at")?,
            time_zone: row.try_get("time_zone")?,
            price_from: price_from.map(|amount_minor| MoneyView {
                amount_minor,
                currency,
            }),
        });
    }
    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if items.len() > page_size {
        items.truncate(page_size);
        items.last().map(|last| {
            ListingCursor {
                starts_at: last.starts_at,
                id: last.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(EventListingPage { items, next_cursor })
}

/// One event with its ticket types (tables `catalogue_events`, `catalogue_ticket_types`).
/// Drafts and hidden ticket types (a presale, shown only to buyers whose code unlocks
/// them) are returned only for the `organiser_view`; buyers' capacity pools then name
/// only the types they can see.
pub async fn event_detail(
    pool: &PgPool,
    id: Uuid,
    organiser_view: bool,
) -> anyhow::Result<Option<EventDetail>> {
    let Some(row) = sqlx::query(
        r#"
        SELECT event_id, status, title, description, venue_name, venue_address, starts_at,
               ends_at, time_zone, currency, published_at, cancelled_at, cancellation_reason,
               version, attendee_name_ask, attendee_email_ask, images, waiting_list_open
          FROM catalogue_events
         WHERE event_id = $1 AND ($2 OR status <> 'draft')
        "#,
    )
    .bind(id)
    .bind(organiser_view)
    .fetch_optional(pool)
    .await
    .context("reading an event's detail")?
    else {
        return Ok(None);
    };

    let mut stock = crate::inventory::stock(pool, id).await?;
    let availability = &stock.ticket_types;
    let ticket_types = sqlx::query(
        r#"
        SELECT ticket_type_id, name, price_minor, currency, capacity, sale_opens_at,
               sale_closes_at, max_per_order, hidden
          FROM catalogue_ticket_types
         WHERE event_id = $1 AND ($2 OR NOT hidden)
         ORDER BY position
        "#,
    )
    .bind(id)
    .bind(organiser_view)
    .fetch_all(pool)
    .await
    .context("reading an event's ticket types")?
    .iter()
    .map(|t| {
        let ticket_type_id = t.try_get("ticket_type_id")?;
        Ok(TicketTypeView {
            availability: availability
                .get(&ticket_type_id)
                .copied()
                .unwrap_or_default(),
            capacity_pool_id: stock
                .capacity_pools
                .iter()
                .find(|pool| pool.ticket_type_ids.contains(&ticket_type_id))
                .map(|pool| pool.id),
            id: ticket_type_id,
            name: t.try_get("name")?,
            price: MoneyView {
                amount_minor: t.try_get("price_minor")?,
                currency: t.try_get("currency")?,
            },
            capacity: t.try_get("capacity")?,
            sale_opens_at: t.try_get("sale_opens_at")?,
            sale_closes_at: t.try_get("sale_closes_at")?,
            max_per_order: t.try_get("max_per_order")?,
            hidden: t.try_get("hidden")?,
        })
    })
    .collect::<Result<Vec<TicketTypeView>, sqlx::Error>>()?;
    if !organiser_view {
        for capacity_pool in &mut stock.capacity_pools {
            capacity_pool
                .ticket_type_ids
                .retain(|id| ticket_types.iter().any(|shown| shown.id == *id));
        }
    }

    let images: sqlx::types::Json<Vec<EventImage>> = row.try_get("images")?;
    let base = if organiser_view {
        EventImageView::organiser_base(id)
    } else {
        EventImageView::public_base(id)
    };
    Ok(Some(EventDetail {
        images: images
            .iter()
            .map(|image| EventImageView::of(image, &base))
            .collect(),
        id: row.try_get("event_id")?,
        status: row
            .try_get("status")
            .context("reading the status of an event in catalogue_events")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        venue: venue(&row)?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        time_zone: row.try_get("time_zone")?,
        currency: row.try_get("currency")?,
        published_at: row.try_get("published_at")?,
        cancelled_at: row.try_get("cancelled_at")?,
        cancellation_reason: row.try_get("cancellation_reason")?,
        ticket_types,
        capacity_pools: stock.capacity_pools,
        version: row.try_get("version")?,
        attendee_questions: super::AttendeeQuestionsView {
            name: row.try_get("attendee_name_ask")?,
            email: row.try_get("attendee_email_ask")?,
        },
        waiting_list_open: row.try_get("waiting_list_open")?,
        waiting_list_offer_hours: None,
    }))
}

/// One image of an event buyers may see (published or cancelled, not a draft), from
/// `catalogue_events.images`: what the public image route serves.
pub async fn public_image(
    pool: &PgPool,
    event_id: Uuid,
    image_id: Uuid,
) -> anyhow::Result<Option<EventImage>> {
    let images: Option<sqlx::types::Json<Vec<EventImage>>> = sqlx::query_scalar(
        "SELECT images FROM catalogue_events WHERE event_id = $1 AND status <> 'draft'",
    )
    .bind(event_id)
    .fetch_optional(pool)
    .await
    .context("reading an event's images")?;
    Ok(images.and_then(|images| {
        images
            .0
            .into_iter()
            .find(|image| image.id.as_uuid() == image_id)
    }))
}

/// Makes `%`, `_` and `\` in user text match themselves in an ILIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The venue of a `catalogue_events` row, read the same way by the listing and the detail.
fn venue(row: &PgRow) -> Result<VenueView, sqlx::Error> {
    Ok(VenueView {
        name: row.try_get("venue_name")?,
        address: row.try_get("venue_address")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = ListingCursor {
            starts_at: DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(ListingCursor::parse(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        assert_eq!(ListingCursor::parse("not a cursor"), None);
        assert_eq!(ListingCursor::parse(""), None);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}

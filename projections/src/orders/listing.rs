//! An event's orders for its organiser, a page at a time (table `orders`): keyset pages by
//! `(placed_at, order_id)`, newest or oldest first, narrowed to a status group and
//! searched by the start of an order id, of the buyer's email or of an attendee's name.
//! The indexes behind each shape are in
//! `migrations/sql/20261203000100_orders_of_event_at_scale.sql` (the names' in
//! `20261204200000_order_attendees.sql`).

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{with_details, OrderView, ORDER_COLUMNS};
use crate::catalogue::escape_like;

/// The largest page of orders served.
pub const MAX_ORDERS_PAGE: u32 = 100;
/// Searches at least this long match few orders: their matches are found first.
const NARROW_SEARCH_CHARS: usize = 3;
/// The longest search text accepted, in characters.
pub const MAX_ORDER_SEARCH_CHARS: usize = 200;

/// What a cursor decodes to before base64 starts with: the form, so a cursor of another
/// list (or of a later form of this one) is refused rather than misread.
const CURSOR_TAG: &str = "orders1";

/// In which order the list runs: `newest` (the default) or `oldest` first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    /// The latest placed order first.
    #[default]
    Newest,
    /// The first placed order first.
    Oldest,
}

/// The statuses an organiser filters by, each a group of the read model's statuses so
/// that every order is in exactly one: `paid`, `partially_refunded`, `refunded` (with
/// late payments refused and refunded automatically), `cancelled` (with checkouts that
/// expired unpaid) and `pending` (awaiting payment, a bank payment settling, tickets on
/// their way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusGroup {
    /// Paid, tickets issued, nothing refunded.
    Paid,
    /// Some tickets refunded.
    PartiallyRefunded,
    /// Every ticket refunded, or a late payment refused and refunded.
    Refunded,
    /// Cancelled by the buyer, failed, or expired unpaid.
    Cancelled,
    /// Not paid yet, or paid and the tickets not issued yet.
    Pending,
}

impl OrderStatusGroup {
    /// The read model's statuses (`orders.status`) in the group.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Self::Paid => &["paid"],
            Self::PartiallyRefunded => &["partially_refunded"],
            Self::Refunded => &["refunded", "payment_refused"],
            Self::Cancelled => &["cancelled", "expired"],
            Self::Pending => &["awaiting_payment", "payment_pending", "payment_received"],
        }
    }
}

/// Where a page starts: just past this order in the list's order. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrdersCursor {
    placed_at: DateTime<Utc>,
    order_id: Uuid,
}

impl OrdersCursor {
    /// The cursor a previous page handed out; `None` when `raw` is not one.
    pub fn parse(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split(':');
        if parts.next()? != CURSOR_TAG {
            return None;
        }
        let placed_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        let order_id = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            placed_at,
            order_id,
        })
    }

    /// The opaque form handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{CURSOR_TAG}:{}:{}",
            self.placed_at.timestamp_micros(),
            self.order_id
        ))
    }
}

/// Which orders of an event, in which order; parsed and bounded by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdersQuery {
    /// Only this status group.
    pub status: Option<OrderStatusGroup>,
    /// Only orders whose id or buyer email starts with this (trimmed, any case).
    pub search: Option<String>,
    /// Newest or oldest first.
    pub sort: OrderSort,
    /// Continue after this cursor.
    pub after: Option<OrdersCursor>,
    /// Page size, 1 to [`MAX_ORDERS_PAGE`].
    pub limit: u32,
}

/// A page of an event's orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventOrdersPage {
    /// The orders, in the order asked for.
    pub orders: Vec<OrderView>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; `null` on the
    /// last page.
    pub next_cursor: Option<String>,
}

/// One page of `event_id`'s orders matching `query` (table `orders`, then its lines and
/// tickets).
///
/// Each shape reads only the page from an index in the page's order: without a status,
/// `orders_of_event_by_time`; with one, one scan of `orders_of_event_by_status` per status
/// of the group, merged (`Merge Append`). `status = ANY(...)` on the time index instead
/// walks past every order of the other statuses: 46 ms at 100,000 orders for a group
/// the event has none of, against 2 ms (docs/benchmarks.md).
pub async fn orders_of_event(
    pool: &PgPool,
    event_id: Uuid,
    query: &OrdersQuery,
) -> anyhow::Result<EventOrdersPage> {
    let limit = query.limit.clamp(1, MAX_ORDERS_PAGE);
    let direction = match query.sort {
        OrderSort::Newest => "DESC",
        OrderSort::Oldest => "ASC",
    };
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new("");
    let narrow_search = query
        .search
        .as_deref()
        .filter(|search| search.trim().chars().count() >= NARROW_SEARCH_CHARS);
    match (query.status, narrow_search) {
        (_, Some(search)) => push_matches_page(&mut sql, event_id, search, query, limit),
        (None, None) => push_page(&mut sql, event_id, None, query, limit),
        (Some(group), None) => {
            sql.push(format_args!("SELECT {ORDER_COLUMNS} FROM ("));
            for (index, status) in group.statuses().iter().enumerate() {
                if index > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("(");
                push_page(&mut sql, event_id, Some(status), query, limit);
                sql.push(")");
            }
            sql.push(format_args!(
                ") page ORDER BY placed_at {direction}, order_id {direction} LIMIT "
            ))
            .push_bind(i64::from(limit) + 1);
        }
    }
    // Planned with its values each time (an unnamed statement): a cached generic plan
    // cannot read a `LIKE $n` prefix as an index range, and would walk every order. In a
    // transaction, so that a pooler in transaction mode (PgBouncer) keeps the statement's
    // parse and its execution on one server connection: between them it may hand the
    // connection to another client, whose server then has no such statement.
    let mut tx = pool
        .begin()
        .await
        .context("starting to read a page of an event's orders")?;
    let mut rows = sql
        .build()
        .persistent(false)
        .fetch_all(&mut *tx)
        .await
        .context("reading a page of an event's orders")?;
    tx.commit()
        .await
        .context("ending the read of a page of an event's orders")?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let orders = with_details(pool, &rows).await?;
    let next_cursor = more.then(|| orders.last()).flatten().map(|last| {
        OrdersCursor {
            placed_at: last.created_at,
            order_id: last.order_id,
        }
        .encode()
    });
    Ok(EventOrdersPage {
        orders,
        next_cursor,
    })
}

/// A page of the orders a narrow search matches: the matches first, found by the search's
/// prefix indexes alone (`MATERIALIZED`), then filtered, sorted and cut. Left to itself,
/// the planner may walk a status index in time order for a prefix it thinks common and
/// read most of the event before meeting a page of matches (155 ms at p99 for three
/// characters and `status=paid` at 100,000 orders).
fn push_matches_page(
    sql: &mut QueryBuilder<'_, Postgres>,
    event_id: Uuid,
    search: &str,
    query: &OrdersQuery,
    limit: u32,
) {
    // Two index-only searches joined by `UNION`: an `OR` with the attendees' sub-select
    // would keep the planner from combining the orders' prefix indexes.
    sql.push(format_args!(
        "WITH matches AS MATERIALIZED (SELECT {ORDER_COLUMNS} FROM orders WHERE event_id = "
    ))
    .push_bind(event_id);
    push_buyer_search(sql, search);
    sql.push(format_args!(
        ") UNION SELECT {ORDER_COLUMNS} FROM orders WHERE event_id = "
    ))
    .push_bind(event_id)
    .push(" AND order_id IN (");
    push_attendee_matches(sql, event_id, search_pattern(search));
    sql.push(format_args!(
        ") SELECT {ORDER_COLUMNS} FROM matches WHERE true"
    ));
    if let Some(group) = query.status {
        sql.push(" AND status = ANY(")
            .push_bind(group.statuses())
            .push(")");
    }
    push_cursor_and_order(sql, query, limit);
}

/// One page (and one more row, to know whether another follows) of the event's orders
/// in `status` if given, matching the search, after the cursor, in the page's order.
fn push_page(
    sql: &mut QueryBuilder<'_, Postgres>,
    event_id: Uuid,
    status: Option<&'static str>,
    query: &OrdersQuery,
    limit: u32,
) {
    sql.push(format_args!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE event_id = "
    ))
    .push_bind(event_id);
    if let Some(status) = status {
        sql.push(" AND status = ").push_bind(status);
    }
    if let Some(search) = query.search.as_deref() {
        push_search(sql, event_id, search);
    }
    push_cursor_and_order(sql, query, limit);
}

/// The cursor's condition, the page's order and its size (one more row than the page, to
/// know whether another follows).
fn push_cursor_and_order(sql: &mut QueryBuilder<'_, Postgres>, query: &OrdersQuery, limit: u32) {
    let (beyond, direction) = match query.sort {
        OrderSort::Newest => ("<", "DESC"),
        OrderSort::Oldest => (">", "ASC"),
    };
    if let Some(after) = query.after {
        sql.push(format_args!(" AND (placed_at, order_id) {beyond} ("))
            .push_bind(after.placed_at)
            .push(", ")
            .push_bind(after.order_id)
            .push(")");
    }
    sql.push(format_args!(
        " ORDER BY placed_at {direction}, order_id {direction} LIMIT "
    ))
    .push_bind(i64::from(limit) + 1);
}

/// The search: the start of the buyer's email in any case, or of the order id when the
/// text could begin one (hex digits and dashes), or of an attendee's name in any case
/// (table `order_attendees`, its own prefix index).
fn push_search(sql: &mut QueryBuilder<'_, Postgres>, event_id: Uuid, search: &str) {
    let pattern = search_pattern(search);
    push_buyer_search(sql, search);
    sql.push(" OR order_id IN (");
    push_attendee_matches(sql, event_id, pattern);
    sql.push(")");
}

/// `LIKE` pattern of the start of `search`, in lower case.
fn search_pattern(search: &str) -> String {
    format!("{}%", escape_like(&search.trim().to_lowercase()))
}

/// ` AND (email LIKE ... [OR order id LIKE ...]`, left open for the caller to extend or
/// close with `)`.
fn push_buyer_search(sql: &mut QueryBuilder<'_, Postgres>, search: &str) {
    let text = search.trim().to_lowercase();
    let pattern = search_pattern(search);
    sql.push(" AND (lower(buyer_email) LIKE ")
        .push_bind(pattern.clone());
    if text.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        sql.push(" OR order_id::text LIKE ").push_bind(pattern);
    }
}

/// The orders of `event_id` with an attendee whose name (given at checkout or as last
/// corrected, on an order of any status) starts with `pattern`: table `order_attendees`,
/// index `order_attendees_of_event_by_name`.
fn push_attendee_matches(sql: &mut QueryBuilder<'_, Postgres>, event_id: Uuid, pattern: String) {
    sql.push("SELECT order_id FROM order_attendees WHERE event_id = ")
        .push_bind(event_id)
        .push(" AND name IS NOT NULL AND lower(name) LIKE ")
        .push_bind(pattern)
        .push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_order_it_was_made_from() {
        let cursor = OrdersCursor {
            placed_at: DateTime::from_timestamp_micros(1_796_000_000_123_456).unwrap(),
            order_id: Uuid::new_v4(),
        };
        assert_eq!(OrdersCursor::parse(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn refuses_what_is_not_an_orders_cursor() {
        let listing = URL_SAFE_NO_PAD.encode(format!("1796000000/{}", Uuid::new_v4()));
        let extra = URL_SAFE_NO_PAD.encode(format!("orders1:1:{}:x", Uuid::new_v4()));
        for bad in ["", "not a cursor", "b3JkZXJzMToxOjI", &listing, &extra] {
            assert_eq!(OrdersCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_order_status_is_in_exactly_one_group() {
        let groups = [
            OrderStatusGroup::Paid,
            OrderStatusGroup::PartiallyRefunded,
            OrderStatusGroup::Refunded,
            OrderStatusGroup::Cancelled,
            OrderStatusGroup::Pending,
        ];
        let all = [
            "awaiting_payment",
            "payment_pending",
            "payment_received",
            "paid",
            "partially_refunded",
            "refunded",
            "payment_refused",
            "expired",
            "cancelled",
        ];
        for status in all {
            let holding = groups
                .iter()
                .filter(|group| group.statuses().contains(&status))
                .count();
            assert_eq!(holding, 1, "{status}");
        }
    }
}

//! The organiser's view of the catalogue: every event they own, drafts included.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::EventStatus;

/// Most events one "my events" answer lists.
pub const MAX_ORGANISER_EVENTS: i64 = 500;

/// One event in an organiser's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct OrganiserEventSummary {
    /// The event's id.
    pub id: Uuid,
    /// Where the event stands.
    #[schema(example = "draft")]
    pub status: EventStatus,
    /// Title shown to buyers.
    pub title: String,
    /// Name of the venue.
    pub venue_name: String,
    /// When it starts (UTC).
    pub starts_at: DateTime<Utc>,
    /// When it ends (UTC).
    pub ends_at: DateTime<Utc>,
    /// IANA time zone in which to show its times.
    pub time_zone: String,
    /// The organiser who owns it; absent for events from before accounts.
    pub organiser_id: Option<Uuid>,
}

/// Events owned by `organiser` (every event when `None`), soonest first, from table
/// `catalogue_events` (a moment behind the log).
pub async fn organiser_events(
    pool: &PgPool,
    organiser: Option<Uuid>,
) -> anyhow::Result<Vec<OrganiserEventSummary>> {
    let events = sqlx::query_as::<_, OrganiserEventSummary>(
        r#"
        SELECT event_id AS id, status, title, venue_name, starts_at, ends_at, time_zone,
               organiser_id
          FROM catalogue_events
         WHERE $1::uuid IS NULL OR organiser_id = $1
         ORDER BY starts_at, event_id
         LIMIT $2
        "#,
    )
    .bind(organiser)
    .bind(MAX_ORGANISER_EVENTS)
    .fetch_all(pool)
    .await
    .context("reading an organiser's events")?;
    Ok(events)
}

/// Who asks for the doors they may work: an admin sees every event; anyone else the
/// events of `organiser` (when still an organiser) and the `door_staff` events.
#[derive(Debug, Clone, Copy)]
pub struct DoorEventsOf<'a> {
    /// Every event (an admin).
    pub every: bool,
    /// The organiser whose own events count.
    pub organiser: Option<Uuid>,
    /// Events granted as door staff.
    pub door_staff: &'a [Uuid],
}

/// Events whose door `of` may work, soonest first, from table `catalogue_events`: those
/// on sale or cancelled (a draft sold nothing to scan), and not ended before
/// `ended_after`.
pub async fn door_events(
    pool: &PgPool,
    of: DoorEventsOf<'_>,
    ended_after: DateTime<Utc>,
) -> anyhow::Result<Vec<OrganiserEventSummary>> {
    let events = sqlx::query_as::<_, OrganiserEventSummary>(
        r#"
        SELECT event_id AS id, status, title, venue_name, starts_at, ends_at, time_zone,
               organiser_id
          FROM catalogue_events
         WHERE status <> 'draft'
           AND ends_at > $4
           AND ($1 OR organiser_id = $2 OR event_id = ANY($3))
         ORDER BY starts_at, event_id
         LIMIT $5
        "#,
    )
    .bind(of.every)
    .bind(of.organiser)
    .bind(of.door_staff)
    .bind(ended_after)
    .bind(MAX_ORGANISER_EVENTS)
    .fetch_all(pool)
    .await
    .context("reading the events whose door an account works")?;
    Ok(events)
}

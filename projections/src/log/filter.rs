//! Which part of the log a reader asks for: the auditors' filters and an organiser's
//! share, as SQL conditions added to the one gap-safe read.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// A subset of the event log. Every condition set must hold; the default is the whole log.
///
/// Filtering never changes the order or the horizon: a filtered read returns exactly the
/// matching events of the unfiltered one, so its last position is as safe a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only events of this aggregate type (`Event`, `Inventory`, `Order`, ...).
    pub aggregate_type: Option<String>,
    /// Only events of the aggregates with this id.
    pub aggregate_id: Option<String>,
    /// Only events of the streams that belong to this ticketing event: the event's and its
    /// inventory's streams, its orders' and its admissions' (function
    /// `audit_event_streams`, over the view `audit_streams`).
    pub ticketing_event: Option<Uuid>,
    /// Only events of the streams that belong to an event this account created.
    pub organiser: Option<Uuid>,
    /// Only events of this type (`OrderPlaced`, ...).
    pub event_type: Option<String>,
    /// Only events recorded at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only events recorded strictly before this instant.
    pub until: Option<DateTime<Utc>>,
}

impl LogFilter {
    /// Appends ` AND …` for every condition set, on table `events` (unaliased).
    pub(crate) fn push_conditions(&self, query: &mut QueryBuilder<'_, Postgres>) {
        if let Some(aggregate_type) = &self.aggregate_type {
            query
                .push(" AND events.aggregate_type = ")
                .push_bind(aggregate_type.clone());
        }
        if let Some(aggregate_id) = &self.aggregate_id {
            query
                .push(" AND events.aggregate_id = ")
                .push_bind(aggregate_id.clone());
        }
        if let Some(event_type) = &self.event_type {
            query
                .push(" AND events.event_type = ")
                .push_bind(event_type.clone());
        }
        if let Some(since) = self.since {
            query.push(" AND events.recorded_at >= ").push_bind(since);
        }
        if let Some(until) = self.until {
            query.push(" AND events.recorded_at < ").push_bind(until);
        }
        if let Some(event_id) = self.ticketing_event {
            query
                .push(
                    " AND (events.aggregate_type, events.aggregate_id) IN \
                     (SELECT aggregate_type, aggregate_id FROM audit_event_streams(",
                )
                .push_bind(event_id.to_string())
                .push("))");
        }
        if let Some(organiser) = self.organiser {
            query
                .push(
                    " AND (events.aggregate_type, events.aggregate_id) IN \
                     (SELECT streams.aggregate_type, streams.aggregate_id \
                        FROM audit_event_organisers organised \
                       CROSS JOIN LATERAL audit_event_streams(organised.event_id) streams \
                       WHERE organised.organiser_id = ",
                )
                .push_bind(organiser.to_string())
                .push(")");
        }
    }
}

//! `GET /audit/orders/{order_id}/history` and `GET /audit/events/{event_id}/history`: one
//! thing's whole story in log order, every fact with its actor, its cause and a sentence.

use std::collections::BTreeMap;

use axum::extract::State;
use carneau_domain::event::Event;
use carneau_domain::ids::{EventId, OrderId};
use carneau_domain::{Actor, EventMetadata};
use carneau_projections::{LogFilter, LogPosition, RecordedEvent};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::accounts::{AccountBook, AccountNameView};
use super::entry::AuditPosition;
use super::reader::LogReader;
use super::sentence::Narrator;
use super::TAG;
use crate::audit_export::log_pages;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::mapping::{audited_order_not_found, log_problem, payment_problem};
use crate::problem::responses::{NotFoundProblem, RoleProblems, ServerProblems};
use crate::problem::ApiError;
use crate::routes::actor::{ActorView, CauseView};
use crate::state::AppState;

/// One fact of a history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryFact {
    /// Where it sits in the log.
    pub position: AuditPosition,
    /// Its stream's aggregate type.
    pub aggregate_type: String,
    /// Its stream's id.
    pub aggregate_id: String,
    /// Its number in its stream.
    pub sequence: i64,
    /// What happened (`OrderPlaced`, ...).
    pub event_type: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who did it (`null` when the fact's metadata cannot be read).
    pub actor: Option<ActorView>,
    /// When an account did it: that account's address and name (`email` `null` for an
    /// account unknown or since deleted).
    pub actor_account: Option<AccountNameView>,
    /// Why it was recorded (`null` likewise).
    pub cause: Option<CauseView>,
    /// The purchase (or other story) it belongs to, shared by its facts across streams.
    pub correlation_id: Option<Uuid>,
    /// What happened, who did it and when (UTC and the event's time zone), in words.
    pub sentence: String,
}

/// An order's story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderHistory {
    /// The order.
    pub order_id: Uuid,
    /// The event its tickets are for.
    pub event_id: Uuid,
    /// The account that organises that event (`null` for an event from before accounts).
    pub organiser_id: Option<Uuid>,
    /// The event's time zone, in which the sentences also tell the time.
    pub time_zone: Option<String>,
    /// Every fact of the order, in log order.
    pub facts: Vec<HistoryFact>,
}

/// One order of an event, in short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderSummary {
    /// The order (its whole story: `/audit/orders/{order_id}/history`).
    pub order_id: Uuid,
    /// How many facts it has.
    pub facts: u32,
    /// Its latest fact, in words.
    pub latest: String,
}

/// An event's story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventHistory {
    /// The event.
    pub event_id: Uuid,
    /// The account that organises it (`null` for an event from before accounts).
    pub organiser_id: Option<Uuid>,
    /// Its time zone, in which the sentences also tell the time.
    pub time_zone: Option<String>,
    /// Every fact of the event, its inventory and its door, in log order.
    pub facts: Vec<HistoryFact>,
    /// Its orders, in the order they were placed.
    pub orders: Vec<OrderSummary>,
}

/// Every fact of an order, in log order, with who did it, why, and a sentence. An
/// auditor or an admin, or the organiser of the order's event (403 otherwise). Facts
/// show once the log's horizon has passed them, like every read of the log.
#[utoipa::path(get, path = "/audit/orders/{order_id}/history", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("order_id" = Uuid, Path, description = "The order's id.")),
    responses(
        (status = 200, description = "The order's story.", body = OrderHistory),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
pub(super) async fn order_history(
    State(state): State<AppState>,
    reader: LogReader,
    ApiPath(order_id): ApiPath<Uuid>,
) -> Result<ApiJson<OrderHistory>, ApiError> {
    // The order from its stream (no lag): who may read it is decided before the log is.
    let placed = state
        .payments
        .order(OrderId::from_uuid(order_id))
        .await
        .map_err(payment_problem)?
        .and_then(|order| order.placed().cloned())
        .ok_or_else(audited_order_not_found)?;
    let event = reader.require_event(&state, placed.event_id).await?;
    let filter = LogFilter {
        aggregate_type: Some("Order".to_owned()),
        aggregate_id: Some(order_id.to_string()),
        ..LogFilter::default()
    };
    let facts: Vec<RecordedEvent> = log_pages(state.pool.clone(), filter, LogPosition::START)
        .map_ok(|page| futures::stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .try_collect()
        .await
        .map_err(log_problem)?;
    let mut accounts = AccountBook::default();
    accounts.learn(&state.pool, &facts).await?;
    let narrator = Narrator::new(&event, &accounts);
    Ok(ApiJson(OrderHistory {
        order_id,
        event_id: placed.event_id.as_uuid(),
        organiser_id: event.organiser().map(|id| id.as_uuid()),
        time_zone: time_zone(&event),
        facts: facts
            .iter()
            .map(|fact| history_fact(&narrator, &accounts, fact))
            .collect(),
    }))
}

/// Every fact of an event, of its inventory and of its door, in log order, with who did
/// it, why, and a sentence; and its orders in short. An auditor or an admin, or the
/// event's organiser (403 otherwise).
#[utoipa::path(get, path = "/audit/events/{event_id}/history", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event's story.", body = EventHistory),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
pub(super) async fn event_history(
    State(state): State<AppState>,
    reader: LogReader,
    ApiPath(event_id): ApiPath<Uuid>,
) -> Result<ApiJson<EventHistory>, ApiError> {
    let event = reader
        .require_event(&state, EventId::from_uuid(event_id))
        .await?;
    let mut accounts = AccountBook::default();
    let filter = LogFilter {
        ticketing_event: Some(event_id),
        ..LogFilter::default()
    };
    let mut facts = Vec::new();
    // Orders by their first fact's place in the log: the order they were placed in.
    let mut orders: BTreeMap<Uuid, (LogPosition, OrderSummary)> = BTreeMap::new();
    let mut pages = std::pin::pin!(log_pages(state.pool.clone(), filter, LogPosition::START));
    while let Some(page) = pages.try_next().await.map_err(log_problem)? {
        // One look-up per page, for the accounts this page names first.
        accounts.learn(&state.pool, &page).await?;
        let narrator = Narrator::new(&event, &accounts);
        for fact in &page {
            if fact.aggregate_type != "Order" {
                facts.push(history_fact(&narrator, &accounts, fact));
                continue;
            }
            let Ok(order_id) = fact.aggregate_uuid() else {
                continue;
            };
            let latest = narrator.sentence(fact, metadata(fact).as_ref());
            let (_, summary) = orders.entry(order_id).or_insert_with(|| {
                (
                    fact.position,
                    OrderSummary {
                        order_id,
                        facts: 0,
                        latest: String::new(),
                    },
                )
            });
            summary.facts += 1;
            summary.latest = latest;
        }
    }
    let mut orders: Vec<_> = orders.into_values().collect();
    orders.sort_by_key(|(placed_at, _)| *placed_at);
    Ok(ApiJson(EventHistory {
        event_id,
        organiser_id: event.organiser().map(|id| id.as_uuid()),
        time_zone: time_zone(&event),
        facts,
        orders: orders.into_iter().map(|(_, summary)| summary).collect(),
    }))
}

fn time_zone(event: &Event) -> Option<String> {
    event
        .details()
        .map(|details| details.time_zone.as_str().to_owned())
}

/// The fact's metadata, typed; `None` for a row whose metadata does not read as ours.
fn metadata(fact: &RecordedEvent) -> Option<EventMetadata> {
    EventMetadata::deserialize(&fact.metadata).ok()
}

fn history_fact(
    narrator: &Narrator<'_>,
    accounts: &AccountBook,
    fact: &RecordedEvent,
) -> HistoryFact {
    let metadata = metadata(fact);
    let actor_account = match metadata.as_ref().map(|m| &m.actor) {
        Some(Actor::Account { account_id }) => Some(accounts.view(account_id.as_uuid())),
        _ => None,
    };
    HistoryFact {
        position: fact.position.into(),
        aggregate_type: fact.aggregate_type.clone(),
        aggregate_id: fact.aggregate_id.clone(),
        sequence: fact.sequence,
        event_type: fact.event_type.clone(),
        recorded_at: fact.recorded_at,
        actor: metadata.as_ref().map(|m| ActorView::from(&m.actor)),
        actor_account,
        cause: metadata.as_ref().map(|m| CauseView::from(&m.cause)),
        correlation_id: metadata.as_ref().and_then(|m| m.correlation_id),
        sentence: narrator.sentence(fact, metadata.as_ref()),
    }
}

//! The HTTP routes, one module per audience. Each module exposes `routes()`, an
//! `OpenApiRouter` whose handlers carry `#[utoipa::path]`, so the OpenAPI document is built
//! from the routes themselves and cannot drift from them.

pub mod accounts;
pub mod actor;
pub mod admin;
pub mod admin_mail;
pub mod attendees;
pub mod audit;
pub mod calendar;
pub mod capacity_pools;
pub mod catalogue;
pub mod codes;
pub mod door;
pub mod door_lists;
pub mod door_offline;
pub mod door_staff;
pub mod event_images;
pub mod events;
pub mod health;
pub mod metrics;
pub mod orders;
pub mod organiser;
pub mod organiser_orders;
pub mod organiser_waiting_list;
pub mod reservations;
pub mod sales;
mod simulated_page;
pub mod ticket_resends;
pub mod tickets;
pub mod vouchers;
pub mod waiting_list;
pub mod webhooks;

use std::future::Future;

use tracing::Instrument;
use utoipa_axum::router::OpenApiRouter;

use crate::problem::ApiError;
use crate::state::AppState;

/// The status of a creation that a retry may repeat: 201 when this request created it,
/// 200 when an earlier request with the same Idempotency-Key already had.
pub fn created_or_repeated(created: bool) -> axum::http::StatusCode {
    if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    }
}

/// Runs `work` to its end in a task of its own and waits for it: a command the Redis
/// guard has admitted must reach the log and be reconciled even if the buyer goes away or
/// the request times out; dropped half way, the guard would go on counting tickets the log
/// never held. The task carries the request's span. A task that panicked is a 500.
///
/// Boxed before it is spawned: a hold's future is kilobytes (3 KB, 9 KB before its guard
/// calls were boxed), and tokio moves a task's future, and a stage of its size, several
/// times on the way in and out; unboxed, those copies took about 6 % of a flash sale's
/// server CPU (docs/benchmarks.md, "Smaller moves per request"). Not an `async fn`, whose
/// own future would hold `work` by value and bring its size back into the request's.
pub fn see_through<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> impl Future<Output = Result<T, ApiError>> {
    let task = tokio::spawn(Box::pin(work.instrument(tracing::Span::current())));
    async move { task.await.map_err(|error| ApiError::internal(error.into())) }
}

/// Every documented route of the API.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(events::routes())
        .merge(calendar::routes())
        .merge(codes::routes())
        .merge(accounts::routes())
        .merge(organiser::routes())
        .merge(capacity_pools::routes())
        .merge(event_images::routes())
        .merge(door_staff::routes())
        .merge(admin::routes())
        .merge(admin_mail::routes())
        .merge(reservations::routes())
        .merge(orders::routes())
        .merge(sales::routes())
        .merge(ticket_resends::routes())
        .merge(attendees::routes())
        .merge(organiser_orders::routes())
        .merge(tickets::routes())
        .merge(door::routes())
        .merge(webhooks::routes())
        .merge(audit::routes())
        .merge(vouchers::routes())
        .merge(waiting_list::routes())
        .merge(organiser_waiting_list::routes())
}

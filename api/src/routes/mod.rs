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

use utoipa_axum::router::OpenApiRouter;

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

//! The HTTP API of Carneau Engine: configuration, telemetry, the error type (problem
//! details), extractors, authentication, middleware and the routes, assembled by
//! [`router`]. The `carneau` binary (`src/main.rs`) wires them to PostgreSQL and Redis.

#![warn(missing_docs)]
// The Stripe client's request futures are deeply nested types.
#![recursion_limit = "256"]

pub mod account_bootstrap;
pub mod app;
pub mod attendee_mail;
pub mod audit_export;
pub mod auth;
pub mod background;
pub mod buyer_notices;
pub mod cli;
pub mod config;
pub mod csv_export;
pub mod database;
pub mod door_access;
pub mod extract;
pub mod image_store;
pub mod layers;
pub mod listener;
mod mail_batch;
pub mod mail_composer;
pub mod metrics;
pub mod order_key;
pub mod password_reset_mail;
pub mod payments_process;
pub mod problem;
pub mod provenance;
pub mod redis_tls;
pub mod request_id;
pub mod reservation_token;
pub mod routes;
pub mod seed;
pub mod state;
pub mod telemetry;
pub mod ticket_mail;
pub mod verification_mail;
pub mod verification_outbox;
pub mod waiting_list_mail;

pub use app::{openapi, router, router_with_limits};
pub use config::Config;
pub use problem::{ApiError, Problem};
pub use state::AppState;

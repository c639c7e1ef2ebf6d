//! The HTTP API of Carneau Engine: configuration, telemetry, the error type (problem
//! details), extractors, authentication, middleware and the routes, assembled by
//! [`router`]. The `carneau` binary (`src/main.rs`) wires them to PostgreSQL and Redis.

#![warn(missing_docs)]

pub mod account_bootstrap;
pub mod app;
pub mod auth;
pub mod background;
pub mod config;
pub mod database;
pub mod extract;
pub mod layers;
pub mod problem;
pub mod request_id;
pub mod reservation_token;
pub mod routes;
pub mod seed;
pub mod state;
pub mod telemetry;
pub mod verification_mail;

pub use app::{openapi, router, router_with_limits};
pub use config::Config;
pub use problem::{ApiError, Problem};
pub use state::AppState;

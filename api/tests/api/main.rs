//! The API's integration tests, as one test binary (so the support module is compiled
//! once): each module below was a test file of its own; nextest names their tests
//! `api::<module>::<test>`.

mod support;

mod accounts;
mod audit_export;
mod audit_filters;
mod audit_history;
mod audit_log;
mod audit_reconcile;
mod authorization;
mod calendar;
mod catalogue_bad_input;
mod catalogue_organiser;
mod catalogue_promises;
mod catalogue_public;
mod cli_accounts;
mod cli_mail;
mod door_bench;
mod door_offline;
mod door_staff;
mod extractors;
mod http_app;
mod log_stored_checkpoints;
mod log_tamper_evidence;
mod metrics;
mod openapi;
mod payments_free;
mod payments_owner_checkout;
mod payments_refund_lookup;
mod payments_sessions;
mod payments_simulated;
mod payments_stripe;
mod plain_refusals;
mod provenance;
mod rate_limits;
mod replay;
mod replay_bench;
mod replay_scratch;
mod reservations_concurrency;
mod reservations_crash;
mod reservations_flow;
mod seed;
mod sessions;
mod tickets;
mod verification_mail;

//! Read models of Carneau Engine, built by projectors from the event log.
//!
//! [`log`] reads the log in a gap-free commit order (projectors and auditors alike);
//! [`runner`] keeps each projector's read model up to date from it, one active instance
//! per projector across all processes. [`catalogue`] holds the event catalogue's read
//! models and [`cache`] the Redis cache of query responses. [`read_models`] lists every
//! read model; [`replay`] rebuilds them from the log to verify or replace the live ones;
//! [`reconcile`] sets one event's figures computed from the log against its sales page.
//! [`seals`] makes the log tamper-evident: a hash chain over it and signed checkpoints of
//! its head.

#![warn(missing_docs)]

pub mod cache;
pub mod catalogue;
pub mod door_staff;
pub mod inventory;
pub mod log;
pub mod metrics;
pub mod orders;
pub mod read_models;
pub mod reconcile;
pub mod replay;
pub mod runner;
pub mod seals;
pub mod tickets;

pub use log::{
    count_matching, read_after, read_matching, read_page, DecodeError, Interest, LogError,
    LogFilter, LogPage, LogPosition, RecordedEvent,
};
pub use runner::{
    checkpoint_reached, Batch, BatchStatement, ProjectionError, Projector, ProjectorRunner,
    RunnerConfig,
};

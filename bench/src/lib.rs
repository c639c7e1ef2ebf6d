//! The flash-sale benchmark of Carneau Engine: an organiser puts one ticket type of
//! capacity C on sale, M buyers rush it with K requests in flight, and the event log is
//! replayed afterwards to prove no ticket was sold twice.
//!
//! The `flash-sale` binary strings these modules together; each does one step:
//! [`sale_setup`] creates the sale, [`buyers`] draws who asks for what, [`rush`] fires the
//! requests (on [`wire`]'s connections), [`attempt`] classifies each answer, [`payment`] pays for a hold when the run
//! pays and [`payers`] says on which connection, [`inventory_log`] and [`oversell`] audit
//! the log, [`latency`] and [`report`] turn it all into numbers, [`seal_lag`] says
//! how far behind the log the sealer of its tamper evidence ran, and [`cpu`],
//! [`freshness`], [`contention`] and [`database_work`] say what the rush cost: CPU,
//! read-model lag, version conflicts between nodes, and commits and rows written;
//! [`settled`] waits for the work it left behind (emails, read models) to be done. The `read-rush` binary uses [`reads`] to measure
//! cached reads against `/healthz`.

pub mod attempt;
pub mod buyers;
pub mod contention;
pub mod cpu;
pub mod database_work;
pub mod freshness;
pub mod inventory_log;
pub mod latency;
pub mod oversell;
pub mod payers;
pub mod payment;
pub mod promo_code;
pub mod reads;
pub mod report;
pub mod rush;
pub mod sale_setup;
pub mod seal_lag;
pub mod settled;
pub mod wire;

//! The inventory read model: every hold's lines with their status, from which the
//! capacity, held, sold and available counts of each ticket type are computed when read.

mod fold;
mod projector;
mod queries;
mod waiting;
mod waiting_queries;

pub use projector::InventoryProjector;
pub use queries::{availability, share_pools, stock, EventStock};
pub use waiting_queries::{waiting_list, WaitingPlaceView};

//! Every read model the projectors build: its projector and the tables it alone writes.
//!
//! One list, used by the API's background tasks (one runner per projector) and by the
//! auditors' replay and rebuild ([`crate::replay`]), so a new projector cannot be left
//! out of either.

use std::sync::Arc;

use crate::cache::ResponseCache;
use crate::catalogue::CatalogueProjector;
use crate::door_staff::DoorStaffProjector;
use crate::inventory::InventoryProjector;
use crate::orders::OrdersProjector;
use crate::runner::Projector;
use crate::tickets::TicketsProjector;

/// A read model: the projector that builds it and what it writes.
#[derive(Clone)]
pub struct ReadModel {
    /// The projector; its name is the read model's name.
    pub projector: Arc<dyn Projector>,
    /// The tables the projector writes and nothing else writes, parents before the
    /// tables whose foreign keys point at them. Its SQL names them unqualified, which is
    /// what lets a replay build them in a scratch schema.
    pub tables: &'static [&'static str],
    /// `(table, column)` pairs that record when the projector ran rather than a fact of
    /// the log: a replay cannot reproduce them, so comparisons skip them.
    pub volatile_columns: &'static [(&'static str, &'static str)],
    /// How closely its runner follows the log as it grows.
    pub following: Following,
}

/// How closely a read model follows the log during a sale, when every commit notifies
/// every projector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Following {
    /// Buyers watch it change (availability during a sale): it reads again within
    /// milliseconds of each append.
    Closely,
    /// Nobody waits on it by the millisecond: appends gather for a moment after a
    /// notification and are applied together, one transaction where a sale would
    /// otherwise cost one per commit.
    InBatches,
}

impl ReadModel {
    /// The projector's name (its checkpoint row and its lock).
    pub fn name(&self) -> &'static str {
        self.projector.name()
    }

    /// The columns of `table` a comparison skips.
    pub fn volatile_columns_of(&self, table: &str) -> Vec<&'static str> {
        self.volatile_columns
            .iter()
            .filter(|(of, _)| *of == table)
            .map(|(_, column)| *column)
            .collect()
    }
}

impl std::fmt::Debug for ReadModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadModel")
            .field("name", &self.name())
            .field("tables", &self.tables)
            .finish()
    }
}

/// Every read model, in the order they are run and reported. Projectors that keep a
/// response cache invalidate `cache` after their commits; a replay never runs that step.
pub fn read_models(cache: Option<ResponseCache>) -> Vec<ReadModel> {
    vec![
        ReadModel {
            projector: Arc::new(CatalogueProjector::new(cache.clone())),
            tables: &["catalogue_events", "catalogue_ticket_types"],
            volatile_columns: &[("catalogue_events", "updated_at")],
            following: Following::InBatches,
        },
        ReadModel {
            projector: Arc::new(InventoryProjector::new(cache)),
            tables: &["inventory_holds", "inventory_sold", "waiting_list_entries"],
            volatile_columns: &[],
            following: Following::Closely,
        },
        ReadModel {
            projector: Arc::new(OrdersProjector),
            tables: &[
                "orders",
                "order_lines",
                "order_tickets",
                "order_refunds",
                "ticket_type_sales",
                "order_attendees",
            ],
            volatile_columns: &[],
            following: Following::InBatches,
        },
        ReadModel {
            projector: Arc::new(TicketsProjector),
            tables: &["tickets", "ticket_double_entries"],
            volatile_columns: &[],
            following: Following::InBatches,
        },
        ReadModel {
            projector: Arc::new(DoorStaffProjector),
            tables: &["door_staff_accounts", "door_staff"],
            volatile_columns: &[],
            following: Following::InBatches,
        },
    ]
}

/// The read model called `name`, if there is one.
pub fn read_model(models: &[ReadModel], name: &str) -> Option<ReadModel> {
    models.iter().find(|model| model.name() == name).cloned()
}

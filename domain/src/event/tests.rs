//! Given / when / then tests of the event aggregate, one per rule, no database.

mod fixtures;
mod images;
mod lifecycle;
mod prices;
mod promises;
mod serialisation;
mod shared_capacity;
mod ticket_types;

//! Given / when / then tests of the order, one per rule, grouped by rule family.

mod fixtures;
mod lifecycle;
mod refunds;
mod serialisation;
mod standing;

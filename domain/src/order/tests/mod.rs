//! Given / when / then tests of the order, one per rule, grouped by rule family.

mod attendees;
mod code_refunds;
mod fixtures;
mod lifecycle;
mod pricing;
mod refunds;
mod resends;
mod serialisation;
mod sessions;
mod standing;

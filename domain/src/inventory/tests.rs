//! Tests of the inventory aggregate, one per rule, no database: given / when / then through
//! `handle` for commands, direct calls for the per-request outcomes of a batch.

mod batches;
mod code_fallback;
mod codes;
mod fixtures;
mod invariant;
mod placing;
mod releasing;
mod reservation_ids;
mod selling;
mod serialisation;
mod shared_capacity;
mod waiting_list;

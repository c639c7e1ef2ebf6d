//! The operator commands of the `carneau` binary that do more than wire things up, kept
//! in the library so tests run them as the binary does.

pub mod log_export;

//! The operator's and auditor's commands of the `carneau` binary that are more than a
//! line of wiring in `main.rs`: each reads the configuration it is given, does its one
//! job and prints for a person (or for a machine with `--json`).

pub mod reconcile;

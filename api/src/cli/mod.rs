//! The logic of `carneau` subcommands, in the library so tests can call it without
//! spawning the binary; `src/main.rs` only parses arguments and prints.

pub mod log_checkpoint;
pub mod log_verify;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `text` to the file at `output`, or to standard output without one.
pub fn write_output(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("writing to standard output"),
    }
}

//! Running the `carneau` binary against a test's database and Redis prefix.

use std::process::Command;

use carneau_testkit::{TestDatabase, TestRedis};

/// `carneau` aimed at `database` and `redis`, quiet, outside the workspace, with none of
/// the secrets a developer's shell may hold; add arguments and variables, then run it.
pub fn carneau_command(database: &TestDatabase, redis: &TestRedis) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carneau"));
    command
        // dotenvy looks for `.env` in the working directory and every parent, so run
        // outside the workspace, whose `.env` (from scripts/run) would set the secrets.
        .current_dir(outside_the_workspace())
        .env("DATABASE_URL", database.url())
        .env("REDIS_URL", carneau_testkit::redis_url())
        .env("CARNEAU_REDIS_PREFIX", redis.prefix())
        .env("RUST_LOG", "warn")
        .env_remove("CARNEAU_NEW_ACCOUNT_PASSWORD")
        .env_remove("CARNEAU_DEMO_PASSWORD")
        .env_remove("CARNEAU_AUDIT_SIGNING_KEY");
    command
}

/// An empty directory under the system's temporary directory, with no `.env` above it.
fn outside_the_workspace() -> std::path::PathBuf {
    let directory = std::env::temp_dir().join("carneau-cli-test");
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

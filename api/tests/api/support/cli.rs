//! The `carneau` binary as an operator runs it: on the test's database and Redis prefix,
//! outside the workspace, with no password in its environment.

use std::process::{Command, Output};

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

/// Runs `carneau args…` on `database` and `redis` with `env` on top and answers how it
/// ended. Asynchronous, so the app under test keeps serving on the runtime meanwhile.
pub async fn carneau(
    database: &TestDatabase,
    redis: &TestRedis,
    env: &[(&str, &str)],
    args: &[&str],
) -> Output {
    let mut command = carneau_command(database, redis);
    command.args(args).envs(env.iter().copied());
    tokio::process::Command::from(command)
        .output()
        .await
        .unwrap()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An empty directory under the system's temporary directory, with no `.env` above it.
fn outside_the_workspace() -> std::path::PathBuf {
    let directory = std::env::temp_dir().join("carneau-cli-test");
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

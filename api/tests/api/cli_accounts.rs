//! `carneau accounts create`: the first admin of a real install, password from the
//! environment only; running it again grants the role and leaves the password alone.

use std::process::Output;

use carneau_domain::account::{EmailAddress, Role};
use carneau_testkit::{TestDatabase, TestRedis};

use crate::support::cli::carneau_command;

fn carneau(
    database: &TestDatabase,
    redis: &TestRedis,
    password: Option<&str>,
    args: &[&str],
) -> Output {
    let mut command = carneau_command(database, redis);
    command.args(args);
    if let Some(password) = password {
        command.env("CARNEAU_NEW_ACCOUNT_PASSWORD", password);
    }
    command.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_an_admin_with_the_password_from_the_environment() {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let create = [
        "accounts",
        "create",
        "--email",
        "Boss@Example.com",
        "--name",
        "The Boss",
        "--role",
        "admin",
    ];

    let missing = carneau(&database, &redis, None, &create);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("CARNEAU_NEW_ACCOUNT_PASSWORD"), "{stderr}");

    let created = carneau(&database, &redis, Some("first admin password"), &create);
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(
        created.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(stdout.contains("created account"), "{stdout}");
    assert!(!stdout.contains("first admin password"));

    let again = carneau(
        &database,
        &redis,
        Some("another password!!"),
        &[
            "accounts",
            "create",
            "--email",
            "boss@example.com",
            "--name",
            "The Boss",
            "--role",
            "organiser",
        ],
    );
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("password unchanged"));

    let vars = std::collections::HashMap::from([
        ("DATABASE_URL", database.url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
    ]);
    let config = carneau_api::Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let state = carneau_api::AppState::new(
        database.pool().clone(),
        redis.client().clone(),
        std::sync::Arc::new(config),
    )
    .unwrap();
    let email = EmailAddress::parse("boss@example.com").unwrap();
    let password = carneau_domain::account::Password::parse("first admin password").unwrap();
    let account_id = state
        .accounts
        .authenticate(&email, &password)
        .await
        .unwrap();
    let account = state.accounts.load(account_id).await.unwrap().unwrap();
    assert!(account.has_role(Role::Admin) && account.has_role(Role::Organiser));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_the_demo_needs_a_demo_password() {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let refused = carneau(&database, &redis, None, &["serve", "--seed"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("CARNEAU_DEMO_PASSWORD is not set"),
        "{stderr}"
    );
}

//! Signed-in test callers: any test gets a buyer, an organiser, an admin or door staff in
//! one line (`let buyer = app.buyer().await;`) and sends requests as them
//! (`app.get_as(path, buyer.caller())`).
//!
//! Accounts are made through the command layer (no HTTP, so no rate limit applies) and
//! each gets a live session whose token the caller sends as `Authorization: Bearer`.

use carneau_api::AppState;
use carneau_commands::accounts::NewAccount;
use carneau_commands::{Actor, CommandContext};
use carneau_domain::account::{AccountCommand, EmailAddress, Password, Role};
use carneau_domain::ids::{AccountId, EventId};
use carneau_domain::text::PersonName;
use uuid::Uuid;

use super::{Caller, TestApp};

/// The email verification links the app sent, captured instead of logged.
#[derive(Default)]
pub struct CapturedLinks(std::sync::Mutex<Vec<(String, String)>>);

impl carneau_api::verification_mail::VerificationMail for CapturedLinks {
    fn send(&self, to: &EmailAddress, link: &str) {
        self.0
            .lock()
            .unwrap()
            .push((to.as_str().to_owned(), link.to_owned()));
    }
}

impl CapturedLinks {
    /// The token of the last link sent to `email`, if any.
    pub fn last_token_for(&self, email: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(to, _)| to == email)
            .and_then(|(_, link)| link.split_once("token=").map(|(_, token)| token.to_owned()))
    }

    /// Every link sent so far, as (address, link).
    pub fn sent(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }
}

/// The password of every account these helpers create.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// An account with a live session.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// The account's id.
    pub id: Uuid,
    /// Its email (unique per test run).
    pub email: String,
    /// Its password ([`TEST_PASSWORD`]).
    pub password: String,
    /// Its session token: send as `Authorization: Bearer`.
    pub token: String,
}

impl TestAccount {
    /// Requests sent as this account.
    pub fn caller(&self) -> Caller<'_> {
        Caller::Session(self)
    }

    /// The account id as the domain types it.
    pub fn account_id(&self) -> AccountId {
        AccountId::from_uuid(self.id)
    }
}

fn system() -> CommandContext {
    CommandContext {
        actor: Actor::System("test"),
        request_id: None,
    }
}

/// Registers an account (a fresh `<label>-<uuid>@carneau.test`) with `roles` on `state`'s
/// database and opens a session for it.
pub async fn create_account(state: &AppState, label: &str, roles: &[Role]) -> TestAccount {
    let email = format!("{label}-{}@carneau.test", Uuid::new_v4().simple());
    let account = state
        .accounts
        .register(
            NewAccount {
                email: EmailAddress::parse(&email).unwrap(),
                name: PersonName::parse(format!("Test {label}")).unwrap(),
                password: Password::parse(TEST_PASSWORD).unwrap(),
            },
            &system(),
        )
        .await
        .unwrap();
    let account_id = account.id().unwrap();
    for role in roles {
        state
            .accounts
            .execute(account_id, AccountCommand::GrantRole(*role), &system())
            .await
            .unwrap();
    }
    let (token, _) = state.accounts.sessions().issue(account_id).await.unwrap();
    TestAccount {
        id: account_id.as_uuid(),
        email,
        password: TEST_PASSWORD.to_owned(),
        token: token.expose().to_owned(),
    }
}

impl TestApp {
    /// A new buyer (no role), signed in.
    pub async fn buyer(&self) -> TestAccount {
        create_account(&self.state, "buyer", &[]).await
    }

    /// A new organiser, signed in; not the owner of the events the catalogue helpers
    /// create (those belong to [`TestApp::organiser`]).
    pub async fn other_organiser(&self) -> TestAccount {
        create_account(&self.state, "organiser", &[Role::Organiser]).await
    }

    /// A new admin, signed in.
    pub async fn admin(&self) -> TestAccount {
        create_account(&self.state, "admin", &[Role::Admin]).await
    }

    /// A new account granted door-staff access to `event_id` only, signed in.
    pub async fn door_staff(&self, event_id: Uuid) -> TestAccount {
        let staff = create_account(&self.state, "door", &[]).await;
        self.state
            .accounts
            .execute(
                staff.account_id(),
                AccountCommand::GrantDoorStaff(EventId::from_uuid(event_id)),
                &system(),
            )
            .await
            .unwrap();
        staff
    }
}

/// An organiser with a live session on `database` and `redis`, for tests that run
/// `carneau serve` as a child process on them.
pub async fn organiser_on(
    database: &carneau_testkit::TestDatabase,
    redis: &carneau_testkit::TestRedis,
) -> TestAccount {
    let vars = std::collections::HashMap::from([
        ("DATABASE_URL", database.url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
    ]);
    let config = carneau_api::Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let state = AppState::new(
        database.pool().clone(),
        redis.client().clone(),
        std::sync::Arc::new(config),
    );
    create_account(&state, "organiser", &[Role::Organiser]).await
}

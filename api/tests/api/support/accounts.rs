//! Signed-in test callers: any test gets a buyer, an organiser, an admin or door staff in
//! one line (`let buyer = app.buyer().await;`) and sends requests as them
//! (`app.get_as(path, buyer.caller())`).
//!
//! Accounts are made through the command layer (no HTTP, so no rate limit applies) and
//! each gets a live session whose token the caller sends as `Authorization: Bearer`.

use carneau_api::AppState;
use carneau_commands::accounts::NewAccount;
use carneau_commands::CommandContext;
use carneau_domain::account::{AccountCommand, EmailAddress, Password, Role};
use carneau_domain::ids::{AccountId, EventId};
use carneau_domain::text::PersonName;
use reqwest::Response;
use serde_json::{json, Value};
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

/// Who runs the commands the tests send behind the API's back: the system.
pub fn system() -> CommandContext {
    CommandContext::process(
        carneau_domain::Process::Test,
        carneau_domain::Cause::Operator,
    )
}

/// Runs `command` on an account through the command layer (no HTTP), as the system.
pub async fn run_account_command(state: &AppState, account_id: AccountId, command: AccountCommand) {
    state
        .accounts
        .execute(account_id, command, &system())
        .await
        .unwrap();
}

/// Opens a session of `account_id` through the command layer; answers its token.
pub async fn issue_session(state: &AppState, account_id: AccountId) -> String {
    let (token, _) = state.accounts.sessions().issue(account_id).await.unwrap();
    token.expose().to_owned()
}

/// A body for `POST /accounts`: `email`, a name and [`TEST_PASSWORD`].
pub fn registration(email: &str) -> Value {
    json!({"email": email, "name": "Lina Moreau", "password": TEST_PASSWORD})
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
        run_account_command(state, account_id, AccountCommand::GrantRole(*role)).await;
    }
    TestAccount {
        id: account_id.as_uuid(),
        email,
        password: TEST_PASSWORD.to_owned(),
        token: issue_session(state, account_id).await,
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
        let grant = AccountCommand::GrantDoorStaff(EventId::from_uuid(event_id));
        run_account_command(&self.state, staff.account_id(), grant).await;
        staff
    }

    /// `POST /accounts` with `body` (see [`registration`]), anonymously.
    pub async fn register(&self, body: &Value) -> Response {
        self.post_json("/accounts", body).await
    }

    /// `POST /sessions` with these credentials, anonymously.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post_json("/sessions", &json!({"email": email, "password": password}))
            .await
    }

    /// Another session of `account` (as from another device), through `POST /sessions`;
    /// asserts 200 and answers its token.
    pub async fn another_session(&self, account: &TestAccount) -> String {
        let response = self.sign_in(&account.email, &account.password).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["session"]["token"].as_str().unwrap().to_owned()
    }

    /// The body of `GET /me` as `caller`.
    pub async fn me(&self, caller: Caller<'_>) -> Value {
        self.get_as("/me", caller).await.json().await.unwrap()
    }
}

/// An organiser with a live session on `database` and `redis`, for tests that run
/// `carneau serve` as a child process on them.
pub async fn organiser_on(
    database: &carneau_testkit::TestDatabase,
    redis: &carneau_testkit::TestRedis,
) -> TestAccount {
    let config = super::config_on(database, redis, &[]);
    let state = AppState::new(
        database.pool().clone(),
        redis.client().clone(),
        std::sync::Arc::new(config),
    )
    .unwrap();
    create_account(&state, "organiser", &[Role::Organiser]).await
}

//! `spawn_app()`: the real router on a free port, on a fresh database and a per-test Redis
//! prefix, with a typed client to talk to it and a signed-in organiser
//! ([`TestApp::organiser`], `Caller::Organiser`) who owns the events the helpers create.
//! More signed-in callers: `app.buyer()`, `app.other_organiser()`, `app.admin()`,
//! `app.door_staff(event_id)` (see `accounts.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use carneau_api::problem::{Problem, PROBLEM_CONTENT_TYPE};
use carneau_api::{AppState, Config};
use carneau_domain::account::Role;
use carneau_projections::catalogue::{EventDetail, EventListingPage};
use carneau_testkit::{TestDatabase, TestRedis};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use fred::prelude::KeysInterface;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

pub mod accounts;
pub mod audit_story;
pub mod cli;
pub mod own_servers_app;
pub mod serve_process;

pub use accounts::{create_account, TestAccount};

/// Who a request is sent as.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// No `Authorization` header.
    Anonymous,
    /// The app's own organiser ([`TestApp::organiser`]), owner of the helpers' events.
    Organiser,
    /// This account's session.
    Session(&'a TestAccount),
    /// `Authorization: Bearer <this token>`.
    Token(&'a str),
}

/// A running application and a client aimed at it.
pub struct TestApp {
    /// Stops the app's projectors when the app is dropped, before its database goes.
    pub _stop_projectors: tokio_util::sync::DropGuard,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// A plain client; the helpers below add the URL and the token.
    pub client: reqwest::Client,
    /// The state the router runs on (pool, Redis, config).
    pub state: AppState,
    /// The test's database, dropped with the app.
    pub database: TestDatabase,
    /// The test's Redis prefix, cleaned with the app.
    pub redis: TestRedis,
    /// The organiser `Caller::Organiser` sends as; owns the events the helpers create.
    pub organiser: TestAccount,
    /// The email verification links the app sent.
    pub mail: Arc<accounts::CapturedLinks>,
}

/// Starts the real router.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the real router with these extra settings (on top of the test database and Redis).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let config = config_on(&database, &redis, settings);
    let pool = request_pool(&database, &config).await;
    let mut state = AppState::new(pool, redis.client().clone(), Arc::new(config)).unwrap();
    let mail = Arc::new(accounts::CapturedLinks::default());
    state.verification_links = carneau_api::verification_mail::VerificationLinks::new(mail.clone());
    // Dropped with the app, which stops the projectors.
    let stop_projectors = tokio_util::sync::CancellationToken::new();
    carneau_api::background::spawn_background(&state, stop_projectors.clone());
    let base_url = serve(carneau_api::router(state.clone())).await;
    let organiser = create_account(&state, "organiser", &[Role::Organiser]).await;
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        state,
        database,
        redis,
        organiser,
        mail,
        _stop_projectors: stop_projectors.drop_guard(),
    }
}

/// The configuration of an app on `database` and `redis` (the test Redis server, under the
/// test's prefix), with `settings` on top.
pub fn config_on(database: &TestDatabase, redis: &TestRedis, settings: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("REDIS_URL", carneau_testkit::redis_url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
    ]);
    vars.extend(database.app_settings());
    vars.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
    Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap()
}

/// The request pool of an app on `config`: the test database's own pool, or, when the
/// run goes through the test PgBouncer, a pool opened through it as `carneau serve`
/// opens one.
pub async fn request_pool(database: &TestDatabase, config: &Config) -> sqlx::PgPool {
    if config.database.through_pooler() {
        carneau_api::database::connect(config).await.unwrap()
    } else {
        database.pool().clone()
    }
}

/// Serves `router` on a free local port (with connection info, as `carneau serve` does);
/// returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends a request as `caller`, with an optional JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        caller: Caller<'_>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Response {
        let mut request = self.request(method, path, caller);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// GET as an anonymous buyer.
    pub async fn get(&self, path: &str) -> Response {
        self.get_as(path, Caller::Anonymous).await
    }

    /// GET as `caller`.
    pub async fn get_as(&self, path: &str, caller: Caller<'_>) -> Response {
        self.send(Method::GET, path, caller, None::<&()>).await
    }

    /// POST a JSON body as an anonymous buyer.
    pub async fn post_json(&self, path: &str, body: &(impl Serialize + ?Sized)) -> Response {
        self.post_json_as(path, body, Caller::Anonymous).await
    }

    /// POST a JSON body as `caller`.
    pub async fn post_json_as(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
        caller: Caller<'_>,
    ) -> Response {
        self.send(Method::POST, path, caller, Some(body)).await
    }

    /// PATCH a JSON body as `caller`.
    pub async fn patch_json_as(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
        caller: Caller<'_>,
    ) -> Response {
        self.send(Method::PATCH, path, caller, Some(body)).await
    }

    /// DELETE as `caller`.
    pub async fn delete_as(&self, path: &str, caller: Caller<'_>) -> Response {
        self.send(Method::DELETE, path, caller, None::<&()>).await
    }
}

/// Asserts `response` is a problem with this status and `type` slug; returns its body.
pub async fn expect_problem(response: Response, status: StatusCode, slug: &str) -> Problem {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, PROBLEM_CONTENT_TYPE);
    let header_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = response
        .headers()
        .contains_key(reqwest::header::RETRY_AFTER);
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(
        problem.problem_type,
        format!("urn:carneau:problem:{slug}"),
        "{problem:?}"
    );
    // Every 503 says when to come back and whether a retry could do the work twice.
    let unavailable = status == StatusCode::SERVICE_UNAVAILABLE;
    assert!(retry_after || !unavailable, "a 503 without Retry-After");
    assert_eq!(problem.retry.is_some(), unavailable, "{problem:?}");
    assert_eq!(problem.status, status.as_u16());
    assert!(header_id.is_some(), "no x-request-id header");
    assert_eq!(
        problem.request_id, header_id,
        "body and header request ids differ"
    );
    problem
}

/// How long [`eventually`] waits for the asynchronous read models before giving up. Generous:
/// it bounds a failing test, not a passing one, which returns as soon as it sees the change.
pub const EVENTUALLY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often [`eventually`] looks again.
const EVENTUALLY_POLL_INTERVAL: Duration = Duration::from_millis(25);

/// How many days ahead [`event_request`] puts its event.
pub const EVENT_STARTS_IN_DAYS: i64 = 30;
/// How long events of [`event_request`] last, in hours.
const EVENT_LENGTH_HOURS: i64 = 3;
/// When ticket sales of [`ticket_type_request`] close, in days from now: before any
/// event of [`event_request`] ends.
const SALE_CLOSES_IN_DAYS: i64 = 20;

/// Polls `probe` until it returns `Some` (the read model shows what the test waits for);
/// panics naming `what` after [`EVENTUALLY_TIMEOUT`]. Projections are asynchronous, so a
/// public read right after a command may still show the state before it.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_within(EVENTUALLY_TIMEOUT, EVENTUALLY_POLL_INTERVAL, what, probe).await
}

/// Polls `probe` every `interval` until it returns `Some`; panics naming `what` after
/// `patience`.
pub async fn eventually_within<T, F, Fut>(
    patience: Duration,
    interval: Duration,
    what: &str,
    mut probe: F,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(seen) = probe().await {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {patience:?} waiting for {what}"
        );
        tokio::time::sleep(interval).await;
    }
}

/// `days` from now, on a whole hour, so that two bodies built in one test compare equal.
pub fn in_days(days: i64) -> DateTime<Utc> {
    (Utc::now() + TimeDelta::days(days))
        .duration_trunc(TimeDelta::hours(1))
        .unwrap()
}

/// A valid body for `POST /organiser/events`: an EUR event in Paris, a month ahead.
pub fn event_request(title: &str) -> Value {
    event_request_starting(title, in_days(EVENT_STARTS_IN_DAYS))
}

/// A valid body for `POST /organiser/events` of an event starting at `starts_at`.
pub fn event_request_starting(title: &str, starts_at: DateTime<Utc>) -> Value {
    json!({
        "title": title,
        "description": "An evening of modal jazz.",
        "venue": {"name": "Le Sunset", "address": "60 rue des Lombards, 75001 Paris"},
        "starts_at": starts_at,
        "ends_at": starts_at + TimeDelta::hours(EVENT_LENGTH_HOURS),
        "time_zone": "Europe/Paris",
        "currency": "EUR",
    })
}

/// A valid body for `POST .../ticket-types` of an EUR event from [`event_request`]: on
/// sale since yesterday, until well before the event.
pub fn ticket_type_request(name: &str, amount_minor: i64) -> Value {
    json!({
        "name": name,
        "price": {"amount_minor": amount_minor, "currency": "EUR"},
        "capacity": 200,
        "sale_opens_at": in_days(-1),
        "sale_closes_at": in_days(SALE_CLOSES_IN_DAYS),
        "max_per_order": 10,
    })
}

/// The `ETag` header of a response (empty when missing).
pub fn etag(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts `response` has `status` and a JSON body; returns the event it describes.
pub async fn expect_event(response: Response, status: StatusCode) -> EventDetail {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap()
}

impl TestApp {
    /// A request to `path` as `caller`, for tests that set their own headers or body.
    pub fn request(&self, method: Method, path: &str, caller: Caller<'_>) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match caller {
            Caller::Anonymous => request,
            Caller::Organiser => request.bearer_auth(&self.organiser.token),
            Caller::Session(account) => request.bearer_auth(&account.token),
            Caller::Token(token) => request.bearer_auth(token),
        }
    }

    /// Creates a draft event as the organiser; asserts 201.
    pub async fn create_event(&self, body: &Value) -> EventDetail {
        let response = self
            .post_json_as("/organiser/events", body, Caller::Organiser)
            .await;
        expect_event(response, StatusCode::CREATED).await
    }

    /// Creates a draft from [`event_request`] titled `title`.
    pub async fn create_draft(&self, title: &str) -> EventDetail {
        self.create_event(&event_request(title)).await
    }

    /// Adds a ticket type as the organiser; asserts 201.
    pub async fn add_ticket_type(&self, event_id: Uuid, body: &Value) -> EventDetail {
        let path = format!("/organiser/events/{event_id}/ticket-types");
        let response = self.post_json_as(&path, body, Caller::Organiser).await;
        expect_event(response, StatusCode::CREATED).await
    }

    /// Publishes as the organiser; asserts 200.
    pub async fn publish(&self, event_id: Uuid) -> EventDetail {
        let path = format!("/organiser/events/{event_id}/publish");
        let response = self
            .send(Method::POST, &path, Caller::Organiser, None::<&()>)
            .await;
        expect_event(response, StatusCode::OK).await
    }

    /// A draft titled `title` with one ticket type ("Standing", EUR 25.00), published.
    pub async fn published_event(&self, title: &str) -> EventDetail {
        let draft = self.create_draft(title).await;
        self.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
            .await;
        self.publish(draft.id).await
    }

    /// Cancels as the organiser; asserts 200.
    pub async fn cancel(&self, event_id: Uuid, reason: Option<&str>) -> EventDetail {
        let path = format!("/organiser/events/{event_id}/cancel");
        let body = json!({ "reason": reason });
        let response = self.post_json_as(&path, &body, Caller::Organiser).await;
        expect_event(response, StatusCode::OK).await
    }

    /// The event as the organiser sees it (straight from its history) and its `ETag`.
    pub async fn organiser_event(&self, event_id: Uuid) -> (EventDetail, String) {
        let path = format!("/organiser/events/{event_id}");
        let response = self.get_as(&path, Caller::Organiser).await;
        let tag = etag(&response);
        (expect_event(response, StatusCode::OK).await, tag)
    }

    /// The public detail of an event; `None` when it is a 404 problem.
    pub async fn public_event(&self, event_id: Uuid) -> Option<EventDetail> {
        let response = self.get(&format!("/events/{event_id}")).await;
        if response.status() == StatusCode::NOT_FOUND {
            expect_problem(response, StatusCode::NOT_FOUND, "event-not-found").await;
            return None;
        }
        Some(expect_event(response, StatusCode::OK).await)
    }

    /// A page of the public listing; `query` is the query string without `?`.
    pub async fn listing(&self, query: &str) -> EventListingPage {
        let response = self.get(&format!("/events?{query}")).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "listing refused: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Waits until the public detail of `event_id` satisfies `accept`; returns it.
    pub async fn eventually_public_event(
        &self,
        event_id: Uuid,
        what: &str,
        accept: impl Fn(&EventDetail) -> bool,
    ) -> EventDetail {
        let accept = &accept;
        eventually(what, || async move {
            self.public_event(event_id).await.filter(|d| accept(d))
        })
        .await
    }

    /// Waits until the public listing (`query`) satisfies `accept`; returns the page.
    pub async fn eventually_listing(
        &self,
        query: &str,
        what: &str,
        accept: impl Fn(&EventListingPage) -> bool,
    ) -> EventListingPage {
        let accept = &accept;
        eventually(what, || async move {
            Some(self.listing(query).await).filter(|page| accept(page))
        })
        .await
    }

    /// Waits until the catalogue read model holds `event_id` at `version`, so that what
    /// the public routes answer next reflects that version.
    pub async fn wait_for_read_model(&self, event_id: Uuid, version: i64) {
        let what = format!("read model of {event_id} at version {version}");
        eventually(&what, || async move {
            let row: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM catalogue_events WHERE event_id = $1")
                    .bind(event_id)
                    .fetch_optional(self.database.pool())
                    .await
                    .unwrap();
            row.filter(|(seen,)| *seen >= version)
        })
        .await;
    }

    /// How many events the event store holds, all aggregates together but the accounts
    /// (the test's own sign-ups): a refused command must leave it unchanged.
    pub async fn stored_event_count(&self) -> i64 {
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM events WHERE aggregate_type <> 'Account'")
                .fetch_one(self.database.pool())
                .await
                .unwrap();
        count
    }

    /// How many distinct events (`Event` aggregates) the event store holds.
    pub async fn stored_aggregate_count(&self) -> i64 {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(DISTINCT aggregate_id) FROM events WHERE aggregate_type = 'Event'",
        )
        .fetch_one(self.database.pool())
        .await
        .unwrap();
        count
    }

    /// The values of every string key under this test's Redis prefix (the cached
    /// responses among them).
    pub async fn cached_values(&self) -> Vec<String> {
        let client = self.redis.client();
        let pattern = format!("{}*", self.redis.prefix());
        let keys = carneau_testkit::keys_matching(client, &pattern)
            .await
            .unwrap();
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            // Keys of other types (if any) are not cached responses.
            if let Ok(Some(value)) = client.get::<Option<String>, _>(key).await {
                values.push(value);
            }
        }
        values
    }
}

// ---------------------------------------------------------------------------------------
// Reservation helpers (events on sale, holds over HTTP, second processes, log audits):
// kept in their own file so that this one stays about the catalogue.
// ---------------------------------------------------------------------------------------
pub mod audit;
pub mod codes;
pub mod faults;
pub mod metrics;
pub mod payments;
pub mod reservations;
pub mod tickets;

/// A CSV body parsed with a real parser: the header and the records.
pub fn parse_csv(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, records)
}

//! Talking to a running `carneau` over HTTP, and starting the apps the reservation tests
//! talk to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use carneau_api::{AppState, Problem};
use carneau_projections::catalogue::EventDetail;
use carneau_testkit::TestRedis;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_util::sync::{CancellationToken, DropGuard};
use uuid::Uuid;

use carneau_domain::account::Role;

use crate::support::{create_account, event_request, in_days, serve, TestApp};

/// The token secret every reservation test configures, so that all processes of one test
/// sign and accept the same reservation tokens.
pub const TOKEN_SECRET: &str = "reservation-tests-token-secret-0123456789";

/// How long a test waits for a process to answer `/readyz`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `carneau` reached over HTTP, wherever it runs.
#[derive(Debug, Clone)]
pub struct Http {
    /// A plain client.
    pub client: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The session token of the organiser who sets sales up.
    pub organiser_token: String,
}

/// An answer: its status and its JSON body (`Null` when it has none).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, empty when missing.
    pub content_type: String,
    /// The body as JSON, `Null` when empty or not JSON.
    pub body: Value,
    /// The `Retry-After` header's seconds, if it has any.
    pub retry_after: Option<Duration>,
}

impl Reply {
    /// The problem type slug (`sold-out` for `urn:carneau:problem:sold-out`), empty if none.
    pub fn problem_slug(&self) -> &str {
        self.body["type"]
            .as_str()
            .and_then(|urn| urn.strip_prefix("urn:carneau:problem:"))
            .unwrap_or_default()
    }

    /// Asserts this is a problem with `status` and `slug`; returns it.
    pub fn problem(&self, status: StatusCode, slug: &str) -> Problem {
        assert_eq!(self.status, status, "unexpected status: {}", self.body);
        assert_eq!(
            self.content_type,
            carneau_api::problem::PROBLEM_CONTENT_TYPE,
            "{}",
            self.body
        );
        assert_eq!(self.problem_slug(), slug, "{}", self.body);
        serde_json::from_value(self.body.clone()).unwrap()
    }

    /// The reservation id of a reservation view.
    pub fn reservation_id(&self) -> Uuid {
        self.body["id"].as_str().unwrap().parse().unwrap()
    }

    /// The token of a reservation view (only in the answer that made it).
    pub fn token(&self) -> String {
        self.body["token"].as_str().unwrap().to_owned()
    }
}

/// The `Retry-After` header's seconds, if it has any.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// An event on sale with one ticket type.
#[derive(Debug, Clone, Copy)]
pub struct OnSale {
    /// The event.
    pub event_id: Uuid,
    /// Its only ticket type.
    pub ticket_type_id: Uuid,
    /// How many tickets of it exist.
    pub capacity: u32,
}

impl OnSale {
    /// Its capacities, as [`audit_inventory_log`] wants them.
    pub fn capacities(&self) -> HashMap<Uuid, u32> {
        HashMap::from([(self.ticket_type_id, self.capacity)])
    }
}

/// A body for `POST .../ticket-types` (EUR 25.00) on sale from `opens_at` to `closes_at`.
pub fn ticket_type_body(
    name: &str,
    capacity: u32,
    max_per_order: u32,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Value {
    json!({
        "name": name,
        "price": {"amount_minor": 2500, "currency": "EUR"},
        "capacity": capacity,
        "sale_opens_at": opens_at,
        "sale_closes_at": closes_at,
        "max_per_order": max_per_order,
    })
}

/// A body for `POST /events/{id}/reservations`.
pub fn reservation_body(lines: &[(Uuid, u32)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(ticket_type_id, quantity)| {
            json!({"ticket_type_id": ticket_type_id, "quantity": quantity})
        })
        .collect();
    json!({ "lines": lines })
}

impl Http {
    /// A client of the process listening at `base_url`, setting sales up as the
    /// organiser whose session token is `organiser_token`.
    pub fn new(base_url: impl Into<String>, organiser_token: impl Into<String>) -> Self {
        Self {
            client: reqwest::Client::new(),
            base_url: base_url.into(),
            organiser_token: organiser_token.into(),
        }
    }

    /// Sends `method path`, with a bearer token, an `Idempotency-Key` and a JSON body if
    /// given; `Err` when no answer came.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base_url));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let retry_after = retry_after(response.headers());
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            content_type,
            body,
            retry_after,
        })
    }

    async fn organiser(&self, method: Method, path: &str, body: Option<&Value>) -> EventDetail {
        let reply = self
            .call(method, path, Some(&self.organiser_token), None, body)
            .await
            .unwrap();
        assert!(
            reply.status.is_success(),
            "organiser call {path} refused: {} {}",
            reply.status,
            reply.body
        );
        serde_json::from_value(reply.body).unwrap()
    }

    /// Creates an event with these ticket types; publishes it if asked.
    pub async fn create_event_with(&self, ticket_types: &[Value], publish: bool) -> EventDetail {
        let draft = self
            .organiser(
                Method::POST,
                "/organiser/events",
                Some(&event_request("Flash sale")),
            )
            .await;
        let mut detail = draft.clone();
        for ticket_type in ticket_types {
            let path = format!("/organiser/events/{}/ticket-types", draft.id);
            detail = self.organiser(Method::POST, &path, Some(ticket_type)).await;
        }
        if publish {
            let path = format!("/organiser/events/{}/publish", draft.id);
            detail = self.organiser(Method::POST, &path, None).await;
        }
        detail
    }

    /// A published event with one ticket type of `capacity`, on sale now.
    pub async fn create_published_event(&self, capacity: u32, max_per_order: u32) -> OnSale {
        let ticket_type = ticket_type_body(
            "Standing",
            capacity,
            max_per_order,
            in_days(-1),
            in_days(20),
        );
        let detail = self.create_event_with(&[ticket_type], true).await;
        OnSale {
            event_id: detail.id,
            ticket_type_id: detail.ticket_types[0].id,
            capacity,
        }
    }

    /// `POST /events/{event_id}/reservations` with `body`; `Err` when no answer came.
    pub async fn try_reserve_body(
        &self,
        event_id: Uuid,
        body: &Value,
        key: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let path = format!("/events/{event_id}/reservations");
        self.call(Method::POST, &path, None, key, Some(body)).await
    }

    /// Reserves `lines` (ticket type, quantity) without an idempotency key.
    pub async fn reserve(&self, event_id: Uuid, lines: &[(Uuid, u32)]) -> Reply {
        self.try_reserve_body(event_id, &reservation_body(lines), None)
            .await
            .unwrap()
    }

    /// Reserves `lines` under an `Idempotency-Key`.
    pub async fn reserve_with_key(
        &self,
        event_id: Uuid,
        lines: &[(Uuid, u32)],
        key: &str,
    ) -> Reply {
        self.try_reserve_body(event_id, &reservation_body(lines), Some(key))
            .await
            .unwrap()
    }

    /// `GET /reservations/{id}`, with the token if given.
    pub async fn get_reservation(&self, reservation_id: Uuid, token: Option<&str>) -> Reply {
        let path = format!("/reservations/{reservation_id}");
        self.call(Method::GET, &path, token, None, None)
            .await
            .unwrap()
    }

    /// `POST /reservations/{id}/checkout` for `email`, with the reservation's token.
    pub async fn start_checkout(&self, reservation_id: Uuid, token: &str, email: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/reservations/{reservation_id}/checkout"),
            Some(token),
            None,
            Some(&json!({"email": email})),
        )
        .await
        .unwrap()
    }

    /// `DELETE /reservations/{id}`, with the token if given.
    pub async fn release(&self, reservation_id: Uuid, token: Option<&str>) -> Reply {
        let path = format!("/reservations/{reservation_id}");
        self.call(Method::DELETE, &path, token, None, None)
            .await
            .unwrap()
    }

    /// The public detail of an event; `None` until the read model has it (404).
    pub async fn public_event(&self, event_id: Uuid) -> Option<EventDetail> {
        let reply = self
            .call(
                Method::GET,
                &format!("/events/{event_id}"),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        if reply.status == StatusCode::NOT_FOUND {
            return None;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        Some(serde_json::from_value(reply.body).unwrap())
    }

    /// Waits until the process answers `/readyz` with 200.
    pub async fn wait_until_ready(&self) {
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            let ready = self
                .client
                .get(format!("{}/readyz", self.base_url))
                .send()
                .await
                .is_ok_and(|response| response.status() == StatusCode::OK);
            if ready {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} not ready after {READY_TIMEOUT:?}",
                self.base_url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// A client of this app for the reservation helpers.
    pub fn http(&self) -> Http {
        Http {
            client: self.client.clone(),
            base_url: self.base_url.clone(),
            organiser_token: self.organiser.token.clone(),
        }
    }

    /// A published event with one ticket type of `capacity`, on sale now.
    pub async fn create_published_event(&self, capacity: u32, max_per_order: u32) -> OnSale {
        self.http()
            .create_published_event(capacity, max_per_order)
            .await
    }

    /// Starts a second app, as another `carneau serve` process would run: its own pool,
    /// Redis client, reservation desks, background tasks and port, on this app's database
    /// and Redis prefix. It accepts this app's reservation tokens.
    pub async fn spawn_second_process(&self) -> SecondApp {
        let config = self.state.config.clone();
        let pool = carneau_api::database::connect(&config).await.unwrap();
        let redis = carneau_api::state::connect_redis(&config).await.unwrap();
        let mut state = AppState::new(pool, redis, config).unwrap();
        state.reservation_tokens = self.state.reservation_tokens.clone();
        let stop = CancellationToken::new();
        carneau_api::background::spawn_background(&state, stop.clone());
        let base_url = serve(carneau_api::router(state.clone())).await;
        SecondApp {
            _stop_background: stop.drop_guard(),
            http: Http::new(base_url, self.organiser.token.clone()),
        }
    }

    /// Starts the hold sweeper of this app (for apps spawned without it); it stops when
    /// the returned guard is dropped.
    pub fn start_sweeper(&self) -> DropGuard {
        let stop = CancellationToken::new();
        tokio::spawn(carneau_commands::reservations::sweeper::run_sweeper(
            self.state.pool.clone(),
            self.state.reservations.clone(),
            stop.clone(),
        ));
        stop.drop_guard()
    }
}

/// Like [`crate::support::spawn_app_with`] but without the hold sweeper: the projectors run, and
/// nothing records a lapsed hold until a reservation does or [`TestApp::start_sweeper`].
pub async fn spawn_app_without_sweeper(settings: &[(&str, &str)]) -> TestApp {
    use carneau_projections::catalogue::CatalogueProjector;
    use carneau_projections::inventory::InventoryProjector;
    use carneau_projections::ProjectorRunner;

    let database = carneau_testkit::TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let mut all = vec![("CARNEAU_TOKEN_SECRET", TOKEN_SECRET)];
    all.extend_from_slice(settings);
    let config = crate::support::config_on(&database, &redis, &all);
    let pool = crate::support::request_pool(&database, &config).await;
    let state = AppState::new(pool, redis.client().clone(), Arc::new(config)).unwrap();
    let stop = CancellationToken::new();
    let cache = Some(state.cache.clone());
    let runner = ProjectorRunner::default().with_sessions(state.session_options.clone());
    runner.clone().spawn(
        state.pool.clone(),
        Arc::new(CatalogueProjector::new(cache.clone())),
        stop.clone(),
    );
    runner.spawn(
        state.pool.clone(),
        Arc::new(InventoryProjector::new(cache)),
        stop.clone(),
    );
    let base_url = serve(carneau_api::router(state.clone())).await;
    let organiser = create_account(&state, "organiser", &[Role::Organiser]).await;
    TestApp {
        _stop_projectors: stop.drop_guard(),
        base_url,
        client: reqwest::Client::new(),
        state,
        database,
        redis,
        organiser,
        mail: Arc::new(crate::support::accounts::CapturedLinks::default()),
    }
}

/// Starts an app for the reservation tests: token secret, and `settings`.
pub async fn spawn_reservation_app(settings: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("CARNEAU_TOKEN_SECRET", TOKEN_SECRET)];
    all.extend_from_slice(settings);
    crate::support::spawn_app_with(&all).await
}

/// A second app on the database and Redis prefix of a [`TestApp`].
pub struct SecondApp {
    /// Stops its background tasks when dropped.
    pub _stop_background: DropGuard,
    /// A client aimed at it.
    pub http: Http,
}

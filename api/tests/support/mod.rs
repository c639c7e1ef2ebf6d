//! `spawn_app()`: the real router on a free port, on a fresh database and a per-test Redis
//! prefix, with a typed client to talk to it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use carneau_api::problem::{Problem, PROBLEM_CONTENT_TYPE};
use carneau_api::{AppState, Config};
use carneau_testkit::{TestDatabase, TestRedis};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;

/// The organiser token every test app is configured with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdefghij";

/// Who a request is sent as.
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// `Authorization: Bearer <the configured admin token>`.
    Organiser,
    /// `Authorization: Bearer <this token>`.
    Token(&'static str),
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
}

/// Starts the real router with an admin token configured.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[("CARNEAU_ADMIN_TOKEN", ADMIN_TOKEN)]).await
}

/// Starts the real router with these extra settings (on top of the test database and Redis).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create().await.unwrap();
    let redis = TestRedis::create().await.unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database.url()),
        ("REDIS_URL", carneau_testkit::redis_url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
    ]);
    vars.extend(settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let config = Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap();
    let state = AppState::new(
        database.pool().clone(),
        redis.client().clone(),
        Arc::new(config),
    );
    // Dropped with the app, which stops the projectors.
    let stop_projectors = tokio_util::sync::CancellationToken::new();
    carneau_api::projectors::spawn_projectors(&state, stop_projectors.clone());
    let base_url = serve(carneau_api::router(state.clone())).await;
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        state,
        database,
        redis,
        _stop_projectors: stop_projectors.drop_guard(),
    }
}

/// Serves `router` on a free local port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
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
        caller: Caller,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        request = match caller {
            Caller::Anonymous => request,
            Caller::Organiser => request.bearer_auth(ADMIN_TOKEN),
            Caller::Token(token) => request.bearer_auth(token),
        };
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
    pub async fn get_as(&self, path: &str, caller: Caller) -> Response {
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
        caller: Caller,
    ) -> Response {
        self.send(Method::POST, path, caller, Some(body)).await
    }

    /// PATCH a JSON body as `caller`.
    pub async fn patch_json_as(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
        caller: Caller,
    ) -> Response {
        self.send(Method::PATCH, path, caller, Some(body)).await
    }

    /// DELETE as `caller`.
    pub async fn delete_as(&self, path: &str, caller: Caller) -> Response {
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
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(
        problem.problem_type,
        format!("urn:carneau:problem:{slug}"),
        "{problem:?}"
    );
    assert_eq!(problem.status, status.as_u16());
    assert!(header_id.is_some(), "no x-request-id header");
    assert_eq!(
        problem.request_id, header_id,
        "body and header request ids differ"
    );
    problem
}

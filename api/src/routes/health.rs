//! Liveness and readiness probes for an orchestrator.
//!
//! `/healthz` says the process answers. `/readyz` says whether this node can serve:
//! PostgreSQL answers and the schema has every migration this binary embeds. Redis only
//! makes it faster (reservations and reads fall back to PostgreSQL without it), so a Redis
//! outage is named in the body as a degraded dependency and the node stays ready: a load
//! balancer routing on the probe must not take every node out while they all still serve.
//! Each check has a short timeout, so a hung dependency makes the probe answer rather
//! than hang.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use fred::prelude::ClientLike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::database;
use crate::extract::ApiJson;
use crate::problem::responses::ServerProblems;
use crate::problem::{ApiError, FieldError};
use crate::state::AppState;

/// How long each readiness check may take.
pub const READINESS_CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// The tag of these routes in the OpenAPI document.
const TAG: &str = "operations";

/// The probe routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// What a probe that passed found: `alive` (liveness), `ready` or `degraded` (readiness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeState {
    /// The liveness probe passed.
    Alive,
    /// The readiness probe passed.
    Ready,
    /// The node serves, more slowly: a dependency it can do without failed (see
    /// `degraded`).
    Degraded,
}

/// A dependency the node serves without, and why it failed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DegradedDependency {
    /// The dependency: `redis`.
    #[schema(example = "redis")]
    pub dependency: String,
    /// What its check found.
    pub reason: String,
}

/// The answer of a probe that passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeStatus {
    /// `alive` for liveness; `ready` or `degraded` for readiness.
    #[schema(example = "ready")]
    pub status: ProbeState,
    /// Readiness only: the dependencies that failed but that the node serves without.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<DegradedDependency>,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = TAG,
    responses((status = 200, description = "The process is alive.", body = ProbeStatus)))]
async fn healthz() -> ApiJson<ProbeStatus> {
    ApiJson(ProbeStatus {
        status: ProbeState::Alive,
        degraded: Vec::new(),
    })
}

/// Readiness: PostgreSQL answers and every embedded migration is applied; Redis failing
/// makes the node `degraded`, still ready.
#[utoipa::path(get, path = "/readyz", tag = TAG, responses(
    (status = 200, description = "Ready to serve traffic: `ready`, or `degraded` naming \
        the dependencies it serves without (Redis).", body = ProbeStatus),
    ServerProblems,
))]
async fn readyz(State(state): State<AppState>) -> Result<ApiJson<ProbeStatus>, ApiError> {
    let (postgres, redis, migrations) = tokio::join!(
        check("postgres", async {
            sqlx::query("SELECT 1").execute(&state.pool).await?;
            Ok(())
        }),
        check("redis", async {
            let _: String = state.redis.ping(None).await?;
            Ok(())
        }),
        check("migrations", async {
            let pending = database::pending_migrations(&state.pool).await?;
            match pending.as_slice() {
                [] => Ok(()),
                versions => Err(anyhow::anyhow!("not applied: {versions:?}")),
            }
        }),
    );
    let failures: Vec<FieldError> = [postgres, migrations]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if failures.is_empty() {
        let degraded: Vec<DegradedDependency> = redis
            .err()
            .into_iter()
            .map(|failure| DegradedDependency {
                dependency: failure.field,
                reason: failure.message,
            })
            .collect();
        let status = if degraded.is_empty() {
            ProbeState::Ready
        } else {
            ProbeState::Degraded
        };
        return Ok(ApiJson(ProbeStatus { status, degraded }));
    }
    let names: Vec<&str> = failures.iter().map(|f| f.field.as_str()).collect();
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
        "Not ready",
        format!("Not ready: {}.", names.join(", ")),
    )
    .with_field_errors(failures)
    .nothing_changed())
}

/// Runs one check under the readiness timeout; a failure names the dependency.
async fn check(
    name: &'static str,
    probe: impl std::future::Future<Output = anyhow::Result<()>>,
) -> Result<(), FieldError> {
    let message = match tokio::time::timeout(READINESS_CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(error)) => format!("{error:#}"),
        Err(_) => format!(
            "no answer within {} ms",
            READINESS_CHECK_TIMEOUT.as_millis()
        ),
    };
    tracing::warn!(dependency = name, reason = %message, "readiness check failed");
    Err(FieldError::new(name, message))
}

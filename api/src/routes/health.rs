//! Liveness and readiness probes for an orchestrator.
//!
//! `/healthz` says the process answers. `/readyz` says it can do its job: PostgreSQL
//! answers, Redis answers, and the schema has every migration this binary embeds. Each check
//! has a short timeout, so a hung dependency makes the probe fail rather than hang.

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

/// What a probe that passed found: `alive` (liveness) or `ready` (readiness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeState {
    /// The liveness probe passed.
    Alive,
    /// The readiness probe passed.
    Ready,
}

/// The answer of a probe that passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeStatus {
    /// `alive` for liveness, `ready` for readiness.
    #[schema(example = "ready")]
    pub status: ProbeState,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = TAG,
    responses((status = 200, description = "The process is alive.", body = ProbeStatus)))]
async fn healthz() -> ApiJson<ProbeStatus> {
    ApiJson(ProbeStatus {
        status: ProbeState::Alive,
    })
}

/// Readiness: PostgreSQL and Redis answer and every embedded migration is applied.
#[utoipa::path(get, path = "/readyz", tag = TAG, responses(
    (status = 200, description = "Ready to serve traffic.", body = ProbeStatus),
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
    let failures: Vec<FieldError> = [postgres, redis, migrations]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if failures.is_empty() {
        return Ok(ApiJson(ProbeStatus {
            status: ProbeState::Ready,
        }));
    }
    let names: Vec<&str> = failures.iter().map(|f| f.field.as_str()).collect();
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
        "Not ready",
        format!("Not ready: {}.", names.join(", ")),
    )
    .with_field_errors(failures))
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

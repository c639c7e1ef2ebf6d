//! Where payment providers report back: Stripe's webhook, and the simulated checkout's
//! page whose buttons feed the same handling.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use carneau_commands::payments::gateway::SessionStatus;
use carneau_commands::payments::simulated::{SimulatedCheckout, SimulatedSession};
use carneau_commands::payments::webhook::{parse_stripe_event, verify_signature, ProviderEvent};
use chrono::Utc;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::ApiPath;
use crate::problem::mapping::{
    gateway_problem, provider_event_failure, webhook_payload_problem, webhook_signature_problem,
};
use crate::problem::responses::{NotFoundProblem, ServerProblems};
use crate::problem::ApiError;
use crate::state::AppState;

/// The OpenAPI tag of these routes.
pub const TAG: &str = "payments";

/// The provider routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stripe_webhook))
        .routes(routes!(simulated_page))
        .routes(routes!(simulated_pay))
        .routes(routes!(simulated_cancel))
}

/// Takes a provider event into account; a failure that a redelivery may fix is 503.
async fn take(state: &AppState, event: ProviderEvent) -> Result<(), ApiError> {
    match state.payments.handle_provider_event(event).await {
        Ok(()) => Ok(()),
        Err(error) => provider_event_failure(error),
    }
}

/// Stripe's webhook: `checkout.session.completed` (fulfilled only when paid),
/// `checkout.session.async_payment_succeeded` / `_failed` and `checkout.session.expired`.
/// The `Stripe-Signature` header is verified over the raw body; each event takes effect
/// at most once, in any order.
#[utoipa::path(post, path = "/webhooks/stripe", tag = TAG,
    request_body(content = String, content_type = "application/json",
        description = "A Stripe event, exactly as Stripe sent it."),
    params(("Stripe-Signature" = String, Header, description = "Stripe's signature.")),
    responses(
        (status = 200, description = "Taken into account (or ignored: not ours, not handled)."),
        (status = 400, description = "`invalid-signature` (unsigned, forged or stale) or \
            `invalid-payload`: nothing changed.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Stripe is not configured (simulated payments).",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        ServerProblems,
    ))]
async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Some(stripe) = &state.config.payments.stripe else {
        return Err(ApiError::not_found(
            "The Stripe webhook (Stripe is not configured)",
        ));
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let secrets: Vec<String> = stripe
        .webhook_secrets
        .iter()
        .map(|secret| secret.expose().to_owned())
        .collect();
    if let Err(refusal) = verify_signature(&body, header, &secrets, Utc::now().timestamp()) {
        tracing::warn!(%refusal, "Stripe webhook refused");
        return Err(webhook_signature_problem(&refusal));
    }
    let event = parse_stripe_event(&body).map_err(|error| webhook_payload_problem(&error))?;
    if let Some(event) = event {
        take(&state, event).await?;
    }
    Ok(StatusCode::OK)
}

fn simulated(state: &AppState) -> Result<&Arc<SimulatedCheckout>, ApiError> {
    state
        .simulated_checkout
        .as_ref()
        .ok_or_else(|| ApiError::not_found("This checkout page"))
}

/// The simulated checkout page (only without Stripe keys): plainly marked SIMULATED,
/// with a Pay and a Cancel button.
#[utoipa::path(get, path = "/simulated-checkout/{session_id}", tag = TAG,
    params(("session_id" = String, Path, description = "The simulated session.")),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String),
        NotFoundProblem, ServerProblems,
    ))]
async fn simulated_page(
    State(state): State<AppState>,
    ApiPath(session_id): ApiPath<String>,
) -> Result<Html<String>, ApiError> {
    let session = simulated(&state)?
        .session(&session_id)
        .await
        .map_err(gateway_problem)?
        .ok_or_else(|| ApiError::not_found("This checkout page"))?;
    Ok(Html(super::simulated_page::page(&session)))
}

async fn finish(
    state: &AppState,
    finished: Option<(ProviderEvent, SimulatedSession)>,
) -> Result<Response, ApiError> {
    let (event, session) = finished.ok_or_else(|| ApiError::not_found("This checkout page"))?;
    let paid = session.status == SessionStatus::Complete;
    take(state, event).await?;
    let target = if paid {
        session.success_url
    } else {
        session.cancel_url
    };
    Ok(Redirect::to(&target).into_response())
}

/// The simulated Pay button: the session completes, paid, through the same handling as
/// Stripe's `checkout.session.completed`; then back to the order (303).
#[utoipa::path(post, path = "/simulated-checkout/{session_id}/pay", tag = TAG,
    params(("session_id" = String, Path, description = "The simulated session.")),
    responses(
        (status = 303, description = "Paid; see the order (Location)."),
        NotFoundProblem, ServerProblems,
    ))]
async fn simulated_pay(
    State(state): State<AppState>,
    ApiPath(session_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let finished = simulated(&state)?
        .pay(&session_id)
        .await
        .map_err(gateway_problem)?;
    finish(&state, finished).await
}

/// The simulated Cancel button: like the back link of Stripe's page, it only takes the
/// buyer back to their hold (303), which lasts until it lapses; nothing is recorded and
/// the session stays payable until then. Giving the tickets up is the hold's own
/// "release" (`DELETE /reservations/{id}`).
#[utoipa::path(post, path = "/simulated-checkout/{session_id}/cancel", tag = TAG,
    params(("session_id" = String, Path, description = "The simulated session.")),
    responses(
        (status = 303, description = "Back to the hold (Location)."),
        NotFoundProblem, ServerProblems,
    ))]
async fn simulated_cancel(
    State(state): State<AppState>,
    ApiPath(session_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let session = simulated(&state)?
        .session(&session_id)
        .await
        .map_err(gateway_problem)?
        .ok_or_else(|| ApiError::not_found("This checkout page"))?;
    Ok(Redirect::to(&session.cancel_url).into_response())
}

//! A buyer's promo code, before the hold: `GET /events/{id}/codes/{code}` answers what
//! the code gives on this event (its discount, the price of each ticket type with it, the
//! hidden presale types it unlocks), for the event page to show before anything is held.
//!
//! Public and read-only: the terms come from the event's voucher book as the log has it,
//! the ticket types from the catalogue read model. Every look-up, found or not, counts
//! against the client address's limit (`CARNEAU_CODE_LIMIT_PER_ADDRESS`), so codes cannot
//! be guessed by the million.

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use carneau_commands::rate_limit::Decision;
use carneau_domain::ids::{EventId, TicketTypeId};
use carneau_domain::money::{Currency, Money};
use carneau_domain::voucher::{VoucherCode, VoucherTerms};
use carneau_projections::catalogue::{self, EventStatus, MoneyView, TicketTypeView};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::ClientAddress;
use crate::extract::ApiPath;
use crate::problem::mapping::{
    malformed_code, rate_limited, voucher_problem, voucher_unknown, voucher_unusable,
};
use crate::problem::responses::{RateLimitedProblems, ServerProblems};
use crate::problem::ApiError;
use crate::routes::vouchers::DiscountBody;
use crate::state::AppState;

/// The code quote route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(quote_code))
}

/// What a code gives on an event, shown to the buyer before the hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeQuote {
    /// The code as the event has it: uppercase, without surrounding spaces.
    #[schema(example = "EARLY-BIRD")]
    pub code: String,
    /// Its discount, on the ticket types marked `discounted`.
    pub discount: DiscountBody,
    /// When it stops being usable; `null`: until the sale ends.
    pub valid_until: Option<DateTime<Utc>>,
    /// Every ticket type the buyer may pick with this code, in the organiser's order: the
    /// ones everyone sees and the hidden ones the code unlocks.
    pub ticket_types: Vec<QuotedTicketType>,
}

/// A ticket type as the buyer sees it with a code: the public view and what the code does.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotedTicketType {
    /// The ticket type as the event's public detail shows it (`price` is the list price).
    #[serde(flatten)]
    pub ticket_type: TicketTypeView,
    /// The price of one ticket with the code.
    pub price_with_code: MoneyView,
    /// Whether the code lowers this type's price: it is in the code's scope and the
    /// discount changes its price.
    pub discounted: bool,
    /// Whether the type is hidden and shown only thanks to the code (a presale).
    pub unlocked: bool,
}

/// What a code gives on an event: its discount, validity and, per ticket type the buyer
/// may pick with it (hidden ones it unlocks included), the price with the code. Buyers
/// look codes up before holding tickets; each look-up counts against the client's limit.
#[utoipa::path(get, path = "/events/{event_id}/codes/{code}", tag = super::events::TAG,
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("code" = String, Path, description = "The code as the buyer typed it, any case.")),
    responses(
        (status = 200, description = "What the code gives.", body = CodeQuote),
        (status = 404, description = "`voucher-unknown`: the event has no such code (or \
            buyers cannot see the event); `errors` names the field `code`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`voucher-unusable`: the code is switched off, not \
            valid yet or expired; `validation`: it cannot be a code (4 to 32 letters, \
            digits and dashes). `errors` names the field `code`.",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        RateLimitedProblems, ServerProblems,
    ))]
async fn quote_code(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiPath((event_id, raw_code)): ApiPath<(EventId, String)>,
) -> Result<Response, ApiError> {
    let scope = format!("code-quote:{address}");
    let limit = state.config.accounts.code_per_address;
    if let Decision::Refused { retry_after } = state.rate_limiter.check(&scope, limit).await {
        return Err(rate_limited(retry_after));
    }
    let code = VoucherCode::parse(&raw_code).map_err(|_| malformed_code())?;
    // The organiser's view of the read model: hidden types included, drafts refused here.
    let detail = catalogue::event_detail(&state.pool, event_id.as_uuid(), true)
        .await?
        .filter(|detail| detail.status != EventStatus::Draft)
        .ok_or_else(|| voucher_unknown(&code))?;
    let book = state
        .vouchers
        .book_for_buyers(event_id)
        .await
        .map_err(voucher_problem)?;
    let voucher = book
        .state
        .voucher(&code)
        .ok_or_else(|| voucher_unknown(&code))?;
    voucher.usable_at(Utc::now()).map_err(|reason| {
        tracing::info!(%event_id, %code, %reason, "code quote refused");
        voucher_unusable(reason)
    })?;
    let terms = &voucher.terms;
    let ticket_types = detail
        .ticket_types
        .into_iter()
        .filter(|ticket_type| {
            !ticket_type.hidden
                || terms
                    .unlocks
                    .contains(&TicketTypeId::from_uuid(ticket_type.id))
        })
        .map(|ticket_type| quoted(terms, ticket_type))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let quote = CodeQuote {
        code: code.as_str().to_owned(),
        discount: terms.discount.into(),
        valid_until: terms.window.until,
        ticket_types,
    };
    // A quote may name hidden types: for this buyer only, never for a shared cache.
    Ok((
        [(CACHE_CONTROL, HeaderValue::from_static("private, no-store"))],
        Json(quote),
    )
        .into_response())
}

/// `ticket_type` with what `terms` do to it.
fn quoted(terms: &VoucherTerms, ticket_type: TicketTypeView) -> Result<QuotedTicketType, ApiError> {
    let id = TicketTypeId::from_uuid(ticket_type.id);
    let currency = Currency::parse(&ticket_type.price.currency).map_err(|error| {
        anyhow::anyhow!(
            "ticket type {id} has the currency {:?} in the read model: {}",
            ticket_type.price.currency,
            error.message()
        )
    })?;
    let price = Money::new(ticket_type.price.amount_minor, currency);
    let with_code = terms.price_of(id, price);
    Ok(QuotedTicketType {
        price_with_code: with_code.into(),
        discounted: terms.scope.covers(id) && with_code != price,
        unlocked: ticket_type.hidden,
        ticket_type,
    })
}

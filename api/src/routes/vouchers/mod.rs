//! An event's promo and presale codes, for its organiser: create one, or many at once,
//! list and export them, change their terms, switch them off and on. Each is a fact of
//! the event's voucher book (`carneau_domain::voucher`); the list is read from the log.

mod requests;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use carneau_domain::ids::EventId;
use carneau_domain::voucher::{NewVoucher, VoucherBook, VoucherCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{command_context, OrganiserSession};
use crate::csv_export::{csv_response, CsvWriter};
use crate::extract::{ApiJson, ApiPath, IdempotencyKeyHeader};
use crate::problem::mapping::voucher_problem;
use crate::problem::responses::{
    BodyProblems, ConflictProblem, NotFoundProblem, RoleProblems, ServerProblems,
};
use crate::problem::{ApiError, FieldErrors};
use crate::state::AppState;
pub use requests::{
    CountingBody, CreateVoucherRequest, CreateVouchersInBulkRequest, CreatedInBulk, DiscountBody,
    SwitchVoucherRequest, VoucherList, VoucherTermsBody, VoucherView,
};

/// The OpenAPI tag of these routes.
pub const TAG: &str = "vouchers";

/// The voucher routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_vouchers, create_voucher))
        .routes(routes!(create_vouchers_in_bulk))
        .routes(routes!(export_vouchers))
        .routes(routes!(change_voucher, switch_voucher))
}

fn list(book: &VoucherBook) -> VoucherList {
    VoucherList {
        vouchers: book
            .vouchers()
            .map(|(code, voucher)| VoucherView::new(code, voucher))
            .collect(),
    }
}

/// The path's code, or a 404 for one no event could have (it cannot exist).
fn path_code(raw: &str) -> Result<VoucherCode, ApiError> {
    VoucherCode::parse(raw).map_err(|_| ApiError::not_found("code"))
}

/// Every code of the event, in alphabetical order.
#[utoipa::path(get, path = "/organiser/events/{event_id}/vouchers", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The event's codes.", body = VoucherList),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn list_vouchers(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let book = state
        .vouchers
        .book(event_id, &command_context(&session.principal))
        .await
        .map_err(voucher_problem)?;
    Ok(Json(list(&book.state)).into_response())
}

/// Creates one code. With an `Idempotency-Key`, a retry creates nothing twice.
#[utoipa::path(post, path = "/organiser/events/{event_id}/vouchers", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key creates the code once.")),
    request_body = CreateVoucherRequest,
    responses(
        (status = 201, description = "Created; the event's codes after it.", body = VoucherList),
        (status = 200, description = "Already created by an earlier request with this key.",
            body = VoucherList),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn create_voucher(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<CreateVoucherRequest>,
) -> Result<Response, ApiError> {
    let (code, terms) = request.parse()?;
    let (book, created) = state
        .vouchers
        .create(
            event_id,
            key.as_ref(),
            vec![NewVoucher { code, terms }],
            &command_context(&session.principal),
        )
        .await
        .map_err(voucher_problem)?;
    let status = crate::routes::created_or_repeated(created);
    Ok((status, Json(list(&book.state))).into_response())
}

/// Creates many single codes at once (`PREFIX-` and ten random characters that people do
/// not misread), all with the same terms, and answers them. With an `Idempotency-Key`,
/// a retry answers the same codes and creates nothing twice.
#[utoipa::path(post, path = "/organiser/events/{event_id}/vouchers/bulk", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key creates the same codes once.")),
    request_body = CreateVouchersInBulkRequest,
    responses(
        (status = 201, description = "The codes created.", body = CreatedInBulk),
        (status = 200, description = "Already created by an earlier request with this key.",
            body = CreatedInBulk),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn create_vouchers_in_bulk(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(request): ApiJson<CreateVouchersInBulkRequest>,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::default();
    let terms = request.terms.parse(&mut errors);
    let terms = errors.finish(terms)?;
    let (_, codes, created) = state
        .vouchers
        .create_bulk(
            event_id,
            key.as_ref(),
            &request.prefix,
            request.count,
            terms,
            &command_context(&session.principal),
        )
        .await
        .map_err(voucher_problem)?;
    let status = crate::routes::created_or_repeated(created);
    let codes = codes.iter().map(|code| code.as_str().to_owned()).collect();
    Ok((status, Json(CreatedInBulk { codes })).into_response())
}

/// Every code of the event as CSV (for a mail merge or a printer): code, discount, the
/// ticket types it applies to and unlocks, uses, what a use is, validity (UTC, RFC 3339)
/// and whether it is switched on.
#[utoipa::path(get, path = "/organiser/events/{event_id}/vouchers.csv", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
    responses(
        (status = 200, description = "The codes, one per row after a header row.",
            body = String, content_type = "text/csv; charset=utf-8; header=present"),
        NotFoundProblem, RoleProblems, ServerProblems,
    ))]
async fn export_vouchers(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<EventId>,
) -> Result<Response, ApiError> {
    let book = state
        .vouchers
        .book(event_id, &command_context(&session.principal))
        .await
        .map_err(voucher_problem)?;
    let rows = list(&book.state).vouchers;
    let filename = format!("codes-{event_id}.csv");
    Ok(csv_response(
        &filename,
        move |mut csv: CsvWriter| async move {
            csv.record([
                "code",
                "discount",
                "ticket_type_ids",
                "unlocks",
                "max_uses",
                "counting",
                "valid_from",
                "valid_until",
                "enabled",
            ])
            .await?;
            for row in rows {
                let ids = |ids: &[uuid::Uuid]| {
                    ids.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                csv.record([
                    row.code.clone(),
                    discount_text(&row.discount),
                    row.ticket_type_ids
                        .as_deref()
                        .map_or_else(|| "all".to_owned(), ids),
                    ids(&row.unlocks),
                    row.max_uses.to_string(),
                    match row.counting {
                        CountingBody::PerTicket => "per_ticket",
                        CountingBody::PerOrder => "per_order",
                    }
                    .to_owned(),
                    row.valid_from.map(|at| at.to_rfc3339()).unwrap_or_default(),
                    row.valid_until
                        .map(|at| at.to_rfc3339())
                        .unwrap_or_default(),
                    if row.enabled { "yes" } else { "no" }.to_owned(),
                ])
                .await?;
            }
            csv.finish().await?;
            Ok(())
        },
    ))
}

/// The discount as a spreadsheet cell: `20%`, `5.00 EUR`, or empty.
fn discount_text(discount: &DiscountBody) -> String {
    match discount {
        DiscountBody::None => String::new(),
        DiscountBody::Percent { percent } => format!("{percent}%"),
        DiscountBody::Fixed { amount } => {
            match carneau_domain::money::Currency::parse(&amount.currency) {
                Ok(currency) => format!(
                    "{} {}",
                    currency.format_minor(amount.amount_minor),
                    currency.as_str()
                ),
                Err(_) => format!("{} {}", amount.amount_minor, amount.currency),
            }
        }
    }
}

/// Replaces a code's terms; uses already held or paid stay counted.
#[utoipa::path(put, path = "/organiser/events/{event_id}/vouchers/{code}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("code" = String, Path, description = "The code, any case.")),
    request_body = VoucherTermsBody,
    responses(
        (status = 200, description = "The event's codes after the change.", body = VoucherList),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn change_voucher(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath((event_id, code)): ApiPath<(EventId, String)>,
    ApiJson(request): ApiJson<VoucherTermsBody>,
) -> Result<Response, ApiError> {
    let code = path_code(&code)?;
    let mut errors = FieldErrors::default();
    let terms = request.parse(&mut errors);
    let terms = errors.finish(terms)?;
    let book = state
        .vouchers
        .change(event_id, code, terms, &command_context(&session.principal))
        .await
        .map_err(voucher_problem)?;
    Ok(Json(list(&book.state)).into_response())
}

/// Switches a code off (buyers can no longer use it) or back on.
#[utoipa::path(patch, path = "/organiser/events/{event_id}/vouchers/{code}", tag = TAG,
    security(("session_cookie" = []), ("session_bearer" = [])),
    params(("event_id" = uuid::Uuid, Path, description = "The event's id."),
        ("code" = String, Path, description = "The code, any case.")),
    request_body = SwitchVoucherRequest,
    responses(
        (status = 200, description = "The event's codes after the change.", body = VoucherList),
        BodyProblems, NotFoundProblem, ConflictProblem, RoleProblems, ServerProblems,
    ))]
async fn switch_voucher(
    OrganiserSession(session): OrganiserSession,
    State(state): State<AppState>,
    ApiPath((event_id, code)): ApiPath<(EventId, String)>,
    ApiJson(request): ApiJson<SwitchVoucherRequest>,
) -> Result<Response, ApiError> {
    let code = path_code(&code)?;
    let book = state
        .vouchers
        .switch(
            event_id,
            code,
            request.enabled,
            &command_context(&session.principal),
        )
        .await
        .map_err(voucher_problem)?;
    Ok(Json(list(&book.state)).into_response())
}

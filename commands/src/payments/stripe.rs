//! Stripe Checkout through async-stripe: one client with a timeout, every mutating call
//! under our own idempotency key.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use carneau_domain::order::PaymentProvider;
use chrono::{DateTime, Utc};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    ExpireCheckoutSession, ProductData, RetrieveCheckoutSession,
};
use stripe_checkout::{
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, CheckoutSessionStatus,
};
use stripe_core::refund::{CreateRefund, ListRefund};
use stripe_core::Refund;

use super::gateway::{
    CheckoutRequest, CheckoutSession as Session, GatewayError, PaymentGateway, RefundRequest,
    SessionState, SessionStatus, REFUND_KEY_METADATA,
};

/// How long one call to Stripe may take before we give up on it (and retry later with the
/// same idempotency key).
pub const STRIPE_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Refunds asked per page when looking for one of ours (Stripe's maximum).
const REFUNDS_PER_PAGE: i64 = 100;

/// Stripe as the payment gateway.
pub struct StripeGateway {
    client: Client,
}

impl StripeGateway {
    /// A gateway using `secret_key`, against `api_base` when given (tests aim it at a
    /// local fake Stripe server).
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Result<Self, GatewayError> {
        let mut builder = ClientBuilder::new(secret_key).timeout(STRIPE_REQUEST_TIMEOUT);
        if let Some(base) = api_base {
            // The client appends `v1/...` to the base as given.
            builder = builder.url(format!("{}/", base.trim_end_matches('/')));
        }
        let client = builder
            .build()
            .map_err(|error| GatewayError::Refused(error.to_string()))?;
        Ok(Self { client })
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, GatewayError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|error| GatewayError::Refused(format!("idempotency key: {error:?}")))
}

/// A 4xx from Stripe is a refusal; everything else (5xx, network, timeout, a response we
/// could not parse) may succeed on a retry.
fn classify(error: StripeError) -> GatewayError {
    match error {
        StripeError::Stripe(details, status) if (400..500).contains(&status) && status != 429 => {
            GatewayError::Refused(format!("{status}: {:?}", details.message))
        }
        other => GatewayError::Unavailable(other.to_string()),
    }
}

/// Whether `refund` was created under our refund `key` and may still move money: a
/// failed or cancelled one is no reason not to refund again.
fn is_ours_and_alive(refund: &Refund, key: &str) -> bool {
    let ours = refund
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get(REFUND_KEY_METADATA))
        .is_some_and(|value| value == key);
    ours && !matches!(refund.status.as_deref(), Some("failed" | "canceled"))
}

fn timestamp(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

fn state_of(session: &CheckoutSession) -> SessionState {
    let status = match &session.status {
        Some(CheckoutSessionStatus::Complete) => SessionStatus::Complete,
        Some(CheckoutSessionStatus::Expired) => SessionStatus::Expired,
        _ => SessionStatus::Open,
    };
    SessionState {
        status,
        paid: matches!(
            session.payment_status,
            CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
        ),
        payment_reference: session
            .payment_intent
            .as_ref()
            .map(|intent| intent.id().as_str().to_owned()),
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn provider(&self) -> PaymentProvider {
        PaymentProvider::Stripe
    }

    #[tracing::instrument(skip_all, fields(order_id = %request.order_id))]
    async fn create_checkout(&self, request: CheckoutRequest) -> Result<Session, GatewayError> {
        let lines: Vec<CreateCheckoutSessionLineItems> = request
            .lines
            .iter()
            .map(|line| {
                let currency = line
                    .unit_price
                    .currency
                    .as_str()
                    .to_ascii_lowercase()
                    .parse::<stripe_types::Currency>()
                    .unwrap_or(stripe_types::Currency::EUR);
                let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
                price.unit_amount = Some(line.unit_price.amount_minor);
                price.product_data = Some(ProductData {
                    description: None,
                    images: None,
                    metadata: None,
                    name: line.name.clone(),
                    tax_code: None,
                    tax_details: None,
                    unit_label: None,
                });
                let mut item = CreateCheckoutSessionLineItems::new();
                item.price_data = Some(price);
                item.quantity = Some(u64::from(line.quantity));
                item
            })
            .collect();
        let metadata = HashMap::from([
            ("order_id".to_owned(), request.order_id.clone()),
            ("reservation_id".to_owned(), request.reservation_id.clone()),
        ]);
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(lines)
            .client_reference_id(request.order_id.clone())
            .customer_email(request.customer_email.clone())
            .metadata(metadata)
            .success_url(request.success_url.clone())
            .cancel_url(request.cancel_url.clone())
            .expires_at(timestamp(request.expires_at))
            .customize()
            .request_strategy(idempotent(&request.idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        let url = session
            .url
            .clone()
            .ok_or_else(|| GatewayError::Unavailable("Stripe returned no checkout URL".into()))?;
        Ok(Session {
            session_id: session.id.as_str().to_owned(),
            url,
            expires_at: DateTime::from_timestamp(session.expires_at, 0)
                .unwrap_or(request.expires_at),
        })
    }

    async fn retrieve_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        let session = RetrieveCheckoutSession::new(session_id)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(state_of(&session))
    }

    #[tracing::instrument(skip_all, fields(session_id = %session_id))]
    async fn expire_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        let expired = ExpireCheckoutSession::new(session_id)
            .customize()
            .request_strategy(idempotent(&format!("expire:{session_id}"))?)
            .send(&self.client)
            .await;
        match expired {
            Ok(session) => Ok(state_of(&session)),
            // Stripe refuses to expire a session that is no longer open: read what it is.
            Err(StripeError::Stripe(_, status)) if (400..500).contains(&status) => {
                self.retrieve_checkout(session_id).await
            }
            Err(error) => Err(classify(error)),
        }
    }

    #[tracing::instrument(skip_all, fields(order_id = %request.order_id, key = %request.idempotency_key))]
    async fn refund(&self, request: RefundRequest) -> Result<String, GatewayError> {
        let metadata = HashMap::from([
            ("order_id".to_owned(), request.order_id.clone()),
            (
                REFUND_KEY_METADATA.to_owned(),
                request.idempotency_key.clone(),
            ),
        ]);
        let refund = CreateRefund::new()
            .payment_intent(request.payment_reference.clone())
            .amount(request.amount.amount_minor)
            .metadata(metadata)
            .customize()
            .request_strategy(idempotent(&request.idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(refund.id.as_str().to_owned())
    }

    #[tracing::instrument(skip_all, fields(order_id = %request.order_id, key = %request.idempotency_key))]
    async fn find_refund(&self, request: &RefundRequest) -> Result<Option<String>, GatewayError> {
        // Newest first, as Stripe lists them; the cursor is the last refund of a page.
        let mut starting_after: Option<String> = None;
        loop {
            let mut list = ListRefund::new()
                .payment_intent(request.payment_reference.clone())
                .limit(REFUNDS_PER_PAGE);
            if let Some(last) = &starting_after {
                list = list.starting_after(last.clone());
            }
            let page = list.send(&self.client).await.map_err(classify)?;
            if let Some(found) = page
                .data
                .iter()
                .find(|refund| is_ours_and_alive(refund, &request.idempotency_key))
            {
                return Ok(Some(found.id.as_str().to_owned()));
            }
            match page.data.last() {
                Some(last) if page.has_more => starting_after = Some(last.id.as_str().to_owned()),
                _ => return Ok(None),
            }
        }
    }
}

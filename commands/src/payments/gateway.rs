//! The payment-gateway seam: what the order flow needs from a payment provider, with two
//! implementations, Stripe ([`super::stripe::StripeGateway`]) and the built-in simulated
//! checkout ([`super::simulated::SimulatedCheckout`]).

use async_trait::async_trait;
use carneau_domain::money::Money;
use carneau_domain::order::PaymentProvider;
use chrono::{DateTime, Utc};

/// Why the provider could not do what was asked. Every variant is worth retrying later
/// except `Refused`.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Network, timeout or a 5xx from the provider: retry later with the same key.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request (4xx): retrying the same request will not help.
    #[error("the payment provider refused the request: {0}")]
    Refused(String),
}

/// One line of a checkout: what the buyer sees on the payment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutLine {
    /// The ticket type's name.
    pub name: String,
    /// How many tickets.
    pub quantity: u32,
    /// The price of one.
    pub unit_price: Money,
}

/// What a checkout session is created with.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// Sent as the idempotency key: a retry gets the same session.
    pub idempotency_key: String,
    /// Our order id (the provider's `client_reference_id` and metadata).
    pub order_id: String,
    /// Our reservation id (metadata).
    pub reservation_id: String,
    /// The buyer's email, prefilled on the payment page.
    pub customer_email: String,
    /// What is bought.
    pub lines: Vec<CheckoutLine>,
    /// Where the buyer lands after paying.
    pub success_url: String,
    /// Where the buyer lands after giving up.
    pub cancel_url: String,
    /// When the session expires by itself (Stripe: 30 minutes to 24 hours away).
    pub expires_at: DateTime<Utc>,
}

/// A session created by the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    /// The provider's session id.
    pub session_id: String,
    /// Where the buyer pays.
    pub url: String,
    /// When it expires by itself.
    pub expires_at: DateTime<Utc>,
}

/// Where a session stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Still payable.
    Open,
    /// The buyer completed it (paid, or an asynchronous payment is pending).
    Complete,
    /// Expired: no payment can land on it any more.
    Expired,
}

/// A session as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    /// Open, complete or expired.
    pub status: SessionStatus,
    /// Whether the money is in.
    pub paid: bool,
    /// The payment reference refunds go against (Stripe PaymentIntent).
    pub payment_reference: Option<String>,
}

/// The metadata entry every refund we create carries: our refund key
/// (`refund:{order}:{n}`), so a refund whose answer was lost can be found again after the
/// provider has forgotten the idempotency key (Stripe keeps keys about 24 hours).
pub const REFUND_KEY_METADATA: &str = "carneau_refund_key";

/// A refund to ask the provider for.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// Sent as the idempotency key and as the [`REFUND_KEY_METADATA`] entry:
    /// `refund:{order}:{n}`.
    pub idempotency_key: String,
    /// The payment to refund.
    pub payment_reference: String,
    /// How much.
    pub amount: Money,
    /// Our order id (metadata).
    pub order_id: String,
}

/// A payment provider.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Which provider this is (recorded on each order).
    fn provider(&self) -> PaymentProvider;

    /// Creates a hosted checkout session.
    async fn create_checkout(
        &self,
        request: CheckoutRequest,
    ) -> Result<CheckoutSession, GatewayError>;

    /// Reads a session's state.
    async fn retrieve_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError>;

    /// Expires an open session so no payment can land on it; answers the session's state
    /// afterwards (a session already complete or expired is reported as such, not as an
    /// error).
    async fn expire_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError>;

    /// Refunds (part of) a payment; answers the provider's refund id.
    async fn refund(&self, request: RefundRequest) -> Result<String, GatewayError>;

    /// Looks for a refund of `request.payment_reference` already created under
    /// `request.idempotency_key` (by its metadata, not the provider's key memory) and not
    /// failed or cancelled; answers its id. A retry calls this before [`Self::refund`],
    /// so a refund whose answer was lost is not sent twice once the key is forgotten.
    async fn find_refund(&self, request: &RefundRequest) -> Result<Option<String>, GatewayError>;
}

//! The wire enums of the orders read model: read from the `orders` and `order_tickets`
//! columns, whose text matches the wire names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Enums rather than text so the OpenAPI document lists the values and clients can check
// their comparisons; read from the `orders` and `order_tickets` columns, whose text
// matches the wire names.
/// Where an order stands: `awaiting_payment`, `payment_pending` (a bank payment
/// settling), `payment_received` (tickets on their way), `paid`, `partially_refunded`,
/// `refunded`, `payment_refused` (paid after the hold lapsed with no tickets left;
/// refunded automatically), `expired` or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OrderStatus {
    /// Checkout started; the buyer has not paid yet.
    AwaitingPayment,
    /// The buyer completed checkout; a bank payment is settling.
    PaymentPending,
    /// The provider says paid; tickets are on their way.
    PaymentReceived,
    /// Paid, tickets issued.
    Paid,
    /// Some tickets were refunded.
    PartiallyRefunded,
    /// Every ticket (or the whole late payment) was refunded.
    Refunded,
    /// Paid after the hold lapsed with no tickets left; refunded automatically.
    PaymentRefused,
    /// The checkout session expired unpaid.
    Expired,
    /// The buyer cancelled, or the payment failed.
    Cancelled,
}

impl From<carneau_domain::order::OrderStatus> for OrderStatus {
    fn from(status: carneau_domain::order::OrderStatus) -> Self {
        use carneau_domain::order::OrderStatus as Domain;
        match status {
            Domain::AwaitingPayment => Self::AwaitingPayment,
            Domain::PaymentPending => Self::PaymentPending,
            Domain::PaymentReceived => Self::PaymentReceived,
            Domain::Paid => Self::Paid,
            Domain::PartiallyRefunded => Self::PartiallyRefunded,
            Domain::Refunded => Self::Refunded,
            Domain::PaymentRefused => Self::PaymentRefused,
            Domain::Expired => Self::Expired,
            Domain::Cancelled => Self::Cancelled,
        }
    }
}

/// Whether a ticket of an order still admits: `valid`, or `refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OrderTicketStatus {
    /// It admits its holder.
    Valid,
    /// It was refunded and no longer admits.
    Refunded,
}

/// Who takes an order's payment: `stripe`, `simulated` (no Stripe keys configured), or
/// `free` (nothing to pay: no payment page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum PaymentProvider {
    /// Stripe Checkout.
    Stripe,
    /// The built-in simulated checkout (no Stripe keys configured).
    Simulated,
    /// Nothing to pay: the order was paid at once, without a payment page.
    Free,
}

impl From<carneau_domain::order::PaymentProvider> for PaymentProvider {
    fn from(provider: carneau_domain::order::PaymentProvider) -> Self {
        use carneau_domain::order::PaymentProvider as Domain;
        match provider {
            Domain::Stripe => Self::Stripe,
            Domain::Simulated => Self::Simulated,
            Domain::Free => Self::Free,
        }
    }
}

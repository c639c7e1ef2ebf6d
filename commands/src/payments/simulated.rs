//! The simulated checkout: a stand-in for Stripe when no Stripe key is configured, so a
//! newcomer can click through a whole purchase. Sessions live in PostgreSQL
//! (`simulated_checkout_sessions`) so every process and a restart see them; the API serves
//! their page, whose Pay button produces the same provider event as Stripe's webhook and
//! goes through the same handling; its Cancel link, like Stripe's back link, only takes
//! the buyer back to their hold (the session stays open until it expires).

use async_trait::async_trait;
use carneau_domain::ids::OrderId;
use carneau_domain::money::{Currency, Money};
use carneau_domain::order::PaymentProvider;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::gateway::{
    CheckoutRequest, CheckoutSession, GatewayError, PaymentGateway, RefundRequest, SessionState,
    SessionStatus,
};
use super::webhook::{ProviderEvent, ProviderEventKind};

/// A simulated session as its page shows it.
#[derive(Debug, Clone)]
pub struct SimulatedSession {
    /// The session id.
    pub session_id: String,
    /// The order it pays.
    pub order_id: OrderId,
    /// The amount due.
    pub amount: Money,
    /// The buyer's email.
    pub customer_email: String,
    /// Open, complete or expired.
    pub status: SessionStatus,
    /// Where to go after paying.
    pub success_url: String,
    /// Where to go after cancelling.
    pub cancel_url: String,
    /// When it expires by itself.
    pub expires_at: DateTime<Utc>,
}

/// Makes the statement it joins commit without waiting for the WAL to reach the disk
/// (`synchronous_commit = off` for its own transaction only). Stripe keeps its sessions
/// on its side; this stand-in should cost the sale no more than it must. Nothing is lost
/// that anything depends on: every fact that follows a session's change (the order
/// placed after its session, the payment recorded after Pay, the hold released after
/// the expiry) commits synchronously afterwards, and a flush reaches every earlier
/// commit. Only a change nothing followed can vanish in a database crash, as if Pay had
/// never been pressed.
const UNFLUSHED_COMMIT: &str =
    "(SELECT set_config('synchronous_commit', 'off', true)) AS unflushed_commit";

/// The simulated payment provider.
pub struct SimulatedCheckout {
    pool: PgPool,
    /// Where browsers reach the API (`CARNEAU_API_PUBLIC_URL`): the page's address.
    api_public_url: String,
}

impl SimulatedCheckout {
    /// A simulated provider storing sessions in `pool`, its pages under `api_public_url`.
    pub fn new(pool: PgPool, api_public_url: impl Into<String>) -> Self {
        Self {
            pool,
            api_public_url: api_public_url.into().trim_end_matches('/').to_owned(),
        }
    }

    /// A session, for its page; `None` if there is no such session.
    pub async fn session(
        &self,
        session_id: &str,
    ) -> Result<Option<SimulatedSession>, GatewayError> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM simulated_checkout_sessions WHERE session_id = $1"
        ))
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        row.as_ref().map(session_of_row).transpose()
    }

    /// The buyer pressed Pay: the session completes, paid, if it was still open. Answers
    /// the provider event to handle (the same id on every press, so a double click
    /// takes effect once) and the session, or `None` if there is no such session.
    pub async fn pay(
        &self,
        session_id: &str,
    ) -> Result<Option<(ProviderEvent, SimulatedSession)>, GatewayError> {
        self.finish(
            session_id,
            "complete",
            ProviderEventKind::Completed { paid: true },
        )
        .await
    }

    async fn finish(
        &self,
        session_id: &str,
        status: &str,
        kind: ProviderEventKind,
    ) -> Result<Option<(ProviderEvent, SimulatedSession)>, GatewayError> {
        // One statement: the session as this press left it, finished by it or as it
        // already was (the outer query sees the table as it was before the update).
        let row = sqlx::query(&format!(
            "WITH finished AS ( \
                 UPDATE simulated_checkout_sessions SET status = $2, paid = ($2 = 'complete') \
                   FROM {UNFLUSHED_COMMIT} \
                  WHERE session_id = $1 AND status = 'open' AND expires_at > now() \
                 RETURNING {SESSION_COLUMNS}) \
             SELECT {SESSION_COLUMNS} FROM finished \
             UNION ALL \
             SELECT {SESSION_COLUMNS} FROM simulated_checkout_sessions \
              WHERE session_id = $1 AND NOT EXISTS (SELECT 1 FROM finished)"
        ))
        .bind(session_id)
        .bind(status)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(session) = row.as_ref().map(session_of_row).transpose()? else {
            return Ok(None);
        };
        // Whatever was pressed, report what the session actually became.
        let kind = match session.status {
            SessionStatus::Complete => ProviderEventKind::Completed { paid: true },
            SessionStatus::Expired => ProviderEventKind::Expired,
            SessionStatus::Open => kind,
        };
        let event = ProviderEvent {
            id: format!("sim_evt_{}_{}", session_id, event_suffix(kind)),
            kind,
            session_id: session_id.to_owned(),
            order_id: Some(session.order_id),
            payment_reference: Some(format!("sim_pi_{session_id}")),
            // A simulated session charges exactly the order's total.
            amount: None,
        };
        Ok(Some((event, session)))
    }
}

/// The columns a [`SimulatedSession`] is read from, in [`session_of_row`]'s terms.
const SESSION_COLUMNS: &str = "session_id, order_id, amount_minor, currency, customer_email, \
     status, success_url, cancel_url, expires_at";

/// A session from a row of [`SESSION_COLUMNS`].
fn session_of_row(row: &PgRow) -> Result<SimulatedSession, GatewayError> {
    let currency: String = row.try_get("currency").map_err(unavailable)?;
    let status: String = row.try_get("status").map_err(unavailable)?;
    Ok(SimulatedSession {
        session_id: row.try_get("session_id").map_err(unavailable)?,
        order_id: OrderId::from_uuid(row.try_get("order_id").map_err(unavailable)?),
        amount: Money::new(
            row.try_get("amount_minor").map_err(unavailable)?,
            Currency::parse(&currency)
                .map_err(|error| GatewayError::Unavailable(error.message().to_owned()))?,
        ),
        customer_email: row.try_get("customer_email").map_err(unavailable)?,
        status: status_from(&status),
        success_url: row.try_get("success_url").map_err(unavailable)?,
        cancel_url: row.try_get("cancel_url").map_err(unavailable)?,
        expires_at: row.try_get("expires_at").map_err(unavailable)?,
    })
}

fn event_suffix(kind: ProviderEventKind) -> &'static str {
    match kind {
        ProviderEventKind::Completed { .. } => "completed",
        ProviderEventKind::AsyncPaymentSucceeded => "async_succeeded",
        ProviderEventKind::AsyncPaymentFailed => "async_failed",
        ProviderEventKind::Expired => "expired",
    }
}

fn status_from(status: &str) -> SessionStatus {
    match status {
        "complete" => SessionStatus::Complete,
        "expired" => SessionStatus::Expired,
        _ => SessionStatus::Open,
    }
}

fn unavailable(error: impl std::fmt::Display) -> GatewayError {
    GatewayError::Unavailable(error.to_string())
}

#[async_trait]
impl PaymentGateway for SimulatedCheckout {
    fn provider(&self) -> PaymentProvider {
        PaymentProvider::Simulated
    }

    async fn create_checkout(
        &self,
        request: CheckoutRequest,
    ) -> Result<CheckoutSession, GatewayError> {
        let order_id: Uuid = request
            .order_id
            .parse()
            .map_err(|_| GatewayError::Refused("order id is not a UUID".into()))?;
        let currency = request
            .lines
            .first()
            .map(|line| line.unit_price.currency)
            .ok_or_else(|| GatewayError::Refused("a checkout needs a line".into()))?;
        let amount: i64 = request
            .lines
            .iter()
            .map(|line| line.unit_price.amount_minor * i64::from(line.quantity))
            .sum();
        // The idempotency key names the session, so a retry finds the first one.
        let session_id = format!(
            "sim_cs_{}",
            Uuid::new_v5(&Uuid::NAMESPACE_OID, request.idempotency_key.as_bytes()).simple()
        );
        let row = sqlx::query(&format!(
            "INSERT INTO simulated_checkout_sessions \
                 (session_id, order_id, amount_minor, currency, customer_email, status, paid, \
                  success_url, cancel_url, expires_at) \
             SELECT $1, $2, $3, $4, $5, 'open', false, $6, $7, $8 FROM {UNFLUSHED_COMMIT} \
             ON CONFLICT (session_id) DO UPDATE SET session_id = EXCLUDED.session_id \
             RETURNING expires_at",
        ))
        .bind(&session_id)
        .bind(order_id)
        .bind(amount)
        .bind(currency.as_str())
        .bind(&request.customer_email)
        .bind(&request.success_url)
        .bind(&request.cancel_url)
        .bind(request.expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(CheckoutSession {
            url: format!("{}/simulated-checkout/{session_id}", self.api_public_url),
            session_id,
            expires_at: row.try_get("expires_at").map_err(unavailable)?,
        })
    }

    async fn retrieve_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        let session = self
            .session(session_id)
            .await?
            .ok_or_else(|| GatewayError::Refused("no such session".into()))?;
        let lapsed = session.status == SessionStatus::Open && session.expires_at <= Utc::now();
        Ok(SessionState {
            status: if lapsed {
                SessionStatus::Expired
            } else {
                session.status
            },
            paid: session.status == SessionStatus::Complete,
            payment_reference: (session.status == SessionStatus::Complete)
                .then(|| format!("sim_pi_{session_id}")),
        })
    }

    async fn expire_checkout(&self, session_id: &str) -> Result<SessionState, GatewayError> {
        sqlx::query(&format!(
            "UPDATE simulated_checkout_sessions SET status = 'expired' FROM {UNFLUSHED_COMMIT} \
              WHERE session_id = $1 AND status = 'open'",
        ))
        .bind(session_id)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.retrieve_checkout(session_id).await
    }

    async fn refund(&self, request: RefundRequest) -> Result<String, GatewayError> {
        // Nothing to move: the refund id is derived from the key, like Stripe's replay,
        // and this provider never forgets a key.
        Ok(refund_id(&request.idempotency_key))
    }

    async fn find_refund(&self, _request: &RefundRequest) -> Result<Option<String>, GatewayError> {
        // Nothing is recorded to find: asking again under the same key answers the same
        // refund (see `refund`), which is what finding it would give.
        Ok(None)
    }
}

/// The simulated refund made under `key`: the same on every call.
fn refund_id(key: &str) -> String {
    format!(
        "sim_re_{}",
        Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes()).simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(key: &str) -> RefundRequest {
        RefundRequest {
            idempotency_key: key.to_owned(),
            payment_reference: "sim_pi_1".to_owned(),
            amount: Money::new(2500, Currency::parse("EUR").unwrap()),
            order_id: "order".to_owned(),
        }
    }

    #[tokio::test]
    async fn a_refund_asked_again_under_its_key_is_the_same_refund() {
        // Never connects: refunds touch no table.
        let pool = PgPool::connect_lazy("postgres://127.0.0.1/unused").unwrap();
        let provider = SimulatedCheckout::new(pool, "http://api.test");
        let first = provider.refund(request("refund:o:1")).await.unwrap();
        assert_eq!(provider.refund(request("refund:o:1")).await.unwrap(), first);
        assert_eq!(
            provider.find_refund(&request("refund:o:1")).await.unwrap(),
            None
        );
        assert_ne!(provider.refund(request("refund:o:2")).await.unwrap(), first);
    }
}

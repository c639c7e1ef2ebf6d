//! A buyer who got a hold goes on to pay for it: checkout, then the Pay button of the
//! simulated provider, which records the payment and sells the hold through the same
//! handling as Stripe's webhook. The payment contract is read here and nowhere else.
//!
//! Paying while the rush goes on is what a real sale looks like: every sale appends to
//! the same hot inventory the holds are appended to.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attempt::{classify_transport_error, Outcome};

/// The hold a 201 answer gave: what paying for it needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HeldReservation {
    /// The reservation.
    pub id: Uuid,
    /// Proves ownership of the reservation to the checkout route.
    pub token: String,
}

impl HeldReservation {
    /// The hold in a 201 answer's body, if it has one.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }
}

/// How one buyer's payment went.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentAttempt {
    /// From the hold's answer to the checkout's answer.
    pub checkout_latency: Duration,
    /// From pressing Pay to its answer: the payment recorded and the hold sold.
    pub pay_latency: Option<Duration>,
    /// When the Pay answer came, since the rush started.
    pub paid_at: Option<Duration>,
    /// `Paid`, or what failed (`"checkout 409 urn:…"`, `"pay timeout"`, …).
    pub outcome: PaymentOutcome,
}

/// The end of one buyer's payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// The simulated provider answered 303: the payment is recorded, the hold sold.
    Paid,
    /// Anything else, labelled for the report.
    Failed(String),
}

#[derive(Serialize)]
struct CheckoutRequest<'a> {
    email: &'a str,
}

#[derive(Deserialize)]
struct CheckoutBody {
    checkout_url: String,
}

/// Pays for `hold` on `base_url` as buyer `email`; `start` is the rush's start.
pub async fn pay_for_hold(
    client: &Client,
    base_url: &str,
    hold: &HeldReservation,
    email: &str,
    start: Instant,
) -> PaymentAttempt {
    let base_url = base_url.trim_end_matches('/');
    let began = Instant::now();
    let checkout = client
        .post(format!("{base_url}/reservations/{}/checkout", hold.id))
        .bearer_auth(&hold.token)
        .json(&CheckoutRequest { email })
        .send()
        .await;
    let session_id = match read_checkout(checkout).await {
        Ok(session_id) => session_id,
        Err(label) => return failed(began.elapsed(), format!("checkout {label}")),
    };
    let checkout_latency = began.elapsed();
    let pressed = Instant::now();
    let pay = client
        .post(format!("{base_url}/simulated-checkout/{session_id}/pay"))
        .send()
        .await;
    let outcome = match pay {
        Ok(answer) if answer.status() == StatusCode::SEE_OTHER => PaymentOutcome::Paid,
        Ok(answer) => PaymentOutcome::Failed(format!("pay {}", answer.status().as_u16())),
        Err(error) => PaymentOutcome::Failed(format!("pay {}", transport_label(&error))),
    };
    PaymentAttempt {
        checkout_latency,
        pay_latency: Some(pressed.elapsed()),
        paid_at: Some(start.elapsed()),
        outcome,
    }
}

/// The simulated session's id from a checkout answer, or a label of what went wrong.
async fn read_checkout(
    answer: Result<reqwest::Response, reqwest::Error>,
) -> Result<String, String> {
    let answer = answer.map_err(|error| transport_label(&error))?;
    let status = answer.status();
    let body = answer
        .bytes()
        .await
        .map_err(|error| transport_label(&error))?;
    if status != StatusCode::CREATED && status != StatusCode::OK {
        return Err(
            match crate::attempt::classify_response(status.as_u16(), &body) {
                Outcome::Failed(label) => label,
                _ => status.as_u16().to_string(),
            },
        );
    }
    let checkout: CheckoutBody = serde_json::from_slice(&body)
        .map_err(|_| format!("{} unreadable body", status.as_u16()))?;
    session_id_of(&checkout.checkout_url)
        .ok_or_else(|| "not a simulated checkout (is STRIPE_SECRET_KEY set?)".to_owned())
}

/// The session id at the end of a simulated checkout URL; `None` for Stripe's pages,
/// which the benchmark cannot press Pay on.
fn session_id_of(checkout_url: &str) -> Option<String> {
    let (_, rest) = checkout_url.split_once("/simulated-checkout/")?;
    let id = rest.split(['?', '#', '/']).next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

fn transport_label(error: &reqwest::Error) -> String {
    match classify_transport_error(error) {
        Outcome::Failed(label) => label,
        _ => "transport".to_owned(),
    }
}

fn failed(checkout_latency: Duration, label: String) -> PaymentAttempt {
    PaymentAttempt {
        checkout_latency,
        pay_latency: None,
        paid_at: None,
        outcome: PaymentOutcome::Failed(label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hold_of_a_reservation_answer() {
        let body = br#"{"id":"0190a1b2-0000-7000-8000-000000000001","status":"held","token":"t.k","lines":[]}"#;
        let hold = HeldReservation::from_body(body).unwrap();
        assert_eq!(hold.token, "t.k");
        assert_eq!(HeldReservation::from_body(br#"{"status":"held"}"#), None);
    }

    #[test]
    fn finds_the_session_of_a_simulated_checkout_only() {
        assert_eq!(
            session_id_of("http://127.0.0.1:8080/simulated-checkout/sim_abc").as_deref(),
            Some("sim_abc")
        );
        assert_eq!(
            session_id_of("https://x.test/api/simulated-checkout/sim_abc?x=1").as_deref(),
            Some("sim_abc")
        );
        assert_eq!(
            session_id_of("https://checkout.stripe.com/c/pay/cs_1"),
            None
        );
        assert_eq!(session_id_of("http://h/simulated-checkout/"), None);
    }
}

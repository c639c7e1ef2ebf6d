//! Stripe's webhook: verify the `Stripe-Signature` header over the raw body, then read the
//! few fields of a Checkout event the order flow needs.
//!
//! Verified by hand rather than with async-stripe's helper: its header parser keeps only
//! the last `v1` signature, and during a secret roll Stripe signs with several.

use std::str::FromStr;
use std::time::Duration;

use carneau_domain::ids::OrderId;
use carneau_domain::money::{Currency, Money};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a signature's timestamp may be from now, either way.
pub const WEBHOOK_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a webhook delivery is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header, or one without a timestamp or a `v1` signature.
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    /// The timestamp is more than the tolerance away from now (a replay, or a bad clock).
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    /// No `v1` signature matches the body under any configured secret.
    #[error("no signature matches the payload")]
    NoMatch,
}

/// Checks `header` (`t=<unix>,v1=<hex>[,v1=<hex>...]`) against `payload` under each of
/// `secrets`, at `now_unix`. Any one matching `v1` is enough; comparisons are constant-time.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secrets: &[String],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let mut timestamp: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed);
                }
                timestamp = Some(value.parse().map_err(|_| SignatureError::Malformed)?);
            }
            // A v1 that is not hex cannot match; skip it rather than refuse the others.
            "v1" => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let tolerance = i64::try_from(WEBHOOK_TOLERANCE.as_secs()).unwrap_or(i64::MAX);
    if now_unix.abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        let expected = mac.finalize().into_bytes();
        for signature in &signatures {
            // Constant-time, so timing does not reveal how much of a forgery was right.
            if subtle::ConstantTimeEq::ct_eq(expected.as_slice(), signature.as_slice()).into() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::NoMatch)
}

/// What a provider event says about a checkout session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderEventKind {
    /// The buyer completed the session; `paid` false while an asynchronous payment is pending.
    Completed {
        /// Whether the money is in.
        paid: bool,
    },
    /// A pending asynchronous payment succeeded.
    AsyncPaymentSucceeded,
    /// A pending asynchronous payment failed.
    AsyncPaymentFailed,
    /// The session expired unpaid.
    Expired,
}

/// One provider event about one of our checkout sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's event id: each takes effect at most once.
    pub id: String,
    /// What happened.
    pub kind: ProviderEventKind,
    /// The session it is about.
    pub session_id: String,
    /// Our order (the session's `client_reference_id` or metadata).
    pub order_id: Option<OrderId>,
    /// The payment reference, when there is one.
    pub payment_reference: Option<String>,
    /// What the session charges (Stripe's `amount_total` and `currency`), when said: the
    /// amount a surplus payment on it gives back.
    pub amount: Option<Money>,
}

#[derive(Deserialize)]
struct StripeEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeEventData,
}

#[derive(Deserialize)]
struct StripeEventData {
    object: StripeSession,
}

#[derive(Deserialize)]
struct StripeSession {
    id: String,
    #[serde(default)]
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: Option<std::collections::HashMap<String, String>>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    payment_intent: Option<serde_json::Value>,
    #[serde(default)]
    amount_total: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
}

/// Reads a verified Stripe event. `Ok(None)` for event types the order flow ignores;
/// `Err` for a body that is not a Stripe event.
pub fn parse_stripe_event(payload: &[u8]) -> Result<Option<ProviderEvent>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: String,
    }
    let head: Head = serde_json::from_slice(payload)?;
    let handled = [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    ];
    if !handled.contains(&head.kind.as_str()) {
        return Ok(None);
    }
    let event: StripeEvent = serde_json::from_slice(payload)?;
    let session = event.data.object;
    let kind = match event.kind.as_str() {
        "checkout.session.completed" => ProviderEventKind::Completed {
            paid: matches!(
                session.payment_status.as_deref(),
                Some("paid" | "no_payment_required")
            ),
        },
        "checkout.session.async_payment_succeeded" => ProviderEventKind::AsyncPaymentSucceeded,
        "checkout.session.async_payment_failed" => ProviderEventKind::AsyncPaymentFailed,
        _ => ProviderEventKind::Expired,
    };
    let order_id = session
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get("order_id").cloned())
        .or(session.client_reference_id)
        .and_then(|id| OrderId::from_str(&id).ok());
    let payment_reference = match session.payment_intent {
        Some(serde_json::Value::String(id)) => Some(id),
        Some(serde_json::Value::Object(object)) => object
            .get("id")
            .and_then(|id| id.as_str())
            .map(str::to_owned),
        _ => None,
    };
    // An amount without a currency we can read is not an amount: left unsaid.
    let amount = session.amount_total.zip(
        session
            .currency
            .as_deref()
            .and_then(|code| Currency::parse(code).ok()),
    );
    Ok(Some(ProviderEvent {
        id: event.id,
        kind,
        session_id: session.id,
        order_id,
        payment_reference,
        amount: amount.map(|(minor, currency)| Money::new(minor, currency)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    const BODY: &[u8] = br#"{"id":"evt_1"}"#;
    const NOW: i64 = 1_900_000_000;

    fn secrets() -> Vec<String> {
        vec!["whsec_test".to_owned()]
    }

    #[test]
    fn accepts_a_matching_signature_among_several() {
        let header = format!(
            "t={NOW},v1={},v1={},v0=ignored",
            sign("whsec_old", NOW, BODY),
            sign("whsec_test", NOW, BODY)
        );
        assert_eq!(verify_signature(BODY, &header, &secrets(), NOW), Ok(()));
        // The matching one first works too (async-stripe's parser keeps only the last).
        let header = format!(
            "t={NOW},v1={},v1={}",
            sign("whsec_test", NOW, BODY),
            sign("whsec_old", NOW, BODY)
        );
        assert_eq!(verify_signature(BODY, &header, &secrets(), NOW), Ok(()));
    }

    #[test]
    fn refuses_forged_altered_stale_and_malformed_headers() {
        let good = format!("t={NOW},v1={}", sign("whsec_test", NOW, BODY));
        assert_eq!(
            verify_signature(br#"{"id":"evt_2"}"#, &good, &secrets(), NOW),
            Err(SignatureError::NoMatch)
        );
        let forged = format!("t={NOW},v1={}", sign("whsec_other", NOW, BODY));
        assert_eq!(
            verify_signature(BODY, &forged, &secrets(), NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify_signature(BODY, &good, &secrets(), NOW + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_signature(BODY, &good, &secrets(), NOW - 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify_signature(BODY, &good, &secrets(), NOW + 300), Ok(()));
        for bad in ["", "t=abc,v1=00", &format!("t={NOW}"), "v1=00"] {
            assert_eq!(
                verify_signature(BODY, bad, &secrets(), NOW),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn reads_a_completed_session_and_ignores_other_event_types() {
        let order = OrderId::new();
        let body = serde_json::json!({
            "id": "evt_9", "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_1", "object": "checkout.session",
                "client_reference_id": order.to_string(), "payment_status": "paid",
                "payment_intent": "pi_1", "amount_total": 5000, "currency": "eur"}}
        })
        .to_string();
        let event = parse_stripe_event(body.as_bytes()).unwrap().unwrap();
        assert_eq!(event.kind, ProviderEventKind::Completed { paid: true });
        assert_eq!(event.order_id, Some(order));
        assert_eq!(event.payment_reference.as_deref(), Some("pi_1"));
        assert_eq!(
            event.amount,
            Some(Money::new(5000, Currency::parse("EUR").unwrap()))
        );
        let other = br#"{"id":"evt_3","type":"charge.succeeded","data":{"object":{}}}"#;
        assert_eq!(parse_stripe_event(other).unwrap(), None);
        assert!(parse_stripe_event(b"not json").is_err());
    }
}

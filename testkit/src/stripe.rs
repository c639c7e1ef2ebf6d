//! A fake Stripe API for tests: enough of Checkout Sessions and Refunds for the real
//! async-stripe client to talk to, returning complete objects (the client parses
//! strictly). It replays responses by idempotency key like Stripe, records every request
//! for assertions and can be told to fail, to lose the answers of refund requests it
//! carried out, and to forget its idempotency keys (as Stripe does after about 24 hours).
//! [`sign_webhook`] signs webhook payloads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::net::TcpListener;

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct StripeRequest {
    /// `POST /v1/refunds` and so on.
    pub method: String,
    /// The path.
    pub path: String,
    /// The `Idempotency-Key` header, if sent.
    pub idempotency_key: Option<String>,
    /// The form fields, flattened as sent (`line_items[0][quantity]`); for a `GET`, the
    /// query's.
    pub form: HashMap<String, String>,
}

/// A refund the fake created (replays by idempotency key are not counted again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRefund {
    /// The refund's id.
    pub id: String,
    /// The PaymentIntent refunded.
    pub payment_intent: String,
    /// The amount, in minor units.
    pub amount: i64,
    /// The key it was created under.
    pub idempotency_key: Option<String>,
    /// Its metadata, as sent.
    pub metadata: HashMap<String, String>,
    /// `succeeded`, or `failed` once told so.
    pub status: String,
}

#[derive(Default)]
struct FakeState {
    sessions: HashMap<String, Value>,
    replies: HashMap<String, (u16, Value)>,
    requests: Vec<StripeRequest>,
    refunds: Vec<CreatedRefund>,
    next_id: u64,
    /// Refunds allowed before every further refund fails with a 500.
    refunds_before_failure: Option<usize>,
    /// Every request fails with a 500.
    down: bool,
    /// Refund requests are carried out, but answered with a 500 (the answer is lost).
    refund_answers_lost: bool,
    /// At most this many refunds per page of a list, whatever `limit` asks.
    list_page_cap: Option<usize>,
}

/// The running fake; it stops when dropped.
pub struct FakeStripe {
    base_url: String,
    state: Arc<Mutex<FakeState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<FakeState>) -> MutexGuard<'_, FakeState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeStripe {
    /// Starts the fake on a free port of 127.0.0.1.
    pub async fn start() -> anyhow::Result<Self> {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(retrieve_session))
            .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
            .route("/v1/refunds", post(create_refund).get(list_refunds))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Ok(Self {
            base_url: format!("http://{address}/"),
            state,
            task,
        })
    }

    /// What to give the client as its API base (`STRIPE_API_BASE`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<StripeRequest> {
        lock(&self.state).requests.clone()
    }

    /// Every refund created (replays excluded, refunds made outside us included), oldest
    /// first.
    pub fn refunds(&self) -> Vec<CreatedRefund> {
        lock(&self.state).refunds.clone()
    }

    /// A session as the fake has it.
    pub fn session(&self, id: &str) -> Option<Value> {
        lock(&self.state).sessions.get(id).cloned()
    }

    /// The ids of every session created, oldest first.
    pub fn session_ids(&self) -> Vec<String> {
        let state = lock(&self.state);
        let mut sessions: Vec<(i64, String)> = state
            .sessions
            .values()
            .map(|s| {
                (
                    s["created"].as_i64().unwrap_or(0),
                    s["id"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        sessions.sort();
        sessions.into_iter().map(|(_, id)| id).collect()
    }

    /// The buyer completes the session: `paid` or with an asynchronous payment pending.
    /// Returns the session object as a webhook would carry it.
    pub fn complete_session(&self, id: &str, paid: bool) -> Value {
        let mut state = lock(&self.state);
        let Some(session) = state.sessions.get_mut(id) else {
            return Value::Null;
        };
        session["status"] = json!("complete");
        session["payment_status"] = json!(if paid { "paid" } else { "unpaid" });
        session["payment_intent"] = json!(format!("pi_{}", id.trim_start_matches("cs_")));
        session.clone()
    }

    /// Opens another session for the same order as session `id` (same reference, lines
    /// and amount), as a second checkout created outside our own call would (a retry
    /// after Stripe forgot its idempotency key, a link made in the dashboard). Answers
    /// its id.
    pub fn open_another_session(&self, id: &str) -> Option<String> {
        let mut state = lock(&self.state);
        let mut session = state.sessions.get(id)?.clone();
        state.next_id += 1;
        let other = format!("cs_test_{:06}", state.next_id);
        session["id"] = json!(other);
        session["status"] = json!("open");
        session["payment_status"] = json!("unpaid");
        session["payment_intent"] = Value::Null;
        session["url"] = json!(format!("https://checkout.stripe.test/c/pay/{other}"));
        state.sessions.insert(other.clone(), session);
        Some(other)
    }

    /// An asynchronous payment settles: the session becomes paid.
    pub fn settle_session(&self, id: &str) -> Value {
        let mut state = lock(&self.state);
        let Some(session) = state.sessions.get_mut(id) else {
            return Value::Null;
        };
        session["payment_status"] = json!("paid");
        session.clone()
    }

    /// From now on, refunds after the first `n` created ones fail with a 500.
    pub fn fail_refunds_after(&self, n: usize) {
        lock(&self.state).refunds_before_failure = Some(n);
    }

    /// Refunds work again, and their answers arrive.
    pub fn stop_failing(&self) {
        let mut state = lock(&self.state);
        state.refunds_before_failure = None;
        state.down = false;
        state.refund_answers_lost = false;
    }

    /// From now on, every refund request (create or list) is carried out but answered
    /// with a 500, as when the answer is lost on its way back, until
    /// [`Self::stop_failing`].
    pub fn lose_refund_answers(&self) {
        lock(&self.state).refund_answers_lost = true;
    }

    /// Forgets every idempotency key, as Stripe does about 24 hours after a request: a
    /// request sent again under an old key is carried out again.
    pub fn forget_idempotency_keys(&self) {
        lock(&self.state).replies.clear();
    }

    /// Lists at most `n` refunds per page, so a client must follow `has_more`.
    pub fn cap_list_page(&self, n: usize) {
        lock(&self.state).list_page_cap = Some(n);
    }

    /// A refund made outside our code (from Stripe's dashboard): no metadata of ours.
    /// Answers its id.
    pub fn refund_from_dashboard(&self, payment_intent: &str, amount: i64) -> String {
        let mut state = lock(&self.state);
        state.next_id += 1;
        let id = format!("re_test_{:06}", state.next_id);
        state.refunds.push(CreatedRefund {
            id: id.clone(),
            payment_intent: payment_intent.to_owned(),
            amount,
            idempotency_key: None,
            metadata: HashMap::new(),
            status: "succeeded".to_owned(),
        });
        id
    }

    /// The refund `id` failed at the bank: no money went back.
    pub fn fail_refund(&self, id: &str) {
        let mut state = lock(&self.state);
        if let Some(refund) = state.refunds.iter_mut().find(|refund| refund.id == id) {
            refund.status = "failed".to_owned();
        }
    }

    /// Every request fails with a 500 until [`Self::stop_failing`].
    pub fn go_down(&self) {
        lock(&self.state).down = true;
    }
}

/// A webhook event of `event_type` about `session`, as Stripe would send it.
pub fn checkout_event(event_id: &str, event_type: &str, session: &Value) -> String {
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": session["created"],
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": event_type,
        "data": {"object": session},
    })
    .to_string()
}

/// A `Stripe-Signature` header for `payload` signed with each of `secrets` at `timestamp`.
pub fn sign_webhook(payload: &str, secrets: &[&str], timestamp: i64) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(format!("{timestamp}.{payload}").as_bytes());
        header.push_str(&format!(",v1={}", hex::encode(mac.finalize().into_bytes())));
    }
    header
}

fn error(status: StatusCode, message: &str) -> Response {
    let kind = if status.is_server_error() {
        "api_error"
    } else {
        "invalid_request_error"
    };
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

/// A request's idempotency key and form fields.
type Begun = (Option<String>, HashMap<String, String>);

/// Records the request; answers a replay if the key was seen, or an outage.
fn begin(
    state: &mut FakeState,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Begun, Box<Response>> {
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let refunds = path.starts_with("/v1/refunds");
    state.requests.push(StripeRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        idempotency_key: key.clone(),
        form: form.clone(),
    });
    if state.down {
        return Err(Box::new(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the fake is down",
        )));
    }
    if let Some((status, reply)) = key.as_ref().and_then(|key| state.replies.get(key)) {
        if refunds && state.refund_answers_lost {
            return Err(Box::new(lost()));
        }
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
        return Err(Box::new((status, Json(reply.clone())).into_response()));
    }
    Ok((key, form))
}

/// What the client sees when the answer to a request it sent is lost.
fn lost() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "the answer was lost")
}

fn remember(state: &mut FakeState, key: Option<String>, reply: &Value) {
    if let Some(key) = key {
        state.replies.insert(key, (200, reply.clone()));
    }
}

/// The `metadata[key]` fields of a form.
fn metadata_of(form: &HashMap<String, String>) -> HashMap<String, String> {
    form.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[")
                .and_then(|k| k.strip_suffix(']'))
                .map(|k| (k.to_owned(), v.clone()))
        })
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or(0)
}

async fn create_session(
    State(state): State<Arc<Mutex<FakeState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = lock(&state);
    let (key, form) = match begin(&mut state, "POST", "/v1/checkout/sessions", &headers, &body) {
        Ok(begun) => begun,
        Err(reply) => return *reply,
    };
    state.next_id += 1;
    let id = format!("cs_test_{:06}", state.next_id);
    let mut total = 0;
    let mut currency = Value::Null;
    for index in 0.. {
        let Some(amount) = form.get(&format!("line_items[{index}][price_data][unit_amount]"))
        else {
            break;
        };
        let quantity = form
            .get(&format!("line_items[{index}][quantity]"))
            .and_then(|q| q.parse::<i64>().ok())
            .unwrap_or(1);
        total += amount.parse::<i64>().unwrap_or(0) * quantity;
        currency = json!(form.get(&format!("line_items[{index}][price_data][currency]")));
    }
    let metadata = metadata_of(&form);
    let session = json!({
        "id": id,
        "object": "checkout.session",
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": form.get("cancel_url"),
        "success_url": form.get("success_url"),
        "client_reference_id": form.get("client_reference_id"),
        "created": now(),
        "currency": currency,
        "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
                        "terms_of_service_acceptance": null},
        "customer_email": form.get("customer_email"),
        "expires_at": form.get("expires_at").and_then(|e| e.parse::<i64>().ok()).unwrap_or(now() + 1800),
        "livemode": false,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": null,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "url": format!("https://checkout.stripe.test/c/pay/{id}"),
    });
    state.sessions.insert(id, session.clone());
    remember(&mut state, key, &session);
    Json(session).into_response()
}

async fn retrieve_session(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut state = lock(&state);
    let path = format!("/v1/checkout/sessions/{id}");
    if let Err(reply) = begin(&mut state, "GET", &path, &headers, b"") {
        return *reply;
    }
    match state.sessions.get(&id) {
        Some(session) => Json(session.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "No such checkout.session"),
    }
}

async fn expire_session(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = lock(&state);
    let path = format!("/v1/checkout/sessions/{id}/expire");
    let key = match begin(&mut state, "POST", &path, &headers, &body) {
        Ok((key, _)) => key,
        Err(reply) => return *reply,
    };
    let Some(session) = state.sessions.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "No such checkout.session");
    };
    if session["status"] != json!("open") {
        return error(
            StatusCode::BAD_REQUEST,
            "Only Checkout Sessions with a status of open can be expired.",
        );
    }
    session["status"] = json!("expired");
    let session = session.clone();
    remember(&mut state, key, &session);
    Json(session).into_response()
}

async fn create_refund(
    State(state): State<Arc<Mutex<FakeState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = lock(&state);
    let (key, form) = match begin(&mut state, "POST", "/v1/refunds", &headers, &body) {
        Ok(begun) => begun,
        Err(reply) => return *reply,
    };
    if state
        .refunds_before_failure
        .is_some_and(|allowed| state.refunds.len() >= allowed)
    {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the fake was told to fail",
        );
    }
    let Some(payment_intent) = form.get("payment_intent").cloned() else {
        return error(StatusCode::BAD_REQUEST, "payment_intent is required");
    };
    let amount = form
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(0);
    state.next_id += 1;
    let created = CreatedRefund {
        id: format!("re_test_{:06}", state.next_id),
        payment_intent,
        amount,
        idempotency_key: key.clone(),
        metadata: metadata_of(&form),
        status: "succeeded".to_owned(),
    };
    let refund = refund_object(&created);
    state.refunds.push(created);
    remember(&mut state, key, &refund);
    if state.refund_answers_lost {
        return lost();
    }
    Json(refund).into_response()
}

fn refund_object(refund: &CreatedRefund) -> Value {
    json!({
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "created": now(),
        "currency": "eur",
        "metadata": refund.metadata,
        "payment_intent": refund.payment_intent,
        "status": refund.status,
    })
}

/// `GET /v1/refunds?payment_intent=..&limit=..&starting_after=..`: newest first, like
/// Stripe, one page at a time.
async fn list_refunds(
    State(state): State<Arc<Mutex<FakeState>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut state = lock(&state);
    let query = query.unwrap_or_default();
    let form = match begin(&mut state, "GET", "/v1/refunds", &headers, query.as_bytes()) {
        Ok((_, form)) => form,
        Err(reply) => return *reply,
    };
    if state.refund_answers_lost {
        return lost();
    }
    let limit = form
        .get("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(10)
        .min(state.list_page_cap.unwrap_or(usize::MAX));
    let newest_first = state.refunds.iter().rev().filter(|refund| {
        form.get("payment_intent")
            .is_none_or(|intent| *intent == refund.payment_intent)
    });
    let after: Vec<&CreatedRefund> = match form.get("starting_after") {
        Some(cursor) => newest_first
            .skip_while(|refund| refund.id != *cursor)
            .skip(1)
            .collect(),
        None => newest_first.collect(),
    };
    let page: Vec<Value> = after.iter().take(limit).map(|r| refund_object(r)).collect();
    Json(json!({
        "object": "list",
        "data": page,
        "has_more": after.len() > limit,
        "url": "/v1/refunds",
    }))
    .into_response()
}

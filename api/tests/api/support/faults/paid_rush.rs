//! A rush of buyers who hold, check out and pay, spread over every node, each retrying
//! as a patient client does: after a 503 (waiting as its `Retry-After` says, at most a
//! second) or a connection that failed (on the next node), with the same
//! `Idempotency-Key`. Every answer of every request is recorded, so that a test can say
//! none was a 500.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carneau_testkit::stripe::{checkout_event, sign_webhook, FakeStripe};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::support::payments::WEBHOOK_SECRET;
use crate::support::reservations::http::{reservation_body, retry_after, Http, OnSale, Reply};
use crate::support::reservations::rush::seeded_quantities;

/// How long a buyer keeps retrying one step before giving up: past the longest outage
/// the suite injects, with room for the nodes to reconnect.
const RETRY_DEADLINE: Duration = Duration::from_secs(45);
/// The longest a buyer waits between two tries, whatever `Retry-After` says.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(1);
/// The wait after a connection that failed: the next try goes to another node.
const CONNECTION_RETRY_WAIT: Duration = Duration::from_millis(100);

/// How Stripe tells the nodes a buyer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deliveries {
    /// One `checkout.session.completed`, sent again only until it is answered 200.
    Once,
    /// The same payment told many times, to both nodes at once, out of order: a card
    /// payment's completion sent three times; or a bank debit's success before the
    /// completion that announced it, each twice, then a late expiry.
    DuplicatedAndReordered,
}

/// What a rush looks like.
#[derive(Debug, Clone, Copy)]
pub struct RushPlan {
    /// How many buyers come.
    pub buyers: usize,
    /// How many are served at once.
    pub in_flight: usize,
    /// Tickets a buyer asks for: 1 to this many, from a seeded PRNG.
    pub max_tickets: u32,
    /// How Stripe's webhooks arrive.
    pub deliveries: Deliveries,
}

/// One answer a node gave (or the lack of one).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The route: `hold`, `checkout` or `webhook`.
    pub route: &'static str,
    /// The status, `None` when the connection failed.
    pub status: Option<StatusCode>,
    /// The problem type's slug, empty if none.
    pub problem: String,
    /// Whether a `Retry-After` header came with it.
    pub retry_after: bool,
}

/// What a rush did, as its buyers saw it.
#[derive(Debug, Default)]
pub struct RushOutcome {
    /// Holds acknowledged (201, or 200 for a retry of one), with their quantity.
    pub holds: BTreeMap<Uuid, u32>,
    /// Orders whose payment the webhook acknowledged (200), with their quantity.
    pub paid: BTreeMap<Uuid, u32>,
    /// Buyers who gave up on a step after [`RETRY_DEADLINE`].
    pub gave_up: usize,
    /// Every answer, in no particular order.
    pub answers: Vec<Answer>,
}

impl RushOutcome {
    /// How many answers of each kind: `"hold 201"`, `"checkout 503 store-unavailable"`,
    /// `"webhook no answer"`.
    pub fn tally(&self) -> BTreeMap<String, usize> {
        let mut tally = BTreeMap::new();
        for answer in &self.answers {
            let key = match answer.status {
                Some(status) => format!("{} {} {}", answer.route, status.as_u16(), answer.problem),
                None => format!("{} no answer", answer.route),
            };
            *tally.entry(key.trim_end().to_owned()).or_default() += 1;
        }
        tally
    }

    /// Adds the outcome of a later wave of buyers of the same sale to this one.
    pub fn absorb(&mut self, later: RushOutcome) {
        for (hold, quantity) in later.holds {
            assert!(
                self.holds.insert(hold, quantity).is_none(),
                "one hold in two waves"
            );
        }
        self.paid.extend(later.paid);
        self.gave_up += later.gave_up;
        self.answers.extend(later.answers);
    }
}

/// A rush under way.
pub struct RunningRush {
    /// Holds acknowledged so far.
    pub holds: Arc<AtomicUsize>,
    task: JoinHandle<RushOutcome>,
}

impl RunningRush {
    /// Waits until `count` holds were acknowledged; panics if the rush ended first.
    pub async fn after_holds(&self, count: usize) {
        while self.holds.load(Ordering::SeqCst) < count {
            assert!(
                !self.task.is_finished(),
                "the rush ended before {count} holds"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Whether every buyer is done.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for every buyer.
    pub async fn finish(self) -> RushOutcome {
        self.task.await.unwrap()
    }
}

/// Starts `plan`'s buyers on `event`, spread over `targets` in turn; `seed` picks their
/// quantities.
pub fn start_rush(
    targets: Vec<Http>,
    stripe: Arc<FakeStripe>,
    event: OnSale,
    plan: RushPlan,
    seed: u64,
) -> RunningRush {
    let holds = Arc::new(AtomicUsize::new(0));
    let counter = holds.clone();
    let task = tokio::spawn(async move {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let slots = Arc::new(tokio::sync::Semaphore::new(plan.in_flight));
        let buyers: Vec<_> = seeded_quantities(seed, plan.buyers, plan.max_tickets)
            .into_iter()
            .enumerate()
            .map(|(index, quantity)| {
                let buyer = Buyer {
                    index,
                    targets: targets.clone(),
                    answers: answers.clone(),
                };
                let (stripe, slots, counter) = (stripe.clone(), slots.clone(), counter.clone());
                tokio::spawn(async move {
                    let _slot = slots.acquire_owned().await.unwrap();
                    buyer
                        .buy(event, quantity, &stripe, plan.deliveries, &counter)
                        .await
                })
            })
            .collect();
        let mut outcome = RushOutcome::default();
        for buyer in buyers {
            let bought = buyer.await.unwrap();
            if let Some((hold, quantity)) = bought.hold {
                outcome.holds.insert(hold, quantity);
            }
            if let Some((order, quantity)) = bought.paid {
                outcome.paid.insert(order, quantity);
            }
            outcome.gave_up += usize::from(bought.gave_up);
        }
        outcome.answers = std::mem::take(&mut *answers.lock().unwrap());
        outcome
    });
    RunningRush { holds, task }
}

/// What one buyer got.
#[derive(Default)]
struct Bought {
    hold: Option<(Uuid, u32)>,
    paid: Option<(Uuid, u32)>,
    gave_up: bool,
}

/// One buyer of the rush.
struct Buyer {
    index: usize,
    targets: Vec<Http>,
    answers: Arc<Mutex<Vec<Answer>>>,
}

impl Buyer {
    /// Hold, check out, pay; each step retried until it is answered.
    async fn buy(
        &self,
        event: OnSale,
        quantity: u32,
        stripe: &FakeStripe,
        deliveries: Deliveries,
        holds: &AtomicUsize,
    ) -> Bought {
        let mut bought = Bought::default();
        let body = reservation_body(&[(event.ticket_type_id, quantity)]);
        let path = format!("/events/{}/reservations", event.event_id);
        let Some(hold) = self
            .until_answered("hold", Method::POST, &path, None, Some(&body))
            .await
        else {
            bought.gave_up = true;
            return bought;
        };
        if !matches!(hold.status, StatusCode::CREATED | StatusCode::OK) {
            return bought;
        }
        holds.fetch_add(1, Ordering::SeqCst);
        let (reservation_id, token) = (hold.reservation_id(), hold.token());
        bought.hold = Some((reservation_id, quantity));

        let path = format!("/reservations/{reservation_id}/checkout");
        let email = json!({"email": format!("buyer-{}@example.com", self.index)});
        let Some(checkout) = self
            .until_answered("checkout", Method::POST, &path, Some(&token), Some(&email))
            .await
        else {
            bought.gave_up = true;
            return bought;
        };
        if !matches!(checkout.status, StatusCode::CREATED | StatusCode::OK) {
            return bought;
        }
        let order_id: Uuid = checkout.body["order_id"].as_str().unwrap().parse().unwrap();
        let session_id = checkout.body["checkout_url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();

        let paid = match (deliveries, self.index % 2) {
            (Deliveries::Once, _) => {
                let session = stripe.complete_session(&session_id, true);
                let completed = format!("evt_paid_{order_id}");
                self.deliver(&completed, "checkout.session.completed", &session, 1)
                    .await
            }
            (Deliveries::DuplicatedAndReordered, 0) => {
                let session = stripe.complete_session(&session_id, true);
                let completed = format!("evt_paid_{order_id}");
                self.deliver(&completed, "checkout.session.completed", &session, 3)
                    .await
            }
            (Deliveries::DuplicatedAndReordered, _) => {
                let pending = stripe.complete_session(&session_id, false);
                let settled = stripe.settle_session(&session_id);
                let succeeded = format!("evt_settled_{order_id}");
                let completed = format!("evt_completed_{order_id}");
                let expired = format!("evt_expired_{order_id}");
                self.deliver(
                    &succeeded,
                    "checkout.session.async_payment_succeeded",
                    &settled,
                    2,
                )
                .await
                    && self
                        .deliver(&completed, "checkout.session.completed", &pending, 2)
                        .await
                    && self
                        .deliver(
                            &succeeded,
                            "checkout.session.async_payment_succeeded",
                            &settled,
                            1,
                        )
                        .await
                    && self
                        .deliver(&expired, "checkout.session.expired", &pending, 1)
                        .await
            }
        };
        if paid {
            bought.paid = Some((order_id, quantity));
        } else {
            bought.gave_up = true;
        }
        bought
    }

    /// Delivers a signed webhook event `copies` times at once, each to the next node,
    /// each until it is answered 200; whether all were.
    async fn deliver(
        &self,
        event_id: &str,
        event_type: &str,
        session: &Value,
        copies: usize,
    ) -> bool {
        let payload = checkout_event(event_id, event_type, session);
        let copies = (0..copies).map(|copy| {
            let payload = payload.clone();
            async move {
                let mut tries = copy;
                let deadline = tokio::time::Instant::now() + RETRY_DEADLINE;
                while tokio::time::Instant::now() < deadline {
                    let http = &self.targets[(self.index + tries) % self.targets.len()];
                    tries += 1;
                    // Signed at each try, as Stripe does.
                    let signature =
                        sign_webhook(&payload, &[WEBHOOK_SECRET], Utc::now().timestamp());
                    let sent = http
                        .client
                        .post(format!("{}/webhooks/stripe", http.base_url))
                        .header("content-type", "application/json")
                        .header("Stripe-Signature", signature)
                        .body(payload.clone())
                        .send()
                        .await;
                    let answer = match sent {
                        Ok(response) => {
                            let status = response.status();
                            let retry_after = retry_after(response.headers());
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            self.record("webhook", Some(status), &body, retry_after.is_some());
                            if status == StatusCode::OK {
                                return true;
                            }
                            // Stripe retries every other answer, later.
                            retry_after.unwrap_or(MAX_RETRY_WAIT)
                        }
                        Err(_) => {
                            self.record("webhook", None, &Value::Null, false);
                            CONNECTION_RETRY_WAIT
                        }
                    };
                    tokio::time::sleep(answer.min(MAX_RETRY_WAIT)).await;
                }
                false
            }
        });
        futures::future::join_all(copies)
            .await
            .into_iter()
            .all(|delivered| delivered)
    }

    /// Sends a request under one `Idempotency-Key` until a node answers something other
    /// than a 503, at most [`RETRY_DEADLINE`]; `None` when none did.
    async fn until_answered(
        &self,
        route: &'static str,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Option<Reply> {
        let key = Uuid::new_v4().to_string();
        let deadline = tokio::time::Instant::now() + RETRY_DEADLINE;
        let mut tries = 0;
        while tokio::time::Instant::now() < deadline {
            let http = &self.targets[(self.index + tries) % self.targets.len()];
            tries += 1;
            let sent = http
                .call(method.clone(), path, bearer, Some(&key), body)
                .await;
            let wait = match sent {
                Ok(reply) => {
                    let retry_after = reply.retry_after;
                    self.record(
                        route,
                        Some(reply.status),
                        &reply.body,
                        retry_after.is_some(),
                    );
                    if reply.status != StatusCode::SERVICE_UNAVAILABLE {
                        return Some(reply);
                    }
                    retry_after.unwrap_or(MAX_RETRY_WAIT)
                }
                Err(_) => {
                    self.record(route, None, &Value::Null, false);
                    CONNECTION_RETRY_WAIT
                }
            };
            tokio::time::sleep(wait.min(MAX_RETRY_WAIT)).await;
        }
        None
    }

    fn record(
        &self,
        route: &'static str,
        status: Option<StatusCode>,
        body: &Value,
        retry_after: bool,
    ) {
        let problem = body["type"]
            .as_str()
            .and_then(|urn| urn.strip_prefix("urn:carneau:problem:"))
            .unwrap_or_default()
            .to_owned();
        self.answers.lock().unwrap().push(Answer {
            route,
            status,
            problem,
            retry_after,
        });
    }
}

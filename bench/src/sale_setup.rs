//! Puts the sale on: through the organiser API, an event with one ticket type of the
//! benchmark's capacity, on sale from now, published, and visible to buyers. With a
//! shared capacity, two ticket types of that capacity each, both in one capacity pool of
//! that capacity: the pool is what sells out.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use crate::oversell::SharedCapacity;

/// How long the public read model may take to show the published event.
pub const PUBLIC_LISTING_WAIT: Duration = Duration::from_secs(30);
/// Pause between two looks at the public read model.
const PUBLIC_LISTING_POLL: Duration = Duration::from_millis(100);
/// Price of a benchmark ticket, in euro cents; irrelevant to the measure, but required.
const TICKET_PRICE_MINOR: i64 = 2_500;
/// How far ahead the benchmark event takes place, so that its sale is open during the run.
const EVENT_STARTS_IN_DAYS: i64 = 30;

/// What the sale is made of.
#[derive(Debug, Clone)]
pub struct SaleSpec {
    /// Tickets of the one ticket type (C).
    pub capacity: u32,
    /// Most tickets one reservation may hold; at least the most a buyer asks for.
    pub max_per_order: u16,
    /// Names the run in the event's title, to find it in a shared database.
    pub label: String,
    /// Distinguishes this run's organiser requests from any other's.
    pub run_id: Uuid,
    /// Two ticket types sharing the capacity (a capacity pool) instead of one.
    pub shared_capacity: bool,
    /// A promo code with this many uses that every buyer tries (see `promo_code`).
    pub code_uses: Option<u32>,
}

/// The published sale the buyers rush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleUnderTest {
    /// The event.
    pub event_id: Uuid,
    /// Its ticket type (the first of two with a shared capacity).
    pub ticket_type_id: Uuid,
    /// That ticket type's capacity.
    pub capacity: u32,
    /// The second ticket type, when both share one capacity pool of `capacity`.
    pub shared_with: Option<Uuid>,
    /// The uses of the promo code every buyer tries, when the run has one.
    pub code_uses: Option<u32>,
}

impl SaleUnderTest {
    /// The ticket type buyer number `buyer` asks for: with a shared capacity, every
    /// other buyer picks the second type.
    pub fn ticket_type_for(&self, buyer: usize) -> Uuid {
        match self.shared_with {
            Some(second) if buyer % 2 == 1 => second,
            _ => self.ticket_type_id,
        }
    }

    /// Every ticket type on sale with its capacity, as the oversell audit wants them.
    pub fn capacities(&self) -> HashMap<Uuid, u64> {
        std::iter::once(self.ticket_type_id)
            .chain(self.shared_with)
            .map(|id| (id, u64::from(self.capacity)))
            .collect()
    }

    /// The capacity the ticket types share, if they do.
    pub fn shared_capacities(&self) -> Vec<SharedCapacity> {
        self.shared_with
            .map(|second| SharedCapacity {
                ticket_types: vec![self.ticket_type_id, second],
                capacity: u64::from(self.capacity),
            })
            .into_iter()
            .collect()
    }
}

/// Why the organiser API would not set the sale up.
#[derive(Debug, thiserror::Error)]
pub enum SaleSetupError {
    /// A step answered with an unexpected status.
    #[error("{step}: expected {expected}, got {status}: {body}")]
    Refused {
        /// What was being done.
        step: &'static str,
        /// The status the step needs.
        expected: StatusCode,
        /// The status it got.
        status: StatusCode,
        /// The start of the answer, to see why.
        body: String,
    },
    /// The published event did not reach the public read model in time.
    #[error("event {0} was published but is not visible to buyers after {PUBLIC_LISTING_WAIT:?}")]
    NotVisible(Uuid),
}

#[derive(Deserialize)]
struct EventBody {
    id: Uuid,
    #[serde(default)]
    ticket_types: Vec<TicketTypeBody>,
}

#[derive(Deserialize)]
struct TicketTypeBody {
    id: Uuid,
}

/// The organiser's side of the benchmark, against one server.
#[derive(Debug, Clone)]
pub struct Organiser {
    client: Client,
    base_url: String,
    session_token: String,
}

#[derive(Deserialize)]
struct SignedInBody {
    session: SessionBody,
}

#[derive(Deserialize)]
struct SessionBody {
    token: String,
}

impl Organiser {
    /// An organiser using `client` on the server at `base_url` with a session token.
    pub fn new(client: Client, base_url: &str, session_token: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            session_token: session_token.to_owned(),
        }
    }

    /// Signs in as the organiser account `email` (`POST /sessions`) and acts with that
    /// session.
    pub async fn sign_in(
        client: Client,
        base_url: &str,
        email: &str,
        password: &str,
    ) -> anyhow::Result<Self> {
        let mut organiser = Self::new(client, base_url, "");
        let request = organiser
            .client
            .post(format!("{}/sessions", organiser.base_url))
            .json(&json!({"email": email, "password": password}));
        let signed_in: SignedInBody = organiser
            .send("signing the organiser in", StatusCode::OK, request)
            .await?;
        organiser.session_token = signed_in.session.token;
        Ok(organiser)
    }

    /// Creates, stocks and publishes the sale, then waits until buyers can see it, so
    /// that the rush starts against a sale that is really open.
    #[instrument(skip_all, fields(capacity = spec.capacity, label = %spec.label))]
    pub async fn open_sale(&self, spec: &SaleSpec) -> anyhow::Result<SaleUnderTest> {
        let now = Utc::now();
        let starts_at = now + chrono::Duration::days(EVENT_STARTS_IN_DAYS);
        let ends_at = starts_at + chrono::Duration::hours(3);
        let created: EventBody = self
            .send(
                "creating the event",
                StatusCode::CREATED,
                self.organiser_post("/organiser/events")
                    .header("Idempotency-Key", format!("flash-sale:{}:event", spec.run_id))
                    .json(&json!({
                        "title": format!("Flash sale benchmark ({}) {}", spec.label, now.format("%Y-%m-%d %H:%M:%S")),
                        "description": "Created by the flash-sale benchmark.",
                        "venue": {"name": "Benchmark Arena", "address": "127.0.0.1"},
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "time_zone": "Europe/Paris",
                        "currency": "EUR",
                    })),
            )
            .await?;
        let event_id = created.id;
        let stocked: EventBody = self
            .send(
                "adding the ticket type",
                StatusCode::CREATED,
                self.organiser_post(&format!("/organiser/events/{event_id}/ticket-types"))
                    .header(
                        "Idempotency-Key",
                        format!("flash-sale:{}:ticket-type", spec.run_id),
                    )
                    .json(&ticket_type_body(spec, now, starts_at)),
            )
            .await?;
        let ticket_type_id = stocked
            .ticket_types
            .first()
            .map(|ticket_type| ticket_type.id)
            .context("the event has no ticket type after adding one")?;
        let shared_with = if spec.shared_capacity {
            Some(
                self.share_capacity(spec, event_id, ticket_type_id, now, starts_at)
                    .await?,
            )
        } else {
            None
        };
        if let Some(uses) = spec.code_uses {
            let _: serde_json::Value = self
                .send(
                    "creating the promo code",
                    StatusCode::CREATED,
                    self.organiser_post(&format!("/organiser/events/{event_id}/vouchers"))
                        .header(
                            "Idempotency-Key",
                            format!("flash-sale:{}:code", spec.run_id),
                        )
                        .json(&crate::promo_code::creation_body(uses)),
                )
                .await?;
        }
        let _: serde_json::Value = self
            .send(
                "publishing the event",
                StatusCode::OK,
                self.organiser_post(&format!("/organiser/events/{event_id}/publish")),
            )
            .await?;
        self.wait_until_public(event_id).await?;
        Ok(SaleUnderTest {
            event_id,
            ticket_type_id,
            capacity: spec.capacity,
            shared_with,
            code_uses: spec.code_uses,
        })
    }

    /// Adds a second ticket type of the same capacity and puts both in one capacity pool
    /// of that capacity; answers the second type's id.
    async fn share_capacity(
        &self,
        spec: &SaleSpec,
        event_id: Uuid,
        first: Uuid,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
    ) -> anyhow::Result<Uuid> {
        let mut second_body = ticket_type_body(spec, now, starts_at);
        second_body["name"] = json!("Flash sale (second type)");
        let stocked: EventBody = self
            .send(
                "adding the second ticket type",
                StatusCode::CREATED,
                self.organiser_post(&format!("/organiser/events/{event_id}/ticket-types"))
                    .header(
                        "Idempotency-Key",
                        format!("flash-sale:{}:second-ticket-type", spec.run_id),
                    )
                    .json(&second_body),
            )
            .await?;
        let second = stocked
            .ticket_types
            .iter()
            .map(|ticket_type| ticket_type.id)
            .find(|id| *id != first)
            .context("the event has no second ticket type after adding one")?;
        let _: serde_json::Value = self
            .send(
                "sharing the capacity",
                StatusCode::CREATED,
                self.organiser_post(&format!("/organiser/events/{event_id}/capacity-pools"))
                    .header(
                        "Idempotency-Key",
                        format!("flash-sale:{}:capacity-pool", spec.run_id),
                    )
                    .json(&json!({
                        "name": "Benchmark Arena",
                        "capacity": spec.capacity,
                        "ticket_type_ids": [first, second],
                    })),
            )
            .await?;
        Ok(second)
    }

    fn organiser_post(&self, path: &str) -> RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.session_token)
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        step: &'static str,
        expected: StatusCode,
        request: RequestBuilder,
    ) -> anyhow::Result<T> {
        let response = request.send().await.context(step)?;
        let status = response.status();
        let body = response.bytes().await.context(step)?;
        if status != expected {
            let text = String::from_utf8_lossy(&body);
            return Err(SaleSetupError::Refused {
                step,
                expected,
                status,
                body: text.chars().take(500).collect(),
            }
            .into());
        }
        serde_json::from_slice(&body).with_context(|| format!("{step}: unreadable answer"))
    }

    /// Polls the public detail of the event until the read model has it.
    async fn wait_until_public(&self, event_id: Uuid) -> anyhow::Result<()> {
        let url = format!("{}/events/{event_id}", self.base_url);
        let deadline = tokio::time::Instant::now() + PUBLIC_LISTING_WAIT;
        loop {
            let response = self.client.get(&url).send().await;
            if matches!(&response, Ok(answer) if answer.status() == StatusCode::OK) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SaleSetupError::NotVisible(event_id).into());
            }
            tokio::time::sleep(PUBLIC_LISTING_POLL).await;
        }
    }
}

/// One ticket type whose sale opened a minute ago (so clock skew cannot keep it shut)
/// and closes when the event starts.
fn ticket_type_body(
    spec: &SaleSpec,
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
) -> serde_json::Value {
    json!({
        "name": "Flash sale",
        "price": {"amount_minor": TICKET_PRICE_MINOR, "currency": "EUR"},
        "capacity": spec.capacity,
        "sale_opens_at": now - chrono::Duration::minutes(1),
        "sale_closes_at": starts_at,
        "max_per_order": spec.max_per_order,
    })
}

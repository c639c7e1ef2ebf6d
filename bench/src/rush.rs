//! The rush: every buyer asks for a hold, with a fixed number of requests in flight, and
//! every answer is timed.
//!
//! K worker tasks share one counter of the next buyer, so exactly K requests are in
//! flight until the crowd runs out, whatever the server's speed: a closed-loop load
//! like a queue of buyers pressing "reserve" as soon as a slot frees up. Worker `w` sends
//! its buyers to node `w mod N` on a keep-alive connection of its own ([`wire`]), as a
//! load balancer's pooled connections spread a crowd evenly over N nodes. Buyers with a
//! hold pay as [`Paying`] says.
//!
//! [`wire`]: crate::wire

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use reqwest::Client;
use serde::Serialize;
use tokio::sync::mpsc;
use tracing::{info, instrument};
use uuid::Uuid;

use crate::attempt::{classify_response, Attempt, Outcome};
use crate::buyers::Buyer;
use crate::payers::{buyer_email, HoldToPay, Payers, Paying};
use crate::payment::{pay_for_hold, HeldReservation};
use crate::promo_code;
use crate::sale_setup::SaleUnderTest;
use crate::wire::{Answer, WireConnection};

/// How often progress is logged during the rush.
pub const PROGRESS_INTERVAL: Duration = Duration::from_secs(5);
/// How long a new connection may take before the request counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of a reservation request.
#[derive(Serialize)]
struct ReserveRequest {
    lines: [ReserveLine; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    if_code_used_up: Option<&'static str>,
}

#[derive(Serialize)]
struct ReserveLine {
    ticket_type_id: Uuid,
    quantity: u16,
}

/// Every answer of the rush.
#[derive(Debug, Clone)]
pub struct RushResult {
    /// When the rush started (wall clock).
    pub started_at: DateTime<Utc>,
    /// From the start to the last answer.
    pub wall_time: Duration,
    /// One per buyer, in no particular order.
    pub attempts: Vec<Attempt>,
}

/// The one HTTP client of the run: a connection per worker kept alive, no proxy, and a
/// deadline on every request so that a stuck server shows as timeouts, not as a hang.
/// Redirects are not followed: the Pay button's 303 is the answer, not the web page it
/// points to.
pub fn http_client(concurrency: usize, request_timeout: Duration) -> anyhow::Result<Client> {
    Client::builder()
        .pool_max_idle_per_host(concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(request_timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        .no_proxy()
        .build()
        .context("building the HTTP client")
}

/// Tallies shared by the workers, read only by the progress log.
#[derive(Default)]
struct Tally {
    next_buyer: AtomicUsize,
    accepted: AtomicUsize,
    sold_out: AtomicUsize,
    failed: AtomicUsize,
}

/// The K lines of buyers: a node each, spread evenly over the nodes, and a connection
/// of its own to it.
pub struct Lines {
    lines: Vec<(Node, WireConnection)>,
}

impl Lines {
    /// `concurrency` lines to `sale` over `nodes`, line `w` to node `w mod N`, each
    /// request allowed `request_timeout`, connecting included. Nothing is opened yet:
    /// each line connects with its first request, as a crowd arriving at once does.
    pub fn to(
        nodes: &[String],
        sale: &SaleUnderTest,
        concurrency: usize,
        request_timeout: Duration,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(!nodes.is_empty(), "no node to rush");
        let nodes: Vec<Node> = nodes
            .iter()
            .map(|base_url| Node {
                base_url: base_url.trim_end_matches('/').to_owned(),
                reservations: format!("/events/{}/reservations", sale.event_id),
            })
            .collect();
        let lines = (0..concurrency.max(1))
            .map(|line| {
                let node = nodes[line % nodes.len()].clone();
                let connection = WireConnection::to(&node.base_url, request_timeout)?;
                Ok((node, connection))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { lines })
    }

    /// Opens every line's connection now, all at once, as a load balancer's pooled
    /// connections would be open before a rush.
    pub async fn open(self) -> anyhow::Result<Self> {
        let opening: Vec<_> = self
            .lines
            .into_iter()
            .map(|(node, mut connection)| {
                tokio::spawn(async move {
                    let opened = connection.open().await;
                    (node, connection, opened)
                })
            })
            .collect();
        let mut lines = Vec::with_capacity(opening.len());
        for line in opening {
            let (node, connection, opened) = line.await.context("opening a connection panicked")?;
            opened.with_context(|| format!("opening a connection to {}", node.base_url))?;
            lines.push((node, connection));
        }
        Ok(Self { lines })
    }

    /// How many lines (K).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Never: there is at least one line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Sends every buyer's reservation to `sale`, one line of `lines` per request in
/// flight. A buyer who gets a hold checks out and pays for it on the same node as
/// `paying` says (through `client`), so payments flow while the rush goes on; the rush
/// ends with the last payment.
#[instrument(skip_all, fields(event_id = %sale.event_id, buyers = buyers.len(), lines = lines.len(), ?paying))]
pub async fn rush(
    client: &Client,
    lines: Lines,
    sale: SaleUnderTest,
    buyers: Vec<Buyer>,
    paying: Paying,
) -> anyhow::Result<RushResult> {
    let buyers: Arc<[Buyer]> = buyers.into();
    let tally = Arc::new(Tally::default());
    let started_at = Utc::now();
    let start = Instant::now();
    let payers = paying
        .payers()
        .map(|count| Payers::start(client, count, start));
    let workers: Vec<_> = lines
        .lines
        .into_iter()
        .map(|(node, connection)| {
            let worker = Worker {
                client: client.clone(),
                node,
                connection,
                body: Vec::with_capacity(128),
                pays: match (&payers, paying) {
                    (Some(payers), _) => Pays::HandOver(payers.handle()),
                    (None, Paying::InTurn) => Pays::InTurn,
                    (None, _) => Pays::No,
                },
                sale,
                buyers: Arc::clone(&buyers),
                tally: Arc::clone(&tally),
                start,
            };
            tokio::spawn(worker.run())
        })
        .collect();
    let progress = tokio::spawn(log_progress(Arc::clone(&tally), buyers.len()));
    let mut attempts = Vec::with_capacity(buyers.len());
    for worker in workers {
        attempts.extend(worker.await.context("a rush worker panicked")?);
    }
    if let Some(payers) = payers {
        let mut payments = payers.finish().await?;
        for attempt in &mut attempts {
            attempt.payment = payments.remove(&attempt.buyer);
        }
    }
    let wall_time = start.elapsed();
    progress.abort();
    Ok(RushResult {
        started_at,
        wall_time,
        attempts,
    })
}

async fn log_progress(tally: Arc<Tally>, buyers: usize) {
    let mut ticks = tokio::time::interval(PROGRESS_INTERVAL);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let accepted = tally.accepted.load(Ordering::Relaxed);
        let sold_out = tally.sold_out.load(Ordering::Relaxed);
        let failed = tally.failed.load(Ordering::Relaxed);
        info!(
            answered = accepted + sold_out + failed,
            buyers, accepted, sold_out, failed, "rush in progress"
        );
    }
}

/// A server under test.
#[derive(Clone)]
struct Node {
    base_url: String,
    /// The path of the sale's reservations.
    reservations: String,
}

/// What a worker does with a hold it got.
enum Pays {
    /// Nothing: holds only.
    No,
    /// Checks out and pays for it before taking the next buyer.
    InTurn,
    /// Hands it to the payers and takes the next buyer.
    HandOver(mpsc::UnboundedSender<HoldToPay>),
}

/// One of the K request loops.
struct Worker {
    client: Client,
    node: Node,
    connection: WireConnection,
    /// The request body, written again for each buyer.
    body: Vec<u8>,
    pays: Pays,
    sale: SaleUnderTest,
    buyers: Arc<[Buyer]>,
    tally: Arc<Tally>,
    start: Instant,
}

impl Worker {
    /// The reservation request of `buyer`, with the sale's promo code if it has one
    /// (held without it if it is used up): the status and the whole body (a buyer has no
    /// answer before reading it all).
    async fn ask(&mut self, buyer: &Buyer) -> Result<Answer, crate::wire::WireError> {
        let code = self.sale.code_uses.map(|_| promo_code::CODE);
        let request = ReserveRequest {
            lines: [ReserveLine {
                ticket_type_id: self.sale.ticket_type_for(buyer.index),
                quantity: buyer.quantity,
            }],
            code,
            if_code_used_up: code.map(|_| promo_code::IF_USED_UP),
        };
        self.body.clear();
        // Writing a derived `Serialize` of ids and numbers into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.body, &request);
        self.connection
            .post_json(
                &self.node.reservations,
                buyer.idempotency_key.as_str(),
                &self.body,
            )
            .await
    }

    async fn run(mut self) -> Vec<Attempt> {
        let mut attempts = Vec::new();
        let buyers = Arc::clone(&self.buyers);
        loop {
            let index = self.tally.next_buyer.fetch_add(1, Ordering::Relaxed);
            let Some(buyer) = buyers.get(index) else {
                return attempts;
            };
            let attempt = self.reserve(buyer).await;
            let counter = match attempt.outcome {
                Outcome::Accepted => &self.tally.accepted,
                Outcome::SoldOut => &self.tally.sold_out,
                Outcome::Failed(_) => &self.tally.failed,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            attempts.push(attempt);
        }
    }

    async fn reserve(&mut self, buyer: &Buyer) -> Attempt {
        let sent = Instant::now();
        let answer = self.ask(buyer).await;
        let (outcome, hold) = match answer {
            Ok(Answer { status, body }) => (
                classify_response(status, &body),
                HeldReservation::from_body(&body),
            ),
            Err(error) => (Outcome::Failed(error.label().to_owned()), None),
        };
        let node = &self.node;
        let latency = sent.elapsed();
        let payment = match (&self.pays, &outcome, hold) {
            (Pays::InTurn, Outcome::Accepted, Some(hold)) => {
                let email = buyer_email(buyer.index);
                Some(pay_for_hold(&self.client, &node.base_url, &hold, &email, self.start).await)
            }
            (Pays::HandOver(payers), Outcome::Accepted, Some(hold)) => {
                // The payers outlive every worker, so the hand-over cannot fail.
                let _ = payers.send(HoldToPay {
                    buyer: buyer.index,
                    base_url: node.base_url.clone(),
                    hold,
                });
                None
            }
            _ => None,
        };
        Attempt {
            buyer: buyer.index,
            quantity: buyer.quantity,
            sent_at: sent.duration_since(self.start),
            latency,
            outcome,
            payment,
        }
    }
}

//! The fault suite: two real `carneau serve` nodes on a PostgreSQL cluster and a Redis
//! server of the test's own, a short rush of buyers who hold, check out and pay, and one
//! fault injected part way through: a node killed with SIGKILL, Redis flushed, Redis
//! stopped for ten seconds, PostgreSQL restarted, PostgreSQL stopped for fifteen seconds,
//! Stripe's webhooks duplicated and reordered. After each, from the log: nothing
//! oversold, every acknowledged hold there, every paid order fulfilled once, no ticket
//! issued twice; and no request was ever answered 500 (503 with `Retry-After` is the
//! answer during an outage).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::faults::invariants::{assert_invariants, OrderAudit};
use crate::support::faults::paid_rush::{
    start_rush, Deliveries, RunningRush, RushOutcome, RushPlan,
};
use crate::support::faults::FaultCluster;
use crate::support::reservations::http::OnSale;

/// Tickets on sale: the two waves ask for about two and a half times as many.
const CAPACITY: u32 = 60;
/// Most tickets a buyer asks for.
const MAX_TICKETS: u32 = 4;
/// Buyers of the wave the fault hits: not enough to sell out.
const FIRST_WAVE: usize = 16;
/// Buyers once the fault is over: they sell the rest out.
const SECOND_WAVE: usize = 40;
/// Buyers served at once.
const IN_FLIGHT: usize = 12;
/// The fault comes once this many holds were acknowledged: early in the first wave, with
/// most of its buyers still to come.
const FAULT_AFTER_HOLDS: usize = 5;
/// How long Redis stays down.
const REDIS_OUTAGE: Duration = Duration::from_secs(10);
/// How long PostgreSQL stays down.
const POSTGRES_OUTAGE: Duration = Duration::from_secs(15);

/// A sale on a fault cluster: its first wave of buyers starts at once; the fault comes
/// during it, the second wave after.
struct Sale {
    cluster: FaultCluster,
    event: OnSale,
    deliveries: Deliveries,
}

impl Sale {
    /// A cluster, an event on sale and its first wave under way.
    async fn start(name: &str, deliveries: Deliveries) -> (Self, RunningRush) {
        let cluster = FaultCluster::start(name).await;
        let event = cluster.event(CAPACITY, MAX_TICKETS).await;
        let sale = Self {
            cluster,
            event,
            deliveries,
        };
        let first = sale.wave(FIRST_WAVE, 0x000f_a017);
        (sale, first)
    }

    fn wave(&self, buyers: usize, seed: u64) -> RunningRush {
        let plan = RushPlan {
            buyers,
            in_flight: IN_FLIGHT,
            max_tickets: MAX_TICKETS,
            deliveries: self.deliveries,
        };
        start_rush(
            self.cluster.targets(),
            self.cluster.stripe.clone(),
            self.event,
            plan,
            seed,
        )
    }

    /// Once the fault is over: the first wave's end, then the second wave, which sells
    /// the event out; asserts the invariants over both and that the fault came while
    /// the first wave still ran.
    async fn finish(
        &self,
        label: &str,
        first: RunningRush,
        fault_mid_rush: bool,
    ) -> (RushOutcome, OrderAudit) {
        let mut outcome = first.finish().await;
        assert!(
            fault_mid_rush,
            "{label}: the first wave ended before the fault"
        );
        outcome.absorb(self.wave(SECOND_WAVE, 0x000f_a018).finish().await);
        let (inventory, orders) =
            assert_invariants(label, &self.cluster.pool, self.event, &outcome).await;
        // Past the fault, the sale went on: every ticket sold, to a paid order.
        assert_eq!(
            inventory.sold_tickets(),
            CAPACITY,
            "{label}: not sold out after the fault: {:?} (logs {:?})",
            outcome.tally(),
            self.cluster.logs()
        );
        (outcome, orders)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_rush_loses_nothing_and_sells_nothing_twice() {
    let (mut sale, first) = Sale::start("kill", Deliveries::Once).await;
    first.after_holds(FAULT_AFTER_HOLDS).await;
    sale.cluster.nodes[0].kill();
    let mid_rush = !first.is_finished();
    let (outcome, _) = sale.finish("kill -9", first, mid_rush).await;
    assert!(
        outcome.answers.iter().any(|answer| answer.status.is_none()),
        "no request met the dead node: {:?}",
        outcome.tally()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_flushed_mid_rush_loses_nothing_and_sells_nothing_twice() {
    let (sale, first) = Sale::start("flushall", Deliveries::Once).await;
    first.after_holds(FAULT_AFTER_HOLDS).await;
    tokio::task::block_in_place(|| sale.cluster.redis.flush_all()).unwrap();
    let mid_rush = !first.is_finished();
    sale.finish("FLUSHALL", first, mid_rush).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_for_ten_seconds_loses_nothing_and_sells_nothing_twice() {
    let (mut sale, first) = Sale::start("redis-down", Deliveries::Once).await;
    first.after_holds(FAULT_AFTER_HOLDS).await;
    sale.cluster.redis.stop();
    let mid_rush = !first.is_finished();
    let holds_at_stop = first.holds.load(Ordering::SeqCst);
    tokio::time::sleep(REDIS_OUTAGE).await;
    // The guard is only a shortcut: holds go on from PostgreSQL while Redis is away.
    let held_without_redis = first.holds.load(Ordering::SeqCst) - holds_at_stop;
    tokio::task::block_in_place(|| sale.cluster.redis.start_again()).unwrap();
    sale.finish("Redis stopped", first, mid_rush).await;
    assert!(held_without_redis > 0, "no hold while Redis was stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_rush_loses_nothing_and_sells_nothing_twice() {
    let (sale, first) = Sale::start("pg-restart", Deliveries::Once).await;
    first.after_holds(FAULT_AFTER_HOLDS).await;
    // What an operator's restart does: sessions ended, back as soon as it is up.
    tokio::task::block_in_place(|| sale.cluster.postgres.stop()).unwrap();
    let mid_rush = !first.is_finished();
    tokio::task::block_in_place(|| sale.cluster.postgres.start_again()).unwrap();
    sale.finish("PostgreSQL restarted", first, mid_rush).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_for_fifteen_seconds_loses_nothing_and_sells_nothing_twice() {
    let (sale, first) = Sale::start("pg-down", Deliveries::Once).await;
    first.after_holds(FAULT_AFTER_HOLDS).await;
    let stopped = Instant::now();
    tokio::task::block_in_place(|| sale.cluster.postgres.stop()).unwrap();
    let mid_rush = !first.is_finished();
    tokio::time::sleep(POSTGRES_OUTAGE.saturating_sub(stopped.elapsed())).await;
    tokio::task::block_in_place(|| sale.cluster.postgres.start_again()).unwrap();
    let (outcome, _) = sale.finish("PostgreSQL stopped", first, mid_rush).await;
    // The buyers met the outage, and were told to come back.
    assert!(
        outcome
            .answers
            .iter()
            .any(|answer| answer.status == Some(StatusCode::SERVICE_UNAVAILABLE)),
        "no 503 during the outage: {:?}",
        outcome.tally()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_duplicated_and_reordered_fulfil_every_order_once() {
    let (sale, first) = Sale::start("webhooks", Deliveries::DuplicatedAndReordered).await;
    let (outcome, orders) = sale.finish("webhooks duplicated", first, true).await;
    assert_eq!(orders.paid.len(), outcome.paid.len());
    // Both kinds of payment went through: card (index even) and bank debit (odd).
    assert!(outcome.paid.len() >= 2);
}

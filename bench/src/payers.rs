//! How buyers with a hold pay during the rush: in turn, on the connection that reserved
//! (the closed loop the benchmark has always run), or apart, on payers' connections of their own
//! while the reserving connections take the next buyers.
//!
//! In a real sale a buyer who got a hold goes on to the checkout page while the people
//! behind them keep pressing "reserve": paying does not hold up arrivals. In turn, each
//! of the K reserving connections spends a hold's, a checkout's and a payment's latency
//! per ticket bought, so the arrival of holds is bounded by the load generator (K over
//! the three latencies), not by the server.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reqwest::Client;
use tokio::sync::{mpsc, Mutex};
use tokio::task::JoinHandle;

use crate::payment::{pay_for_hold, HeldReservation, PaymentAttempt};

/// How buyers with a hold pay during the rush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paying {
    /// They do not: holds only.
    No,
    /// The connection that got the hold checks out and pays before taking its next buyer.
    InTurn,
    /// The hold goes to this many payers of their own; the connection that got it takes
    /// its next buyer at once.
    Apart(usize),
}

impl Paying {
    /// From `--pay` and `--payers` (none pays in turn, as the benchmark always has).
    pub fn from_args(pay: bool, payers: Option<usize>) -> Self {
        match (pay, payers) {
            (false, _) => Self::No,
            (true, None) => Self::InTurn,
            (true, Some(payers)) => Self::Apart(payers),
        }
    }

    /// How many payers work apart from the reserving connections, if any do.
    pub fn payers(self) -> Option<usize> {
        match self {
            Self::Apart(payers) => Some(payers),
            Self::No | Self::InTurn => None,
        }
    }

    /// Connections the run may hold open at once: the reserving ones and the payers'.
    pub fn connections(self, concurrency: usize) -> usize {
        concurrency + self.payers().unwrap_or(0)
    }
}

/// A hold to pay for: whose, where, and the hold itself.
pub struct HoldToPay {
    /// The buyer's position in the crowd.
    pub buyer: usize,
    /// The base URL of the node that placed the hold (the buyer pays on the same node).
    pub base_url: String,
    /// The hold.
    pub hold: HeldReservation,
}

/// Payers working through the holds handed to them, each paying one at a time.
pub struct Payers {
    holds: mpsc::UnboundedSender<HoldToPay>,
    tasks: Vec<JoinHandle<Vec<(usize, PaymentAttempt)>>>,
}

impl Payers {
    /// Starts `count` payers (at least one); `start` is the rush's start.
    pub fn start(client: &Client, count: usize, start: Instant) -> Self {
        let (holds, queue) = mpsc::unbounded_channel::<HoldToPay>();
        let queue = Arc::new(Mutex::new(queue));
        let tasks = (0..count.max(1))
            .map(|_| {
                let (client, queue) = (client.clone(), Arc::clone(&queue));
                tokio::spawn(async move {
                    let mut paid = Vec::new();
                    loop {
                        // The lock is held only while waiting for the next hold.
                        let next = queue.lock().await.recv().await;
                        let Some(to_pay) = next else {
                            return paid;
                        };
                        let email = buyer_email(to_pay.buyer);
                        let payment =
                            pay_for_hold(&client, &to_pay.base_url, &to_pay.hold, &email, start)
                                .await;
                        paid.push((to_pay.buyer, payment));
                    }
                })
            })
            .collect();
        Self { holds, tasks }
    }

    /// Where the reserving connections hand their holds.
    pub fn handle(&self) -> mpsc::UnboundedSender<HoldToPay> {
        self.holds.clone()
    }

    /// Once every hold has been handed over (every handle dropped): each buyer's payment.
    pub async fn finish(self) -> anyhow::Result<HashMap<usize, PaymentAttempt>> {
        drop(self.holds);
        let mut payments = HashMap::new();
        for task in self.tasks {
            payments.extend(task.await.context("a payer panicked")?);
        }
        Ok(payments)
    }
}

/// The e-mail address buyer `index` checks out with.
pub fn buyer_email(index: usize) -> String {
    format!("buyer-{index}@bench.carneau.test")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buyers_pay_in_turn_unless_payers_are_named() {
        assert_eq!(Paying::from_args(false, Some(8)), Paying::No);
        assert_eq!(Paying::from_args(true, None), Paying::InTurn);
        assert_eq!(Paying::from_args(true, Some(50)), Paying::Apart(50));
        assert_eq!(Paying::Apart(50).connections(500), 550);
        assert_eq!(Paying::InTurn.connections(500), 500);
    }
}

//! The invariant under random traffic: random batches of random requests, releases,
//! sweeps, sales (on time and late) and refunds at random instants, checking after every
//! applied decision that no ticket type is oversold and that `held` is exactly the sum of
//! the unexpired active holds.

mod oracle;
mod traffic;

use chrono::Duration;
use cqrs_es::Aggregate;

use super::fixtures::*;
use crate::ids::{OrderId, ReservationId};
use crate::inventory::{HoldLine, HoldRequest, Inventory, InventoryEvent};
use oracle::{assert_invariant, assert_outcomes_match};
use traffic::{random_request, stadium, Prng};

const ROUNDS_PER_SEED: usize = 1_500;
const SEEDS: [u64; 3] = [1, 0xC0FFEE, 0xDEAD_BEEF_2030];

#[derive(Default)]
struct Tally {
    held: usize,
    already_held: usize,
    sold_out: usize,
    reused: usize,
    released: usize,
    expired: usize,
    sold: usize,
    sold_late: usize,
    refused_late: usize,
    returned: usize,
}

fn run(seed: u64) -> Tally {
    let mut prng = Prng(seed);
    let event = stadium();
    let mut inventory = Inventory::default();
    let mut history: Vec<InventoryEvent> = Vec::new();
    let mut sent: Vec<HoldRequest> = Vec::new();
    let mut fresh: u128 = 0;
    let mut tally = Tally::default();
    let mut now = super::fixtures::now();
    // Sales so far: the order, what it bought, and how many refunds it has had.
    let mut sales: Vec<(OrderId, Vec<HoldLine>, u32)> = Vec::new();

    for _ in 0..ROUNDS_PER_SEED {
        let step = if prng.chance(5) {
            prng.between(900, 2_400)
        } else {
            prng.between(0, 120)
        };
        now += Duration::seconds(step as i64);
        // Before anything is recorded at the new instant: lapsed holds must already be gone.
        assert_invariant(&inventory, &event, now);

        let events = match prng.between(0, 9) {
            0 if !sent.is_empty() => {
                // Mostly a hold that may still be active, sometimes any id ever sent.
                let active: Vec<ReservationId> =
                    inventory.active_holds().map(|(id, _)| id).collect();
                let id = if !active.is_empty() && prng.chance(70) {
                    prng.pick(&active)
                } else {
                    sent[prng.next() as usize % sent.len()].reservation_id
                };
                match inventory.release_hold(id, now) {
                    Ok(events) => {
                        tally.released += 1;
                        events
                    }
                    Err(_) => vec![],
                }
            }
            2 if !sent.is_empty() => {
                // A payment for a hold that may be active, lapsed, ended or already sold.
                let active: Vec<ReservationId> =
                    inventory.active_holds().map(|(id, _)| id).collect();
                let id = if !active.is_empty() && prng.chance(60) {
                    prng.pick(&active)
                } else {
                    sent[prng.next() as usize % sent.len()].reservation_id
                };
                let lines = match inventory.hold(id) {
                    Some(hold) => hold.lines().to_vec(),
                    None => sent
                        .iter()
                        .rev()
                        .find(|request| request.reservation_id == id)
                        .map(|request| request.lines.clone())
                        .unwrap_or_default(),
                };
                let known = lines
                    .iter()
                    .all(|line| event.ticket_type(line.ticket_type_id).is_some());
                if lines.is_empty() || !known {
                    vec![]
                } else {
                    let order_id = OrderId::for_reservation(id);
                    match inventory.sell_hold(&event, id, order_id, &lines, None, now) {
                        Ok(events) => {
                            for fact in &events {
                                if let InventoryEvent::HoldSold { late, .. } = fact {
                                    tally.sold += 1;
                                    tally.sold_late += usize::from(*late);
                                    sales.push((order_id, lines.clone(), 0));
                                }
                            }
                            events
                        }
                        Err(_) => {
                            tally.refused_late += 1;
                            vec![]
                        }
                    }
                }
            }
            3 if !sales.is_empty() => {
                // A refund of one line of a sale (a sale is refunded at most once per line).
                let index = prng.next() as usize % sales.len();
                let (order_id, lines, refunds) = &mut sales[index];
                match lines.pop() {
                    Some(line) => {
                        *refunds += 1;
                        let events =
                            inventory.return_tickets(*order_id, *refunds, &[line], None, now);
                        tally.returned += events.len();
                        events
                    }
                    None => vec![],
                }
            }
            1 => {
                let events = inventory.expire_holds(now);
                tally.expired += events.len();
                events
            }
            _ => {
                let count = prng.between(0, 12) as usize;
                let requests: Vec<HoldRequest> = (0..count)
                    .map(|_| random_request(&mut prng, &sent, &mut fresh, now))
                    .collect();
                let decision = inventory.decide_holds(&event, &requests, now);
                assert_outcomes_match(&inventory, &event, now, &requests, &decision, &mut tally);
                sent.extend(requests);
                decision.events
            }
        };
        for fact in events {
            history.push(fact.clone());
            inventory.apply(fact);
        }
        assert_invariant(&inventory, &event, now);
        let later = now + Duration::seconds(prng.between(1, 1_500) as i64);
        assert_invariant(&inventory, &event, later);
    }

    assert_eq!(
        inventory_after(history),
        inventory,
        "replay must rebuild the same state"
    );
    tally
}

#[test]
fn random_batches_never_oversell_and_held_matches_the_active_holds() {
    for seed in SEEDS {
        let tally = run(seed);
        // A run that never sold out or retried would prove nothing.
        assert!(tally.held > 100, "seed {seed}: {} held", tally.held);
        assert!(
            tally.sold_out > 100,
            "seed {seed}: {} sold out",
            tally.sold_out
        );
        assert!(tally.already_held > 0, "seed {seed}: no retry");
        assert!(tally.reused > 0, "seed {seed}: no reuse");
        assert!(tally.released > 0, "seed {seed}: no release");
        assert!(tally.expired > 0, "seed {seed}: no sweep");
        assert!(tally.sold > 0, "seed {seed}: no sale");
        assert!(tally.sold_late > 0, "seed {seed}: no late sale");
        assert!(
            tally.refused_late > 0,
            "seed {seed}: no refused late payment"
        );
        assert!(tally.returned > 0, "seed {seed}: no refund");
    }
}

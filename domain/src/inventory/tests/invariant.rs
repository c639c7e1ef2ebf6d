//! The invariant under random traffic: random batches of random requests, releases,
//! sweeps, sales (on time and late) and refunds at random instants, checking after every applied decision that no ticket type is
//! oversold and that `held` is exactly the sum of the unexpired active holds.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use cqrs_es::Aggregate;
use uuid::Uuid;

use super::fixtures::*;
use crate::event::Event;
use crate::ids::{OrderId, ReservationId, TicketTypeId};
use crate::inventory::{
    HoldDecision, HoldLine, HoldOutcome, HoldRefusal, HoldRequest, Inventory, InventoryEvent,
    Quantity,
};

const ROUNDS_PER_SEED: usize = 1_500;
const SEEDS: [u64; 3] = [1, 0xC0FFEE, 0xDEAD_BEEF_2030];

/// SplitMix64: tiny, deterministic and good enough to vary traffic; no crate needed.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }
}

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

fn types() -> Vec<TicketTypeId> {
    (1..=3)
        .map(|n| TicketTypeId::from_uuid(Uuid::from_u128(0x7A0 + n)))
        .collect()
}

fn stadium() -> Event {
    let [small, medium, large] = [0, 1, 2].map(|i| types()[i]);
    event_with(vec![
        ticket_type(small, "Box", 7, 5),
        ticket_type(medium, "Balcony", 25, 10),
        ticket_type(large, "Floor", 60, 20),
    ])
}

/// A fresh request, a retry of an earlier one (same id and lines, new expiry) or an earlier
/// id with new lines.
fn random_request(
    prng: &mut Prng,
    sent: &[HoldRequest],
    fresh: &mut u128,
    now: DateTime<Utc>,
) -> HoldRequest {
    let lifetime_seconds = if prng.chance(3) {
        0
    } else {
        prng.between(60, 1_200)
    };
    let expires_at = now + Duration::seconds(lifetime_seconds as i64);
    if !sent.is_empty() && prng.chance(15) {
        let earlier = &sent[prng.next() as usize % sent.len()];
        return HoldRequest {
            expires_at,
            ..earlier.clone()
        };
    }
    let reservation_id = if !sent.is_empty() && prng.chance(10) {
        sent[prng.next() as usize % sent.len()].reservation_id
    } else {
        *fresh += 1;
        ReservationId::from_uuid(Uuid::from_u128(*fresh))
    };
    let mut pool = types();
    if prng.chance(3) {
        pool.push(TicketTypeId::from_uuid(Uuid::from_u128(0x7FF)));
    }
    let line_count = if prng.chance(3) {
        0
    } else {
        prng.between(1, 3)
    };
    let lines = (0..line_count)
        .map(|_| HoldLine {
            ticket_type_id: prng.pick(&pool),
            quantity: Quantity::parse(prng.between(1, 12) as u32).unwrap(),
        })
        .collect();
    let lifetime_seconds = if prng.chance(3) {
        0
    } else {
        prng.between(60, 1_200)
    };
    HoldRequest {
        reservation_id,
        lines,
        expires_at: now + Duration::seconds(lifetime_seconds as i64),
    }
}

/// Tickets of `ticket_type_id` in the holds of `inventory` that have not lapsed at `at`,
/// counted from the holds themselves: the oracle `held` must agree with.
fn counted(inventory: &Inventory, ticket_type_id: TicketTypeId, at: DateTime<Utc>) -> u32 {
    inventory
        .active_holds()
        .filter(|(_, hold)| !hold.is_lapsed(at))
        .flat_map(|(_, hold)| hold.lines())
        .filter(|line| line.ticket_type_id == ticket_type_id)
        .map(|line| line.quantity.get())
        .sum()
}

/// The rule, checked at `at`: never oversold, and `held` agrees with the holds themselves.
fn assert_invariant(inventory: &Inventory, event: &Event, at: DateTime<Utc>) {
    for ticket_type in event.ticket_types() {
        let id = ticket_type.id;
        let held = inventory.held(id, at);
        assert_eq!(held, counted(inventory, id, at), "held of {id} at {at}");
        assert!(
            inventory.sold(id) + held <= ticket_type.capacity.get(),
            "{id} oversold at {at}: {held} held of {}",
            ticket_type.capacity.get()
        );
        assert_eq!(
            inventory.available(event, id, at),
            ticket_type.capacity.get() - inventory.sold(id) - held
        );
    }
}

/// Checks each outcome of a batch decided at `now` on `before`: held requests are exactly
/// the placed holds and fit in what was left, and a sold-out refusal reports exactly what
/// was left (so the batch neither oversells nor turns buyers away needlessly).
fn assert_outcomes_match(
    before: &Inventory,
    event: &Event,
    now: DateTime<Utc>,
    requests: &[HoldRequest],
    decision: &HoldDecision,
    tally: &mut Tally,
) {
    let placed: Vec<ReservationId> = decision
        .events
        .iter()
        .flat_map(|fact| match fact {
            InventoryEvent::HoldsPlaced { holds } => {
                holds.iter().map(|hold| hold.reservation_id).collect()
            }
            _ => vec![],
        })
        .collect();
    let mut accepted: BTreeMap<TicketTypeId, u32> = BTreeMap::new();
    let left = |accepted: &BTreeMap<TicketTypeId, u32>, id: TicketTypeId| {
        let capacity = event
            .ticket_type(id)
            .map_or(0, |ticket_type| ticket_type.capacity.get());
        capacity
            - before.sold(id)
            - counted(before, id, now)
            - accepted.get(&id).copied().unwrap_or(0)
    };
    let mut newly_held = Vec::new();
    for (request, outcome) in requests.iter().zip(&decision.outcomes) {
        match outcome {
            HoldOutcome::Held { expires_at } => {
                assert_eq!(*expires_at, request.expires_at);
                for line in &request.lines {
                    assert!(line.quantity.get() <= left(&accepted, line.ticket_type_id));
                }
                if request.expires_at > now {
                    for line in &request.lines {
                        *accepted.entry(line.ticket_type_id).or_insert(0) += line.quantity.get();
                    }
                }
                newly_held.push(request.reservation_id);
                tally.held += 1;
            }
            HoldOutcome::AlreadyHeld { .. } => tally.already_held += 1,
            HoldOutcome::Refused(HoldRefusal::SoldOut {
                ticket_type_id,
                available,
            }) => {
                assert_eq!(*available, left(&accepted, *ticket_type_id));
                let asked = request
                    .lines
                    .iter()
                    .find(|line| line.ticket_type_id == *ticket_type_id)
                    .unwrap();
                assert!(asked.quantity.get() > *available);
                tally.sold_out += 1;
            }
            HoldOutcome::Refused(HoldRefusal::ReservationIdReused) => tally.reused += 1,
            HoldOutcome::Refused(_) => {}
        }
    }
    assert_eq!(newly_held, placed);
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
                    match inventory.sell_hold(&event, id, order_id, &lines, now) {
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
                        let events = inventory.return_tickets(*order_id, *refunds, &[line], now);
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

//! Random traffic for the invariant test: a deterministic generator, the event it
//! sells, and requests that are fresh, retried or reuse an earlier id.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::super::fixtures::*;
use crate::event::Event;
use crate::ids::{ReservationId, TicketTypeId};
use crate::inventory::{HoldLine, HoldRequest, Quantity};

/// SplitMix64: tiny, deterministic and good enough to vary traffic; no crate needed.
pub(super) struct Prng(pub(super) u64);

impl Prng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub(super) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }
}

pub(super) fn types() -> Vec<TicketTypeId> {
    (1..=3)
        .map(|n| TicketTypeId::from_uuid(Uuid::from_u128(0x7A0 + n)))
        .collect()
}

pub(super) fn stadium() -> Event {
    let [small, medium, large] = [0, 1, 2].map(|i| types()[i]);
    event_with(vec![
        ticket_type(small, "Box", 7, 5),
        ticket_type(medium, "Balcony", 25, 10),
        ticket_type(large, "Floor", 60, 20),
    ])
}

/// A fresh request, a retry of an earlier one (same id and lines, new expiry) or an earlier
/// id with new lines.
pub(super) fn random_request(
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
        code: None,
        if_code_used_up: Default::default(),
    }
}

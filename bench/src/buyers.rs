//! Who rushes the sale and how many tickets each asks for, drawn from a seed so that two
//! runs (say, the batched and the direct mode) face exactly the same crowd.

use uuid::Uuid;

/// A deterministic pseudo-random source (SplitMix64). Written out here rather than taken
/// from a crate because its sequence must stay the same across machines and releases of
/// the tool, which general-purpose generators do not promise.
#[derive(Debug, Clone)]
pub struct SeededDraw {
    state: u64,
}

impl SeededDraw {
    /// A source whose sequence depends only on `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0). Multiply-and-shift keeps the bias below
    /// `bound / 2^64`, invisible for the handful of quantities drawn here.
    pub fn below(&mut self, bound: u64) -> u64 {
        let wide = u128::from(self.next_u64()) * u128::from(bound.max(1));
        // The high half of a 64x64-bit product always fits in 64 bits.
        u64::try_from(wide >> 64).unwrap_or(0)
    }
}

/// One buyer of the rush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// Position in the crowd, from 0.
    pub index: usize,
    /// Sent as `Idempotency-Key`: unique per buyer and per run, so a buyer of an earlier
    /// run against the same server is never mistaken for a retry.
    pub idempotency_key: String,
    /// Tickets asked for, in `1..=max_tickets`.
    pub quantity: u16,
}

/// The crowd of a run: `count` buyers, each asking for 1 to `max_tickets` tickets
/// (uniformly, from `seed`), keyed under `run_id`.
pub fn draw_buyers(count: usize, max_tickets: u16, seed: u64, run_id: Uuid) -> Vec<Buyer> {
    let mut draw = SeededDraw::new(seed);
    let choices = u64::from(max_tickets.max(1));
    (0..count)
        .map(|index| {
            // `below(choices)` < `choices` <= u16::MAX, so the conversion cannot fail.
            let extra = u16::try_from(draw.below(choices)).unwrap_or(0);
            Buyer {
                index,
                idempotency_key: format!("flash-sale:{run_id}:{index}"),
                quantity: 1 + extra,
            }
        })
        .collect()
}

/// The tickets the whole crowd asks for: the demand that meets the capacity.
pub fn tickets_requested(buyers: &[Buyer]) -> u64 {
    buyers.iter().map(|buyer| u64::from(buyer.quantity)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_crowd() {
        let run = Uuid::nil();
        let first: Vec<u16> = draw_buyers(1_000, 4, 7, run)
            .iter()
            .map(|b| b.quantity)
            .collect();
        let second: Vec<u16> = draw_buyers(1_000, 4, 7, run)
            .iter()
            .map(|b| b.quantity)
            .collect();
        let other: Vec<u16> = draw_buyers(1_000, 4, 8, run)
            .iter()
            .map(|b| b.quantity)
            .collect();
        assert_eq!(first, second);
        assert_ne!(first, other);
    }

    #[test]
    fn quantities_cover_one_to_max_evenly() {
        let buyers = draw_buyers(40_000, 4, 42, Uuid::nil());
        let mut seen = [0usize; 5];
        for buyer in &buyers {
            seen[usize::from(buyer.quantity)] += 1;
        }
        assert_eq!(seen[0], 0);
        for count in &seen[1..] {
            assert!((9_000..11_000).contains(count), "uneven draw: {seen:?}");
        }
        let average = tickets_requested(&buyers) as f64 / buyers.len() as f64;
        assert!((2.45..2.55).contains(&average), "average {average}");
    }

    #[test]
    fn every_buyer_has_a_distinct_key() {
        let buyers = draw_buyers(500, 1, 1, Uuid::new_v4());
        let keys: std::collections::HashSet<_> =
            buyers.iter().map(|b| b.idempotency_key.as_str()).collect();
        assert_eq!(keys.len(), 500);
        assert!(buyers.iter().all(|b| b.quantity == 1));
    }
}

//! Exact latency percentiles, from every sample sorted (no histogram buckets, no
//! sampling): the tails are what a flash sale is judged on.

use std::time::Duration;

use serde::Serialize;

/// The latency distribution of one kind of answer, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest sample.
    pub max_ms: f64,
}

/// The nearest-rank percentile of `sorted` (ascending): the smallest sample that at least
/// `percent` % of the samples do not exceed. `None` when there are no samples.
pub fn nearest_rank(sorted: &[Duration], percent: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let wanted = (percent / 100.0 * sorted.len() as f64).ceil();
    // `wanted` is in 0..=len; rank 0 (percent 0) means the first sample.
    let rank = (wanted as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

/// Milliseconds with microsecond precision, for reports.
pub fn millis(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1_000.0
}

/// The distribution of `samples`, or `None` when there are none.
pub fn summarise(mut samples: Vec<Duration>) -> Option<LatencySummary> {
    samples.sort_unstable();
    let at = |percent| nearest_rank(&samples, percent).map(millis);
    Some(LatencySummary {
        count: samples.len(),
        p50_ms: at(50.0)?,
        p95_ms: at(95.0)?,
        p99_ms: at(99.0)?,
        max_ms: samples.last().copied().map(millis)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank_over_all_samples() {
        let summary = summarise(ms((1..=100).rev())).unwrap();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50_ms, 50.0);
        assert_eq!(summary.p95_ms, 95.0);
        assert_eq!(summary.p99_ms, 99.0);
        assert_eq!(summary.max_ms, 100.0);
    }

    #[test]
    fn a_small_sample_reports_its_tail_not_an_interpolation() {
        let summary = summarise(ms([10, 20, 30])).unwrap();
        assert_eq!(summary.p50_ms, 20.0);
        assert_eq!(summary.p95_ms, 30.0);
        assert_eq!(summary.p99_ms, 30.0);
    }

    #[test]
    fn no_samples_no_summary() {
        assert_eq!(summarise(Vec::new()), None);
        assert_eq!(nearest_rank(&[], 50.0), None);
    }

    #[test]
    fn keeps_microseconds() {
        assert_eq!(millis(Duration::from_micros(1_234)), 1.234);
    }
}

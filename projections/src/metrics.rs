//! What the read side counts for operators: lookups of the response cache and trips of its
//! Redis circuit breaker. Counted through the `metrics` facade, a no-op without a
//! recorder; the API installs one and serves `GET /metrics`. How far each projector is
//! behind the log is state, not a count: the API reads it at scrape time
//! ([`crate::runner::log_progress`]).

use ::metrics::{counter, describe_counter, Unit};

use crate::cache::CacheScope;

/// Lookups of the response cache, by `scope` (`listing`, `event`) and `result` (`hit`,
/// `miss`: loaded from PostgreSQL and stored; `unavailable`: Redis failed or is skipped
/// by the breaker, loaded from PostgreSQL).
pub const CACHE_LOOKUPS: &str = "carneau_cache_lookups_total";
/// Times the cache's circuit breaker opened: Redis failed while it was in use.
pub const CACHE_BREAKER_TRIPS: &str = "carneau_cache_breaker_trips_total";

/// What one lookup of the response cache found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CacheLookup {
    Hit,
    Miss,
    Unavailable,
}

/// Gives each metric above its help text, once, when the recorder is installed.
pub fn describe() {
    describe_counter!(
        CACHE_LOOKUPS,
        Unit::Count,
        "Response cache lookups, by scope and result (hit, miss, unavailable)."
    );
    describe_counter!(
        CACHE_BREAKER_TRIPS,
        Unit::Count,
        "Times the cache's Redis circuit breaker opened."
    );
    counter!(CACHE_BREAKER_TRIPS).increment(0);
}

/// Counts one lookup of the response cache.
pub(crate) fn cache_lookup(scope: &CacheScope, lookup: CacheLookup) {
    // The scope's kind, never its id: one series per event would grow without bound.
    // Literal labels make a static key, so that a hit (answered from memory in well
    // under a microsecond) allocates nothing to count itself.
    let counter = match (scope, lookup) {
        (CacheScope::Listing, CacheLookup::Hit) => {
            counter!(CACHE_LOOKUPS, "scope" => "listing", "result" => "hit")
        }
        (CacheScope::Listing, CacheLookup::Miss) => {
            counter!(CACHE_LOOKUPS, "scope" => "listing", "result" => "miss")
        }
        (CacheScope::Listing, CacheLookup::Unavailable) => {
            counter!(CACHE_LOOKUPS, "scope" => "listing", "result" => "unavailable")
        }
        (CacheScope::Event(_), CacheLookup::Hit) => {
            counter!(CACHE_LOOKUPS, "scope" => "event", "result" => "hit")
        }
        (CacheScope::Event(_), CacheLookup::Miss) => {
            counter!(CACHE_LOOKUPS, "scope" => "event", "result" => "miss")
        }
        (CacheScope::Event(_), CacheLookup::Unavailable) => {
            counter!(CACHE_LOOKUPS, "scope" => "event", "result" => "unavailable")
        }
    };
    counter.increment(1);
}

/// Counts one opening of the cache's circuit breaker.
pub(crate) fn breaker_tripped() {
    counter!(CACHE_BREAKER_TRIPS).increment(1);
}

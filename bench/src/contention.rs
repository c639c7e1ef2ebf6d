//! How hard the nodes fought over the event's inventory stream: each node's
//! `carneau_inventory_appends_total` counters, read from its metrics listener
//! (`CARNEAU_METRICS_ADDR`) before and after the rush. A conflict is an append that lost
//! the race to another node and was decided again on the caught-up inventory (a retry);
//! an abandoned batch is one given up after repeated conflicts, its buyers answered 503.

use anyhow::Context;
use reqwest::Client;
use serde::Serialize;

/// The counter the nodes keep (commands/src/metrics.rs).
const INVENTORY_APPENDS: &str = "carneau_inventory_appends_total";

/// One node's inventory appends, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Appends {
    /// Appends that landed.
    pub appended: u64,
    /// Appends that lost the race and were retried.
    pub conflicts: u64,
    /// Batches given up after repeated conflicts.
    pub abandoned: u64,
}

impl Appends {
    /// What happened between `self` and `later`.
    pub fn until(&self, later: &Self) -> Self {
        Self {
            appended: later.appended.saturating_sub(self.appended),
            conflicts: later.conflicts.saturating_sub(self.conflicts),
            abandoned: later.abandoned.saturating_sub(self.abandoned),
        }
    }
}

/// One node's appends during the rush.
#[derive(Debug, Clone, Serialize)]
pub struct NodeContention {
    /// Where its metrics were read.
    pub metrics_url: String,
    /// Its appends during the rush.
    #[serde(flatten)]
    pub appends: Appends,
}

/// Reads a node's inventory append counters.
pub async fn read_appends(client: &Client, metrics_url: &str) -> anyhow::Result<Appends> {
    let text = client
        .get(metrics_url)
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .with_context(|| format!("reading {metrics_url}"))?
        .text()
        .await
        .with_context(|| format!("reading {metrics_url}"))?;
    Ok(parse_appends(&text))
}

/// The append counters in a Prometheus text exposition (absent series count 0).
fn parse_appends(exposition: &str) -> Appends {
    let mut appends = Appends::default();
    for line in exposition.lines() {
        let Some(rest) = line
            .strip_prefix(INVENTORY_APPENDS)
            .filter(|rest| rest.starts_with('{'))
        else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let count = value as u64;
        if labels.contains("outcome=\"appended\"") {
            appends.appended = count;
        } else if labels.contains("outcome=\"conflict\"") {
            appends.conflicts = count;
        } else if labels.contains("outcome=\"abandoned\"") {
            appends.abandoned = count;
        }
    }
    appends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_append_counters_by_outcome() {
        let exposition = "# HELP carneau_inventory_appends_total Appends.\n\
            # TYPE carneau_inventory_appends_total counter\n\
            carneau_inventory_appends_total{outcome=\"appended\"} 70\n\
            carneau_inventory_appends_total{outcome=\"conflict\"} 12\n\
            carneau_inventory_appends_total_other{outcome=\"abandoned\"} 9\n\
            carneau_holds_placed_total 10000\n";
        assert_eq!(
            parse_appends(exposition),
            Appends {
                appended: 70,
                conflicts: 12,
                abandoned: 0
            }
        );
    }

    #[test]
    fn counts_only_what_happened_in_between() {
        let before = Appends {
            appended: 3,
            conflicts: 1,
            abandoned: 0,
        };
        let after = Appends {
            appended: 73,
            conflicts: 13,
            abandoned: 1,
        };
        assert_eq!(
            before.until(&after),
            Appends {
                appended: 70,
                conflicts: 12,
                abandoned: 1
            }
        );
    }
}

//! The read benchmark: a closed loop of K connections asking one path as fast as the
//! server answers, for a fixed time, to compare what a cached read costs with what the
//! cheapest route (`/healthz`) costs on the same server in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::latency::{summarise, LatencySummary};

/// What one path answered during its run.
#[derive(Debug, Clone, Serialize)]
pub struct ReadRun {
    /// The path asked.
    pub path: String,
    /// Answers 200 with a body.
    pub ok: usize,
    /// Other answers and transport errors.
    pub failed: usize,
    /// The run's length, seconds.
    pub window_s: f64,
    /// `ok / window_s`.
    pub per_second: f64,
    /// Latency of the answers 200.
    pub latency: Option<LatencySummary>,
}

/// Asks `base_url` + `path` on `connections` connections for `duration` (after a warm-up
/// of `warm_up`, not counted: connections opened, caches filled).
pub async fn hammer(
    client: &Client,
    base_url: &str,
    path: &str,
    connections: usize,
    warm_up: Duration,
    duration: Duration,
) -> ReadRun {
    let url: Arc<str> = format!("{}{path}", base_url.trim_end_matches('/')).into();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(0usize));
    let start = Instant::now();
    let measure_from = start + warm_up;
    let stop_at = measure_from + duration;
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let (client, url) = (client.clone(), Arc::clone(&url));
            let (samples, failures) = (Arc::clone(&samples), Arc::clone(&failures));
            tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut failed = 0;
                loop {
                    let sent = Instant::now();
                    if sent >= stop_at {
                        break;
                    }
                    let ok = ask(&client, &url).await;
                    if sent < measure_from {
                        continue;
                    }
                    if ok {
                        mine.push(sent.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                samples.lock().await.extend(mine);
                *failures.lock().await += failed;
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let samples = std::mem::take(&mut *samples.lock().await);
    let failed = *failures.lock().await;
    let window_s = duration.as_secs_f64();
    ReadRun {
        path: path.to_owned(),
        ok: samples.len(),
        failed,
        window_s,
        per_second: samples.len() as f64 / window_s,
        latency: summarise(samples),
    }
}

/// One request, its body read whole: `true` for a 200 with a body.
async fn ask(client: &Client, url: &str) -> bool {
    match client.get(url).send().await {
        Ok(response) if response.status() == StatusCode::OK => {
            response.bytes().await.is_ok_and(|body| !body.is_empty())
        }
        Ok(response) => {
            let _ = response.bytes().await;
            false
        }
        Err(_) => false,
    }
}

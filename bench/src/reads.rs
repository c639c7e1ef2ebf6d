//! The read benchmark: a closed loop of K connections asking one path as fast as the
//! server answers, for a fixed time, to compare what a cached read costs with what the
//! cheapest route (`/healthz`) costs on the same server in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::cpu::{CpuReading, CpuUse, Watched};
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
    /// CPU used during the measured window, when processes were watched (Linux).
    pub cpu: Option<CpuUse>,
}

impl ReadRun {
    /// Microseconds of CPU the server and Redis spent per answer 200, when measured:
    /// what a read costs, whatever else the machine was doing.
    pub fn server_cpu_us_per_read(&self) -> Option<f64> {
        let cpu = self.cpu.as_ref()?;
        (self.ok > 0).then(|| cpu.servers_and_redis_s() * 1e6 / self.ok as f64)
    }
}

/// Asks `base_url` + `path` on `connections` connections for `duration` (after a warm-up
/// of `warm_up`, not counted: connections opened, caches filled), measuring the CPU of
/// `watched` over the same window.
pub async fn hammer(
    client: &Client,
    base_url: &str,
    path: &str,
    connections: usize,
    (warm_up, duration): (Duration, Duration),
    watched: &Watched,
) -> ReadRun {
    let url: Arc<str> = format!("{}{path}", base_url.trim_end_matches('/')).into();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(0usize));
    let start = Instant::now();
    let measure_from = start + warm_up;
    let stop_at = measure_from + duration;
    let first_reading = {
        let watched = watched.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(measure_from.into()).await;
            CpuReading::now(&watched)
        })
    };
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
    let cpu = first_reading
        .await
        .ok()
        .flatten()
        .and_then(|reading| reading.used_until_now());
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
        cpu,
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

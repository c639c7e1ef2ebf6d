//! `read-rush`: puts an event on sale on a running Carneau server, then asks `/healthz`,
//! the cached event page (`GET /events/{id}`) and the cached listing (`GET /events`)
//! with K connections for a fixed time each, back to back, and prints each one's
//! throughput, its share of `/healthz`'s and, given the server's (and Redis's) process
//! ids, the CPU they spent per answer.
//!
//! Exit status: 0 when every read answered, 1 otherwise.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use carneau_bench::cpu::Watched;
use carneau_bench::reads::{hammer, ReadRun};
use carneau_bench::rush::http_client;
use carneau_bench::sale_setup::{Organiser, SaleSpec};
use clap::Parser;
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "read-rush",
    about = "Measures cached reads against /healthz on a running Carneau server."
)]
struct Args {
    /// The server under test.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// The email of an organiser account, to put an event on sale.
    #[arg(long, env = "CARNEAU_BENCH_ORGANISER_EMAIL")]
    organiser_email: String,
    /// That organiser's password (from the environment: keep it out of shell history).
    #[arg(long, env = "CARNEAU_BENCH_ORGANISER_PASSWORD", hide_env_values = true)]
    organiser_password: String,
    /// Connections asking at once (K).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    connections: u32,
    /// How long each path is measured, seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    seconds: u64,
    /// Warm-up before each measurement, seconds (not counted).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    warm_up_seconds: u64,
    /// The server process, to measure its CPU per read.
    #[arg(long)]
    server_pid: Option<u32>,
    /// PostgreSQL's postmaster, to measure PostgreSQL's CPU too.
    #[arg(long)]
    postgres_pid: Option<u32>,
    /// The Redis server, to measure its CPU per read too.
    #[arg(long)]
    redis_pid: Option<u32>,
    /// Also writes the runs as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

/// The share of `/healthz`'s throughput a cached read must reach (issue 16).
const TARGET_SHARE: f64 = 0.70;

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(runs) if runs.iter().all(|run| run.failed == 0 && run.ok > 0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<Vec<ReadRun>> {
    let connections = usize::try_from(args.connections).context("--connections")?;
    let client = http_client(connections, Duration::from_secs(30))?;
    let organiser = Organiser::sign_in(
        client.clone(),
        &args.base_url,
        &args.organiser_email,
        &args.organiser_password,
    )
    .await?;
    let sale = organiser
        .open_sale(&SaleSpec {
            capacity: 1_000,
            max_per_order: 4,
            label: "reads".to_owned(),
            run_id: Uuid::new_v4(),
            shared_capacity: false,
            code_uses: None,
        })
        .await?;
    let window = (
        Duration::from_secs(args.warm_up_seconds),
        Duration::from_secs(args.seconds),
    );
    let watched = Watched {
        servers: args.server_pid.into_iter().collect(),
        postgres: args.postgres_pid,
        redis: args.redis_pid,
    };
    let mut runs = Vec::new();
    for path in [
        "/healthz".to_owned(),
        format!("/events/{}", sale.event_id),
        "/events".to_owned(),
    ] {
        eprintln!("== {path}: {connections} connections, {} s", args.seconds);
        runs.push(
            hammer(
                &client,
                &args.base_url,
                &path,
                connections,
                window,
                &watched,
            )
            .await,
        );
    }
    print!("{}", render(&runs, connections));
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&runs).context("serialising the runs")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(runs)
}

fn render(runs: &[ReadRun], connections: usize) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "reads at {connections} connections\n{:<48} {:>9} {:>7} {:>8} {:>8} {:>10} {:>9}\n",
        "path", "per s", "failed", "p50 ms", "p99 ms", "server us", "of healthz"
    );
    let healthz = runs.first().map_or(0.0, |run| run.per_second);
    for run in runs {
        let share = if healthz > 0.0 {
            run.per_second / healthz
        } else {
            0.0
        };
        let (p50, p99) = run
            .latency
            .as_ref()
            .map_or((0.0, 0.0), |latency| (latency.p50_ms, latency.p99_ms));
        let verdict = if run.path == "/healthz" {
            ""
        } else if share >= TARGET_SHARE {
            "  ok"
        } else {
            "  below 70 %"
        };
        let cpu = run
            .server_cpu_us_per_read()
            .map_or("-".to_owned(), |us| format!("{us:.1}"));
        let _ = writeln!(
            out,
            "{:<48} {:>9.0} {:>7} {:>8.2} {:>8.2} {:>10} {:>8.1} %{verdict}",
            run.path,
            run.per_second,
            run.failed,
            p50,
            p99,
            cpu,
            share * 100.0
        );
    }
    let measured: Vec<_> = runs.iter().filter_map(|run| run.cpu.as_ref()).collect();
    if !measured.is_empty() {
        let busy = measured.iter().any(|cpu| cpu.busy_elsewhere);
        let _ = writeln!(
            out,
            "server us: CPU microseconds of the server and Redis per answer, in each \
             measured window{}",
            if busy {
                " (the machine was busy with other work: rates are not comparable)"
            } else {
                ""
            }
        );
    }
    out
}

//! `flash-sale`: puts C tickets on sale on a running Carneau server, lets M buyers rush
//! them with K requests in flight, prints what it measured and audits the event log for
//! oversell.
//!
//! Exit status: 0 when the log shows no oversell, 2 when it does, 1 when the run could
//! not be carried out.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use carneau_bench::attempt::{Attempt, Outcome};
use carneau_bench::buyers::{draw_buyers, tickets_requested};
use carneau_bench::contention::{read_appends, Appends, NodeContention};
use carneau_bench::cpu::{CpuReading, Watched};
use carneau_bench::database_work::{DatabaseReading, DatabaseWork};
use carneau_bench::freshness::FreshnessProbe;
use carneau_bench::inventory_log::{audit_inventory, connect};
use carneau_bench::payers::Paying;
use carneau_bench::promo_code;
use carneau_bench::report::{
    render_costs, render_payments_row, render_results_row, render_table, Costs, Report, RunSettings,
};
use carneau_bench::rush::{http_client, rush, Lines};
use carneau_bench::sale_setup::{Organiser, SaleSpec};
use carneau_bench::seal_lag::seal_lag_since;
use carneau_bench::settled::{wait_until_settled, Settled, SETTLE_PATIENCE};
use clap::Parser;

/// mimalloc, as the server: the load generator shares the machine's cores with what it
/// measures, and glibc's malloc and free were a tenth of its CPU in a rush.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tracing::info;
use uuid::Uuid;

/// The exit status of a run whose log shows oversell.
const OVERSOLD_EXIT_CODE: u8 = 2;
/// The most tickets per order the benchmark's ticket type allows at least.
const MIN_MAX_PER_ORDER: u16 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "flash-sale",
    about = "Rushes one ticket type (or two sharing a capacity) on a running Carneau server and audits the log for oversell."
)]
struct Args {
    /// The server under test; several (comma-separated or repeated) for as many nodes,
    /// buyers spread round robin, each paying on the node that held for them.
    #[arg(long, default_value = "http://127.0.0.1:8080", value_delimiter = ',', num_args = 1..)]
    base_url: Vec<String>,
    /// The email of an organiser account, to set the sale up.
    #[arg(long, env = "CARNEAU_BENCH_ORGANISER_EMAIL")]
    organiser_email: String,
    /// That organiser's password (from the environment: keep it out of shell history).
    #[arg(long, env = "CARNEAU_BENCH_ORGANISER_PASSWORD", hide_env_values = true)]
    organiser_password: String,
    /// The server's database, whose event log is audited.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Tickets on sale (C).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    capacity: u32,
    /// Buyers in the crowd (M).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..))]
    buyers: u32,
    /// Requests in flight at once (K).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    concurrency: u32,
    /// Each buyer asks for 1 to this many tickets.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=100))]
    max_tickets: u16,
    /// Names the run in the report (e.g. the server's reservation mode).
    #[arg(long, default_value = "unlabelled")]
    label: String,
    /// Seed of the crowd's draw: the same seed, the same crowd.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Deadline of one request, in seconds; a request past it counts as a `timeout` error.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout_secs: u64,
    /// Each buyer who gets a hold also checks out and pays on the simulated provider
    /// (the server must run without Stripe keys), while the rush goes on.
    #[arg(long)]
    pay: bool,
    /// With `--pay`: buyers with a hold pay on this many connections of their own while
    /// the K reserving ones take the next buyers, as in a real sale. Without it each
    /// reserving connection pays before its next buyer, which bounds the holds' pace by K
    /// over a hold's, a checkout's and a payment's latency.
    #[arg(long, requires = "pay", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    payers: Option<u32>,
    /// The server processes, to measure their CPU during the rush (one per node).
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// PostgreSQL's postmaster, to measure PostgreSQL's CPU during the rush.
    #[arg(long)]
    postgres_pid: Option<u32>,
    /// The Redis server, to measure its CPU during the rush.
    #[arg(long)]
    redis_pid: Option<u32>,
    /// Each node's metrics listener (`CARNEAU_METRICS_ADDR`, e.g.
    /// http://127.0.0.1:19090/metrics), to report its inventory version conflicts.
    #[arg(long, value_delimiter = ',')]
    metrics_url: Vec<String>,
    /// Two ticket types of C tickets each, sharing one capacity pool of C (buyers pick
    /// either type): the pool is what sells out, and the audit checks it as well as each
    /// type.
    #[arg(long)]
    shared_capacity: bool,
    /// A promo code with this many uses (per ticket) that every buyer asks with, held
    /// without it once it is used up (in the same request); the log audit counts its uses.
    #[arg(long)]
    code_uses: Option<u32>,
    /// Also writes the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also writes every request of the rush to this file as CSV (when it left, how long
    /// it took, how it ended, and the payment's latencies), to see where a tail comes from.
    #[arg(long)]
    attempts: Option<PathBuf>,
    /// Opens the K connections (spread over the nodes) before the rush, as a load
    /// balancer's pooled connections would be: the rush's first wave then does not
    /// include 500 connections being opened on both sides of the same two cores.
    #[arg(long)]
    warm_connections: bool,
}

/// The JSON report: the run's figures and what it cost, side by side.
#[derive(serde::Serialize)]
struct ReportWithCosts<'a> {
    #[serde(flatten)]
    report: &'a Report,
    costs: &'a Costs,
    database_work: Option<&'a DatabaseWork>,
    settled: Option<&'a Settled>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(Args::parse()).await {
        Ok((report, _)) if report.oversold() => ExitCode::from(OVERSOLD_EXIT_CODE),
        Ok((_, Some(code))) if code.over_redeemed() > 0 => ExitCode::from(OVERSOLD_EXIT_CODE),
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<(Report, Option<promo_code::CodeFinding>)> {
    let buyer_count = usize::try_from(args.buyers).context("--buyers")?;
    let concurrency = usize::try_from(args.concurrency).context("--concurrency")?;
    // Connect to the log first: a run that cannot be audited is not worth starting.
    let pool = connect(&args.database_url).await?;
    let payers = args
        .payers
        .map(|payers| usize::try_from(payers).context("--payers"))
        .transpose()?;
    let paying = Paying::from_args(args.pay, payers);
    let client = http_client(
        paying.connections(concurrency),
        Duration::from_secs(args.request_timeout_secs),
    )?;
    let run_id = Uuid::new_v4();
    let spec = SaleSpec {
        capacity: args.capacity,
        max_per_order: args.max_tickets.max(MIN_MAX_PER_ORDER),
        label: args.label.clone(),
        run_id,
        shared_capacity: args.shared_capacity,
        code_uses: args.code_uses,
    };
    let first_node = args.base_url.first().context("--base-url is empty")?;
    let organiser = Organiser::sign_in(
        client.clone(),
        first_node,
        &args.organiser_email,
        &args.organiser_password,
    )
    .await?;
    let sale_opened_at = chrono::Utc::now();
    let sale = organiser.open_sale(&spec).await?;
    info!(event_id = %sale.event_id, ticket_type_id = %sale.ticket_type_id, shared_with = ?sale.shared_with, "sale open");
    let buyers = draw_buyers(buyer_count, args.max_tickets, args.seed, run_id);
    let demand = tickets_requested(&buyers);
    let watched = Watched {
        servers: args.server_pid.clone(),
        postgres: args.postgres_pid,
        redis: args.redis_pid,
    };
    let lines = Lines::to(
        &args.base_url,
        &sale,
        concurrency,
        Duration::from_secs(args.request_timeout_secs),
    )?;
    let lines = if args.warm_connections {
        lines.open().await?
    } else {
        lines
    };
    let appends_before = read_all_appends(&client, &args.metrics_url).await;
    let freshness_probe = FreshnessProbe::start(&pool);
    let rush_started_at = chrono::Utc::now();
    let database_before = DatabaseReading::now(&pool).await;
    let cpu_before = CpuReading::now(&watched);
    let result = rush(&client, lines, sale, buyers, paying).await?;
    let cpu = cpu_before
        .as_ref()
        .and_then(|reading| reading.used_until_now());
    let appends_after = read_all_appends(&client, &args.metrics_url).await;
    // Secondary to the sale's figures: a failure to measure them is reported, not fatal.
    let freshness = match freshness_probe
        .finish(&pool, sale.event_id, rush_started_at)
        .await
    {
        Ok(freshness) => Some(freshness),
        Err(error) => {
            eprintln!("read model freshness not measured: {error:#}");
            None
        }
    };
    let contention = contention(&args.metrics_url, &appends_before, &appends_after);
    info!(
        answers = result.attempts.len(),
        "rush over, auditing the log"
    );
    // Secondary to the sale's figures: a failure to measure them is reported, not fatal.
    let settled = match wait_until_settled(&pool, SETTLE_PATIENCE).await {
        Ok(after) => after.map(|after| Settled {
            after_rush_s: after.as_secs_f64(),
            cpu: cpu_before
                .as_ref()
                .and_then(|reading| reading.used_until_now()),
        }),
        Err(error) => {
            eprintln!("settling not measured: {error:#}");
            None
        }
    };
    let database_work = match database_before {
        Ok(before) => DatabaseWork::since(&pool, before, rush_started_at).await,
        Err(error) => Err(error),
    }
    .map_err(|error| eprintln!("database work not measured: {error:#}"))
    .ok();
    let finding = audit_inventory(
        &pool,
        sale.event_id,
        sale.capacities(),
        sale.shared_capacities(),
    )
    .await?;
    let code = match args.code_uses {
        Some(uses) => Some(promo_code::audit_code(&pool, sale.event_id, uses).await?),
        None => None,
    };
    let settings = RunSettings {
        label: args.label,
        base_url: args.base_url.join(","),
        capacity: args.capacity,
        buyers: buyer_count,
        concurrency,
        max_tickets: args.max_tickets,
        seed: args.seed,
        request_timeout_s: args.request_timeout_secs,
        pay: args.pay,
        payers: paying.payers(),
        shared_capacity: args.shared_capacity,
    };
    if let Some(path) = &args.attempts {
        std::fs::write(path, attempts_csv(&result.attempts))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let report = Report::new(settings, sale, demand, &result, finding);
    let costs = Costs::of(&report, cpu, freshness, contention);
    print!("{}", render_table(&report));
    print!("{}", render_costs(&costs));
    let paid = report.payments.as_ref().map_or(0, |payments| payments.paid);
    match &settled {
        Some(settled) => println!("{:<22} {}", "until settled", settled.render(paid)),
        None => println!(
            "{:<22} not within {} s of the rush's end",
            "until settled",
            SETTLE_PATIENCE.as_secs()
        ),
    }
    if let Some(work) = &database_work {
        let line = match &report.payments {
            Some(_) => work.per(paid, "paid order"),
            None => work.per(result.attempts.len(), "request"),
        };
        println!("{:<22} {line}", "database work");
    }
    if let Some(code) = &code {
        println!(
            "\npromo code {}: {} uses at most; {} holds with it in the log, {} uses; \
             over-redemption {}",
            promo_code::CODE,
            code.max_uses,
            code.holds_placed,
            code.uses_placed,
            match code.over_redeemed() {
                0 if code.holds_ended == 0 => "0  ok".to_owned(),
                0 => "not judged (holds ended during the rush)".to_owned(),
                over => format!("{over}  FAILED"),
            }
        );
        match code.left_unused(report.tickets_held, args.max_tickets) {
            0 => {}
            unused => println!(
                "promo code uses left unused while buyers held more tickets: {unused}  FAILED"
            ),
        }
    }
    println!("\nresults row:\n{}", render_results_row(&report));
    if let Some(row) = render_payments_row(&report) {
        println!("\npayments row:\n{row}");
    }
    // Secondary to the sale's figures: a failure to measure it is reported, not fatal.
    match seal_lag_since(&pool, sale_opened_at).await {
        Ok(Some(lag)) => println!(
            "\nseal lag: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} events",
            lag.p50_ms, lag.p99_ms, lag.max_ms, lag.sealed
        ),
        Ok(None) => println!("\nseal lag: no event of the sale was sealed"),
        Err(error) => println!("\nseal lag: not measured ({error:#})"),
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&ReportWithCosts {
            report: &report,
            costs: &costs,
            database_work: database_work.as_ref(),
            settled: settled.as_ref(),
        })
        .context("serialising the report")?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((report, code))
}

/// Each node's append counters, `None` for a node whose metrics could not be read.
async fn read_all_appends(
    client: &reqwest::Client,
    metrics_urls: &[String],
) -> Vec<Option<Appends>> {
    let mut all = Vec::with_capacity(metrics_urls.len());
    for url in metrics_urls {
        match read_appends(client, url).await {
            Ok(appends) => all.push(Some(appends)),
            Err(error) => {
                eprintln!("inventory appends not measured: {error:#}");
                all.push(None);
            }
        }
    }
    all
}

fn contention(
    metrics_urls: &[String],
    before: &[Option<Appends>],
    after: &[Option<Appends>],
) -> Vec<NodeContention> {
    metrics_urls
        .iter()
        .zip(before.iter().zip(after))
        .filter_map(|(url, (before, after))| {
            Some(NodeContention {
                metrics_url: url.clone(),
                appends: before.as_ref()?.until(after.as_ref()?),
            })
        })
        .collect()
}

/// One line per request: sent and answered (ms since the rush started), outcome, and for
/// a paid hold its checkout and pay latencies (ms).
fn attempts_csv(attempts: &[Attempt]) -> String {
    use std::fmt::Write;
    let ms = |duration: std::time::Duration| duration.as_secs_f64() * 1000.0;
    let mut csv = String::from("buyer,quantity,sent_ms,latency_ms,outcome,checkout_ms,pay_ms\n");
    for attempt in attempts {
        let outcome = match &attempt.outcome {
            Outcome::Accepted => "accepted".to_owned(),
            Outcome::SoldOut => "sold_out".to_owned(),
            Outcome::Failed(label) => label.replace(',', " "),
        };
        let (checkout, pay) = match &attempt.payment {
            Some(payment) => (
                format!("{:.2}", ms(payment.checkout_latency)),
                payment
                    .pay_latency
                    .map(|pay| format!("{:.2}", ms(pay)))
                    .unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        let _ = writeln!(
            csv,
            "{},{},{:.2},{:.2},{outcome},{checkout},{pay}",
            attempt.buyer,
            attempt.quantity,
            ms(attempt.sent_at),
            ms(attempt.latency),
        );
    }
    csv
}

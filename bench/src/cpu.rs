//! What the rush cost in CPU: seconds used by the server processes, PostgreSQL (the
//! postmaster and every backend, including those that ended during the rush) and Redis,
//! read from `/proc` before and after; and how busy the machine was with anything else,
//! which makes throughput figures incomparable. Linux only; elsewhere nothing is measured.

use std::fs;

use serde::Serialize;

mod proc_stat;

use proc_stat::{parse_machine, parse_process, ProcessTicks};

/// Clock ticks per second of `/proc`'s figures: USER_HZ, 100 on every Linux the project
/// runs on (`getconf CLK_TCK`).
const TICKS_PER_SECOND: f64 = 100.0;
/// Above this share of the machine's capacity, work of other processes during the rush
/// makes its figures suspect.
const BUSY_ELSEWHERE_SHARE: f64 = 0.10;

/// The processes whose CPU is measured.
#[derive(Debug, Clone, Default)]
pub struct Watched {
    /// The server processes under test (one per node).
    pub servers: Vec<u32>,
    /// PostgreSQL's postmaster: with its children, all of PostgreSQL.
    pub postgres: Option<u32>,
    /// The Redis server.
    pub redis: Option<u32>,
}

/// One reading of every watched process and of the machine, in clock ticks.
#[derive(Debug, Clone)]
pub struct CpuReading {
    watched: Watched,
    servers: u64,
    postgres: Option<u64>,
    redis: Option<u64>,
    load_generator: u64,
    machine_busy: u64,
    machine_total: u64,
    cores: usize,
}

/// CPU seconds used between two readings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CpuUse {
    /// The server processes, together.
    pub servers_s: f64,
    /// PostgreSQL, when its postmaster was found.
    pub postgres_s: Option<f64>,
    /// Redis, when its process was found.
    pub redis_s: Option<f64>,
    /// This load generator.
    pub load_generator_s: f64,
    /// Everything the machine did.
    pub machine_busy_s: f64,
    /// What the machine did besides the above: builds, tests, other services.
    pub elsewhere_s: f64,
    /// The machine's capacity over the interval: cores × seconds.
    pub capacity_s: f64,
    /// Whether work elsewhere exceeded [`BUSY_ELSEWHERE_SHARE`] of the capacity.
    pub busy_elsewhere: bool,
}

impl CpuUse {
    /// The server and Redis together: what answering requests costs outside the log.
    pub fn servers_and_redis_s(&self) -> f64 {
        self.servers_s + self.redis_s.unwrap_or(0.0)
    }

    /// The server, Redis and PostgreSQL together.
    pub fn all_services_s(&self) -> f64 {
        self.servers_and_redis_s() + self.postgres_s.unwrap_or(0.0)
    }
}

impl CpuReading {
    /// Reads every watched process and the machine now; `None` where `/proc` cannot be
    /// read (not Linux).
    pub fn now(watched: &Watched) -> Option<Self> {
        let (machine_busy, machine_total, cores) = parse_machine(&read("/proc/stat")?)?;
        let servers = watched
            .servers
            .iter()
            .filter_map(|pid| process(*pid))
            .map(|ticks| ticks.own())
            .sum();
        Some(Self {
            watched: watched.clone(),
            servers,
            postgres: watched.postgres.and_then(postgres_ticks),
            redis: watched.redis.and_then(process).map(|ticks| ticks.own()),
            load_generator: process_self()?.own(),
            machine_busy,
            machine_total,
            cores,
        })
    }

    /// The CPU used since `self`, read now.
    pub fn used_until_now(&self) -> Option<CpuUse> {
        let end = Self::now(&self.watched)?;
        Some(self.used_until(&end))
    }

    fn used_until(&self, end: &Self) -> CpuUse {
        let seconds = |from: u64, to: u64| to.saturating_sub(from) as f64 / TICKS_PER_SECOND;
        let servers_s = seconds(self.servers, end.servers);
        let postgres_s = self.postgres.zip(end.postgres).map(|(a, b)| seconds(a, b));
        let redis_s = self.redis.zip(end.redis).map(|(a, b)| seconds(a, b));
        let load_generator_s = seconds(self.load_generator, end.load_generator);
        let machine_busy_s = seconds(self.machine_busy, end.machine_busy);
        // /proc/stat counts every core's ticks: its total is cores × wall time.
        let capacity_s = seconds(self.machine_total, end.machine_total);
        let measured =
            servers_s + postgres_s.unwrap_or(0.0) + redis_s.unwrap_or(0.0) + load_generator_s;
        let elsewhere_s = (machine_busy_s - measured).max(0.0);
        CpuUse {
            servers_s,
            postgres_s,
            redis_s,
            load_generator_s,
            machine_busy_s,
            elsewhere_s,
            capacity_s,
            busy_elsewhere: capacity_s > 0.0 && elsewhere_s > BUSY_ELSEWHERE_SHARE * capacity_s,
        }
    }

    /// The machine's cores.
    pub fn cores(&self) -> usize {
        self.cores
    }
}

fn read(path: &str) -> Option<String> {
    fs::read_to_string(path).ok()
}

fn process(pid: u32) -> Option<ProcessTicks> {
    parse_process(&read(&format!("/proc/{pid}/stat"))?)
}

fn process_self() -> Option<ProcessTicks> {
    parse_process(&read("/proc/self/stat")?)
}

/// The postmaster's own ticks, those of its children that ended (reaped into its
/// `cutime`/`cstime`), and those of its living children: every backend, whether it lived
/// through the rush or not.
fn postgres_ticks(postmaster: u32) -> Option<u64> {
    let own = process(postmaster)?;
    let children: u64 = fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(process)
        .filter(|ticks| ticks.parent == postmaster)
        .map(|ticks| ticks.with_children())
        .sum();
    Some(own.with_children() + children)
}

//! PostgreSQL and Redis servers a test starts for itself, on free ports and in directories
//! of their own, for what the shared servers must never see: TLS switched on, a server
//! stopped or restarted. Each is stopped and its files removed when dropped.

use std::ffi::OsString;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use uuid::Uuid;

use crate::test_ca::TestCa;

/// How long a server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn wait_until_listening(port: u16, what: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > START_TIMEOUT {
            bail!("{what} did not listen on port {port} within {START_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn scratch_directory(what: &str) -> anyhow::Result<PathBuf> {
    let directory =
        std::env::temp_dir().join(format!("carneau-{what}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory)?;
    Ok(directory)
}

/// A PostgreSQL cluster of its own, user `postgres` with trust authentication; with TLS
/// it accepts only TLS connections (`hostssl`), with a certificate signed by the CA.
pub struct OwnPostgres {
    directory: PathBuf,
    port: u16,
    as_postgres_user: bool,
    /// The server's command-line settings, kept to start it again the same way.
    options: String,
}

impl OwnPostgres {
    /// `initdb`, then starts a server without TLS; a few seconds.
    pub fn start() -> anyhow::Result<Self> {
        Self::create(None)
    }

    /// `initdb`, then starts a server that accepts only TLS, certified by `ca`.
    pub fn start_with_tls(ca: &TestCa) -> anyhow::Result<Self> {
        Self::create(Some(ca))
    }

    fn create(tls: Option<&TestCa>) -> anyhow::Result<Self> {
        let directory = scratch_directory("postgres")?;
        let data = directory.join("data");
        // PostgreSQL refuses to run as root: when the tests do, the cluster belongs to the
        // `postgres` account the Debian package creates.
        let as_postgres_user = running_as_root();
        let port = free_port()?;
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c ssl={} -c fsync=off -c max_connections=100",
            directory.display(),
            if tls.is_some() { "on" } else { "off" },
        );
        let server = Self {
            directory,
            port,
            as_postgres_user,
            options,
        };
        if as_postgres_user {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(&server.directory))?;
        }
        run(server
            .tool("initdb")?
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(&data))?;
        // With TLS, only TLS connections: a client that fell back to plain text would fail.
        let network = if tls.is_some() { "hostssl" } else { "host" };
        std::fs::write(
            data.join("pg_hba.conf"),
            format!("local all all trust\n{network} all all 127.0.0.1/32 trust\n"),
        )?;
        if let Some(ca) = tls {
            for (from, to) in [
                (ca.server_certificate_file(), "server.crt"),
                (ca.server_key_file(), "server.key"),
            ] {
                std::fs::copy(&from, data.join(to))?;
            }
        }
        if as_postgres_user {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&server.directory))?;
        }
        if tls.is_some() {
            run(Command::new("chmod")
                .arg("600")
                .arg(data.join("server.key")))?;
        }
        server.start_again()?;
        Ok(server)
    }

    /// Starts the stopped server again, on the same port with the same settings.
    pub fn start_again(&self) -> anyhow::Result<()> {
        run(self
            .tool("pg_ctl")?
            .args(["-w", "-t", "30", "-D"])
            .arg(self.directory.join("data"))
            .arg("-l")
            .arg(self.directory.join("server.log"))
            .args(["-o", &self.options, "start"]))
    }

    /// Stops the server the way an operator's restart does (`pg_ctl stop -m fast`):
    /// sessions are ended, new connections refused.
    pub fn stop(&self) -> anyhow::Result<()> {
        run(self
            .tool("pg_ctl")?
            .args(["-w", "-D"])
            .arg(self.directory.join("data"))
            .args(["-m", "fast", "stop"]))
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `postgres://` URL of `database` on this server, `query` appended (`sslmode=...`).
    pub fn url(&self, database: &str, query: &str) -> String {
        format!(
            "postgres://postgres@localhost:{}/{database}?{query}",
            self.port
        )
    }

    fn tool(&self, name: &str) -> anyhow::Result<Command> {
        let binary = postgres_bin_dir()?.join(name);
        Ok(if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            Command::new(binary)
        })
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        if let Ok(mut stop) = self.tool("pg_ctl") {
            let _ = stop
                .args(["-D"])
                .arg(self.directory.join("data"))
                .args(["-m", "immediate", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// A Redis server of its own, without persistence (a restart starts empty, as a cache
/// server's does); plain TCP, or TLS only with a certificate signed by the test's CA.
pub struct OwnRedis {
    directory: PathBuf,
    port: u16,
    tls: bool,
    /// The server's arguments, kept to start it again the same way.
    arguments: Vec<OsString>,
    /// `None` while stopped.
    process: Option<Child>,
}

impl OwnRedis {
    /// Starts `redis-server` on a free port of 127.0.0.1, plain TCP.
    pub fn start() -> anyhow::Result<Self> {
        let port = free_port()?;
        Self::create(port, false, vec!["--port".into(), port.to_string().into()])
    }

    /// Starts `redis-server` with TLS on a free port and no plain-text port.
    pub fn start_with_tls(ca: &TestCa) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut arguments: Vec<OsString> = vec![
            "--port".into(),
            "0".into(),
            "--tls-port".into(),
            port.to_string().into(),
            "--tls-auth-clients".into(),
            "no".into(),
        ];
        for (flag, file) in [
            ("--tls-cert-file", ca.server_certificate_file()),
            ("--tls-key-file", ca.server_key_file()),
            ("--tls-ca-cert-file", ca.ca_file()),
        ] {
            arguments.push(flag.into());
            arguments.push(file.into());
        }
        Self::create(port, true, arguments)
    }

    fn create(port: u16, tls: bool, mut arguments: Vec<OsString>) -> anyhow::Result<Self> {
        let directory = scratch_directory("redis")?;
        for argument in ["--save", "", "--appendonly", "no", "--dir"] {
            arguments.push(argument.into());
        }
        arguments.push(directory.clone().into());
        let mut server = Self {
            directory,
            port,
            tls,
            arguments,
            process: None,
        };
        server.start_again()?;
        Ok(server)
    }

    /// Starts the stopped server again, on the same port with the same settings (and
    /// empty: nothing was persisted). Does nothing while it runs.
    pub fn start_again(&mut self) -> anyhow::Result<()> {
        if self.process.is_some() {
            return Ok(());
        }
        let process = Command::new("redis-server")
            .args(&self.arguments)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting redis-server")?;
        self.process = Some(process);
        wait_until_listening(self.port, "redis-server")
    }

    /// Stops the server at once (SIGKILL), as a crash or a lost host would: connections
    /// drop, new ones are refused until [`Self::start_again`].
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// `FLUSHALL` on a plain-TCP server: every key of every database gone, as an
    /// operator's mistake or a failover to an empty replica would leave it.
    pub fn flush_all(&self) -> anyhow::Result<()> {
        use std::io::{Read, Write};
        if self.tls {
            bail!("flush_all speaks plain TCP only");
        }
        let mut connection = TcpStream::connect(("127.0.0.1", self.port))?;
        connection.set_read_timeout(Some(START_TIMEOUT))?;
        connection.write_all(b"*1\r\n$8\r\nFLUSHALL\r\n")?;
        let mut reply = [0_u8; 5];
        connection.read_exact(&mut reply)?;
        if &reply != b"+OK\r\n" {
            bail!("FLUSHALL answered {:?}", String::from_utf8_lossy(&reply));
        }
        Ok(())
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A client connected to this server.
    pub async fn connect(&self) -> anyhow::Result<fred::prelude::Client> {
        crate::connect_redis(&self.url()).await
    }

    /// A `redis://` (plain) or `rediss://` (TLS) URL of this server.
    pub fn url(&self) -> String {
        // TLS names the host its certificate was made for.
        if self.tls {
            format!("rediss://localhost:{}", self.port)
        } else {
            format!("redis://127.0.0.1:{}", self.port)
        }
    }
}

/// The Lua script calls (`EVALSHA` and `EVAL`) the server behind `client` has run since
/// it started: on a server of a test's own, what that test sent, however many requests
/// the calls carried.
pub async fn script_calls(client: &fred::prelude::Client) -> anyhow::Result<u64> {
    use fred::interfaces::ClientLike;
    let info = fred::types::CustomCommand::new_static("INFO", None, false);
    let stats: String = client.custom(info, vec!["commandstats"]).await?;
    let calls = |command: &str| -> anyhow::Result<u64> {
        let prefix = format!("cmdstat_{command}:calls=");
        match stats.lines().find_map(|line| line.strip_prefix(&prefix)) {
            Some(rest) => Ok(rest.split(',').next().unwrap_or(rest).parse()?),
            None => Ok(0),
        }
    };
    Ok(calls("evalsha")? + calls("eval")?)
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// Debian's PostgreSQL programs (`/usr/lib/postgresql/<version>/bin`), the newest version
/// installed; `CARNEAU_TEST_POSTGRES_BIN` overrides it.
fn postgres_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("CARNEAU_TEST_POSTGRES_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(root)
        .with_context(|| format!("reading {}", root.display()))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .with_context(|| format!("no PostgreSQL under {}", root.display()))?;
    Ok(root.join(newest.to_string()).join("bin"))
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

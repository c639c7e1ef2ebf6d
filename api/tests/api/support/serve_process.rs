//! The real `carneau serve` binary as a child process of the test: what a kill -9 can
//! really kill, with its output in a log file under the target's scratch directory.

use std::fs::File;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use uuid::Uuid;

use crate::support::reservations::http::{Http, TOKEN_SECRET};

/// A `carneau serve` child process; killed when dropped.
pub struct ServeProcess {
    child: Child,
    /// A client aimed at it, setting sales up as the organiser it was given.
    pub http: Http,
    /// Where its output goes.
    pub log: String,
}

impl ServeProcess {
    /// Starts `carneau serve` on a free port with `settings` as its environment (on top of
    /// the test's, which it inherits), the reservation tests' token secret and JSON logs at
    /// `warn`. `name` tells its log file apart. Wait for it with [`Http::wait_until_ready`].
    pub fn start(name: &str, settings: &[(&str, String)], organiser_token: &str) -> Self {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let directory = env!("CARGO_TARGET_TMPDIR");
        let log = format!("{directory}/carneau-serve-{name}-{}.log", Uuid::new_v4());
        let output = File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_carneau"))
            .arg("serve")
            // Away from the workspace's `.env`.
            .current_dir(directory)
            .env("CARNEAU_BIND", format!("127.0.0.1:{port}"))
            .env("CARNEAU_TOKEN_SECRET", TOKEN_SECRET)
            .env("CARNEAU_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .env_remove("CARNEAU_RESERVATION_MODE")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .envs(settings.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap();
        Self {
            child,
            http: Http::new(format!("http://127.0.0.1:{port}"), organiser_token),
            log,
        }
    }

    /// SIGKILL, then reap: nothing of the process runs its shutdown.
    pub fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

//! A TCP relay to the test Redis for the guard's client, which can fail it in the two
//! ways a real Redis does: refuse every command with an error reply, or answer after the
//! client gave up waiting (the command ran all the same). The guard meets a real failure
//! on its own connection, while the test reads the guard through its own client.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carneau_api::state::REDIS_COMMAND_TIMEOUT;
use carneau_api::Config;
use fred::prelude::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// How late a held-back answer arrives: past the client's timeout, with room for the
/// request's later calls to be answered in time once it is through.
pub const LATE_BY: Duration = REDIS_COMMAND_TIMEOUT.saturating_add(Duration::from_millis(150));

/// The relay; every connection made through it is switched at once.
pub struct RedisLink {
    address: SocketAddr,
    refusing: Arc<AtomicBool>,
    late_answers: Arc<AtomicUsize>,
}

impl RedisLink {
    /// Listens on a port of its own, relaying to the test Redis.
    pub async fn start() -> Self {
        let redis = carneau_testkit::redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let link = Self {
            address: listener.local_addr().unwrap(),
            refusing: Arc::default(),
            late_answers: Arc::default(),
        };
        let (refusing, late_answers) = (link.refusing.clone(), link.late_answers.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(&redis).await.unwrap();
                let (from_client, to_client) = client.into_split();
                let (from_server, to_server) = server.into_split();
                let to_client = Arc::new(Mutex::new(to_client));
                tokio::spawn(answers(
                    from_server,
                    to_client.clone(),
                    late_answers.clone(),
                ));
                tokio::spawn(commands(
                    from_client,
                    to_server,
                    to_client,
                    refusing.clone(),
                ));
            }
        });
        link
    }

    /// Makes every command fail with an error reply (`true`), or pass again.
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Holds Redis's next answer back by [`LATE_BY`] (and what comes after it, which is
    /// in order behind it), as a Redis too busy to answer in time.
    pub fn answer_next_late(&self) {
        self.late_answers.fetch_add(1, Ordering::SeqCst);
    }

    /// A client connected to Redis through the link.
    pub async fn client(&self) -> Client {
        carneau_testkit::connect_redis(&self.url()).await.unwrap()
    }

    /// A client through the link, built and connected as the app builds its own (the
    /// same command timeout and reconnect policy).
    pub async fn app_client(&self) -> Client {
        let url = self.url();
        let config =
            Config::from_lookup(|name| Ok((name == "REDIS_URL").then(|| url.clone()))).unwrap();
        carneau_api::state::connect_redis(&config).await.unwrap()
    }

    fn url(&self) -> String {
        format!("redis://{}", self.address)
    }
}

/// Passes Redis's answers to the client, holding one back when asked.
async fn answers(
    mut from_server: tokio::net::tcp::OwnedReadHalf,
    to_client: Arc<Mutex<tokio::net::tcp::OwnedWriteHalf>>,
    late_answers: Arc<AtomicUsize>,
) {
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(read) = from_server.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        let late = late_answers
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |late| {
                late.checked_sub(1)
            })
            .is_ok();
        if late {
            tokio::time::sleep(LATE_BY).await;
        }
        let mut to_client = to_client.lock().await;
        if to_client.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
}

/// Passes the client's commands to Redis, or refuses them with an error reply.
async fn commands(
    mut from_client: tokio::net::tcp::OwnedReadHalf,
    mut to_server: tokio::net::tcp::OwnedWriteHalf,
    to_client: Arc<Mutex<tokio::net::tcp::OwnedWriteHalf>>,
    refusing: Arc<AtomicBool>,
) {
    let mut pending = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(read) = from_client.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        pending.extend_from_slice(&buffer[..read]);
        let (complete, used) = whole_commands(&pending);
        let commands: Vec<u8> = pending.drain(..used).collect();
        if refusing.load(Ordering::SeqCst) {
            let mut to_client = to_client.lock().await;
            for _ in 0..complete {
                let refusal = b"-ERR the link to Redis is down\r\n";
                if to_client.write_all(refusal).await.is_err() {
                    return;
                }
            }
        } else if to_server.write_all(&commands).await.is_err() {
            return;
        }
    }
}

/// How many whole RESP commands (arrays of bulk strings) `bytes` starts with, and how
/// many bytes they take.
fn whole_commands(bytes: &[u8]) -> (usize, usize) {
    fn line(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
        let end = bytes[at..].windows(2).position(|pair| pair == b"\r\n")? + at;
        let number = std::str::from_utf8(&bytes[at + 1..end])
            .ok()?
            .parse()
            .ok()?;
        Some((number, end + 2))
    }
    let (mut complete, mut used) = (0, 0);
    'commands: while used < bytes.len() {
        let Some((parts, mut at)) = line(bytes, used) else {
            break;
        };
        for _ in 0..parts {
            let Some((length, data)) = line(bytes, at) else {
                break 'commands;
            };
            if bytes.len() < data + length + 2 {
                break 'commands;
            }
            at = data + length + 2;
        }
        complete += 1;
        used = at;
    }
    (complete, used)
}

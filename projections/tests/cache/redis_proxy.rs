//! A TCP relay in front of the test Redis that can drop every connection and refuse new
//! ones, as an outage would, then let them through again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use carneau_testkit::redis_url;
use fred::prelude::{Builder, Client, ClientLike, Config, ReconnectPolicy};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct RedisProxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accepting: JoinHandle<()>,
}

impl RedisProxy {
    pub async fn start() -> Self {
        let upstream = upstream_address();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let accepting = {
            let (up, links) = (up.clone(), links.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        // Closed at once: the client sees the connection fail.
                        continue;
                    }
                    let upstream = upstream.clone();
                    let link = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            })
        };
        Self {
            address,
            up,
            links,
            accepting,
        }
    }

    /// A URL for clients to connect through the relay.
    pub fn url(&self) -> String {
        format!("redis://{}", self.address)
    }

    /// A connected client through the relay, with short timeouts and a reconnect policy
    /// that never gives up, as the API builds its own.
    pub async fn client(&self) -> Client {
        let client = Builder::from_config(Config::from_url(&self.url()).unwrap())
            .with_connection_config(|connection| {
                connection.connection_timeout = Duration::from_millis(200);
                connection.internal_command_timeout = Duration::from_millis(200);
            })
            .with_performance_config(|performance| {
                performance.default_command_timeout = Duration::from_millis(200);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 50, 200, 2))
            .build()
            .unwrap();
        client.init().await.unwrap();
        client
    }

    /// Drops every relayed connection and refuses new ones.
    pub fn go_down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// Relays new connections again.
    pub fn come_back(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for RedisProxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.go_down();
    }
}

/// `host:port` of the test Redis (its URL may carry credentials or a database number).
fn upstream_address() -> String {
    let url = redis_url();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    host_port.to_owned()
}

//! The server's listening sockets, with an accept queue deep enough for a sale's opening.
//!
//! `tokio::net::TcpListener::bind` listens with a backlog of 128. When a sale opens,
//! hundreds of buyers connect within a few milliseconds, while the workers that accept
//! them are busy with the requests already in: past 128 waiting connections the kernel
//! drops the next handshakes, and each of those buyers waits for their client's first
//! retransmission, a whole second later (docs/benchmarks.md, "A lighter load generator":
//! 165 dropped handshakes and an accepted p99 of 1.2 s in a paying rush whose 500 buyers
//! connected at once). The kernel still caps the backlog at `net.core.somaxconn`
//! (4096 by default since Linux 5.4).

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// Connections the kernel queues, handshakes done, for the server to accept.
pub const ACCEPT_BACKLOG: u32 = 4096;

/// Listens on `address` with [`ACCEPT_BACKLOG`], and `SO_REUSEADDR` as `bind` sets it,
/// so a restarted server can listen again at once.
pub fn listen(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(ACCEPT_BACKLOG)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpStream;

    use super::*;

    /// Far more connections than `bind`'s backlog of 128, none accepted yet: each
    /// handshake completes at once rather than waiting for a retransmission.
    #[tokio::test]
    async fn a_crowd_connecting_at_once_is_queued_without_retransmission() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let address = listener.local_addr().unwrap();
        let connecting: Vec<_> = (0..600)
            .map(|_| {
                tokio::spawn(tokio::time::timeout(
                    Duration::from_millis(700),
                    TcpStream::connect(address),
                ))
            })
            .collect();
        let mut queued = Vec::new();
        for connection in connecting {
            let connected = connection.await.unwrap();
            queued.push(
                connected
                    .expect("a handshake waited for a retransmission")
                    .unwrap(),
            );
        }
        assert_eq!(queued.len(), 600);
        drop(listener);
    }
}

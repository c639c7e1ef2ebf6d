//! The rush's own HTTP/1.1 connections: one keep-alive connection per worker, each
//! request written as one buffer and its answer parsed where it was read.
//!
//! Why not the run's `reqwest` client, which everything else uses: the load generator
//! shares this machine's two cores with the server it measures, and through `reqwest` it
//! spent about as much CPU per reservation as the server did (parsing the URL twice per
//! request, the redirect and retry layers, the pool's checkout, header maps; 2.3 s of a
//! plain rush against the server's 2.5 s). Every CPU-second the generator spends is one
//! the server does not get, so the figures measured the generator as much as the server
//! (docs/benchmarks.md, "A lighter load generator"). What a request costs here is a
//! formatted write and a parse of the answer's head.

use std::io::{self, Write};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The answer's head may have at most this many header lines.
const MAX_HEADERS: usize = 32;
/// How much the answer's buffer grows by when a read fills it.
const READ_CHUNK: usize = 4096;

/// Why a request got no complete answer.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The connection could not be opened.
    #[error("cannot connect: {0}")]
    Connect(io::Error),
    /// No complete answer within the request's deadline.
    #[error("no answer in time")]
    Timeout,
    /// Writing or reading failed.
    #[error("transport: {0}")]
    Transport(io::Error),
    /// The server closed the connection without answering.
    #[error("the server closed the connection without answering")]
    Closed,
    /// The answer is not HTTP/1.1 this module reads.
    #[error("malformed answer: {0}")]
    Malformed(&'static str),
}

impl WireError {
    /// Whether this is how a kept connection the server has since closed fails: closed
    /// or reset before any of the answer arrived.
    fn is_stale_connection(&self) -> bool {
        match self {
            Self::Closed => true,
            Self::Transport(error) => matches!(
                error.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionAborted
            ),
            _ => false,
        }
    }

    /// The label of the failure in the report, as the `reqwest` client's were.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Connect(_) => "connect",
            Self::Timeout => "timeout",
            Self::Transport(_) | Self::Closed => "transport",
            Self::Malformed(_) => "body",
        }
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The whole body, de-chunked.
    pub body: Vec<u8>,
}

/// One keep-alive connection to one server, opened on first use and again after a
/// failure or an answer that closes it.
pub struct WireConnection {
    /// `host:port`, to connect to and to name in `Host`.
    authority: String,
    deadline: Duration,
    stream: Option<TcpStream>,
    request: Vec<u8>,
    answer: Vec<u8>,
}

impl WireConnection {
    /// A connection to the server at `base_url` (`http://host:port`, any path ignored),
    /// each request of which must be answered within `deadline`, connecting included.
    pub fn to(base_url: &str, deadline: Duration) -> anyhow::Result<Self> {
        let url = reqwest::Url::parse(base_url)
            .map_err(|error| anyhow::anyhow!("{base_url}: {error}"))?;
        anyhow::ensure!(
            url.scheme() == "http",
            "{base_url}: the rush speaks plain http only"
        );
        let host = url
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("{base_url}: no host"))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let authority = format!("{host}:{port}");
        Ok(Self {
            authority,
            deadline,
            stream: None,
            request: Vec::with_capacity(512),
            answer: Vec::with_capacity(READ_CHUNK),
        })
    }

    /// Opens the connection now, if it is not open, so the first request does not.
    pub async fn open(&mut self) -> Result<(), WireError> {
        tokio::time::timeout(self.deadline, self.connected())
            .await
            .unwrap_or(Err(WireError::Timeout))
    }

    /// `POST path` with a JSON `body` and an `Idempotency-Key`, answered in full.
    ///
    /// A connection the server closed while it was idle is opened again and the request
    /// sent once more: nothing of it reached the server, and the key would make a second
    /// delivery the same reservation anyway.
    pub async fn post_json(
        &mut self,
        path: &str,
        idempotency_key: &str,
        body: &[u8],
    ) -> Result<Answer, WireError> {
        self.request.clear();
        self.request.extend_from_slice(b"POST ");
        self.request.extend_from_slice(path.as_bytes());
        self.request.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        self.request.extend_from_slice(self.authority.as_bytes());
        self.request
            .extend_from_slice(b"\r\nContent-Type: application/json\r\nAccept: */*\r\n");
        self.request.extend_from_slice(b"Idempotency-Key: ");
        self.request.extend_from_slice(idempotency_key.as_bytes());
        self.request.extend_from_slice(b"\r\nContent-Length: ");
        // Writing into a Vec cannot fail.
        let _ = write!(self.request, "{}", body.len());
        self.request.extend_from_slice(b"\r\n\r\n");
        self.request.extend_from_slice(body);
        let answer = tokio::time::timeout(self.deadline, self.exchange())
            .await
            .unwrap_or(Err(WireError::Timeout));
        if answer.is_err() {
            // Whatever is left on it belongs to a request nobody waits for any more.
            self.stream = None;
        }
        answer
    }

    async fn exchange(&mut self) -> Result<Answer, WireError> {
        let reused = self.stream.is_some();
        match self.send_and_read().await {
            Err(error) if reused && error.is_stale_connection() => {
                self.stream = None;
                self.send_and_read().await
            }
            answer => answer,
        }
    }

    async fn send_and_read(&mut self) -> Result<Answer, WireError> {
        self.connected().await?;
        let Some(stream) = self.stream.as_mut() else {
            return Err(WireError::Closed);
        };
        stream
            .write_all(&self.request)
            .await
            .map_err(WireError::Transport)?;
        let (answer, keep_alive) = read_answer(stream, &mut self.answer).await?;
        if !keep_alive {
            self.stream = None;
        }
        Ok(answer)
    }

    async fn connected(&mut self) -> Result<(), WireError> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.authority)
                .await
                .map_err(WireError::Connect)?;
            stream.set_nodelay(true).map_err(WireError::Connect)?;
            self.stream = Some(stream);
        }
        Ok(())
    }
}

/// How the answer's body is delimited.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// What the head of an answer says.
struct Head {
    len: usize,
    status: u16,
    framing: Framing,
    keep_alive: bool,
}

/// Reads one answer from `stream` into `buffer`; says too whether the connection may
/// carry the next request.
async fn read_answer(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Result<(Answer, bool), WireError> {
    buffer.clear();
    let head = loop {
        if read_more(stream, buffer).await? == 0 {
            return Err(if buffer.is_empty() {
                WireError::Closed
            } else {
                WireError::Malformed("the head was cut short")
            });
        }
        if let Some(head) = parse_head(buffer)? {
            break head;
        }
    };
    let mut keep_alive = head.keep_alive;
    let body = if matches!(head.status, 100..=199 | 204 | 304) {
        Vec::new()
    } else {
        match head.framing {
            Framing::Length(length) => {
                while buffer.len() < head.len + length {
                    if read_more(stream, buffer).await? == 0 {
                        return Err(WireError::Malformed("the body was cut short"));
                    }
                }
                buffer[head.len..head.len + length].to_vec()
            }
            Framing::Chunked => loop {
                if let Some(body) = dechunk(&buffer[head.len..])? {
                    break body;
                }
                if read_more(stream, buffer).await? == 0 {
                    return Err(WireError::Malformed("the chunked body was cut short"));
                }
            },
            Framing::UntilClose => {
                while read_more(stream, buffer).await? > 0 {}
                keep_alive = false;
                buffer[head.len..].to_vec()
            }
        }
    };
    Ok((
        Answer {
            status: head.status,
            body,
        },
        keep_alive,
    ))
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<usize, WireError> {
    if buffer.capacity() - buffer.len() < READ_CHUNK / 4 {
        buffer.reserve(READ_CHUNK);
    }
    stream.read_buf(buffer).await.map_err(WireError::Transport)
}

/// The head of the answer in `buffer`, or `None` if it has not all arrived.
fn parse_head(buffer: &[u8]) -> Result<Option<Head>, WireError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(WireError::Malformed("not an HTTP/1.1 head")),
    };
    let status = response.code.ok_or(WireError::Malformed("no status"))?;
    let mut framing = Framing::UntilClose;
    let mut keep_alive = response.version == Some(1);
    for header in response.headers.iter() {
        let value = std::str::from_utf8(header.value)
            .map_err(|_| WireError::Malformed("a header is not text"))?
            .trim();
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = value
                .parse()
                .map_err(|_| WireError::Malformed("Content-Length is not a number"))?;
            framing = Framing::Length(length);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            if value.eq_ignore_ascii_case("chunked") {
                framing = Framing::Chunked;
            }
        } else if header.name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    Ok(Some(Head {
        len,
        status,
        framing,
        keep_alive,
    }))
}

/// The body a chunked `encoded` carries, or `None` if its last chunk has not arrived.
fn dechunk(encoded: &[u8]) -> Result<Option<Vec<u8>>, WireError> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let (size_len, size) = match httparse::parse_chunk_size(&encoded[at..]) {
            Ok(httparse::Status::Complete(found)) => found,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(WireError::Malformed("a chunk's size is not hex")),
        };
        let size = usize::try_from(size).map_err(|_| WireError::Malformed("a chunk too big"))?;
        at += size_len;
        if size == 0 {
            // No trailers from the servers measured: the body ends with an empty line.
            return Ok((encoded.len() >= at + 2).then_some(body));
        }
        if encoded.len() < at + size + 2 {
            return Ok(None);
        }
        if &encoded[at + size..at + size + 2] != b"\r\n" {
            return Err(WireError::Malformed("a chunk is longer than its size says"));
        }
        body.extend_from_slice(&encoded[at..at + size]);
        at += size + 2;
    }
}

#[cfg(test)]
mod tests;

//! The rush's connection against a real socket served by canned answers: how each
//! framing is read, and when a connection is kept, opened again or given up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

const DEADLINE: Duration = Duration::from_secs(5);

/// What the canned server does with each request of a connection.
#[derive(Clone)]
enum Serve {
    /// Writes these pieces, pausing between them, and keeps reading requests.
    Pieces(Vec<&'static [u8]>),
    /// Answers the first request with the pieces, then closes the connection.
    OnceThenClose(Vec<&'static [u8]>),
    /// Reads the request and never answers.
    Silence,
}

/// A server on port 0 answering every request as `serve` says; counts connections.
async fn canned(
    serve: Serve,
) -> (
    String,
    Arc<AtomicUsize>,
    Arc<tokio::sync::Mutex<Vec<String>>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let (counted, seen) = (Arc::clone(&connections), Arc::clone(&requests));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_connection(stream, serve.clone(), Arc::clone(&seen)));
        }
    });
    (format!("http://{address}"), connections, requests)
}

async fn serve_connection(
    mut stream: TcpStream,
    serve: Serve,
    seen: Arc<tokio::sync::Mutex<Vec<String>>>,
) {
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        seen.lock().await.push(request);
        match &serve {
            Serve::Pieces(pieces) | Serve::OnceThenClose(pieces) => {
                for piece in pieces {
                    stream.write_all(piece).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if matches!(serve, Serve::OnceThenClose(_)) {
                    return;
                }
            }
            Serve::Silence => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                return;
            }
        }
    }
}

/// One whole request (head and a Content-Length body), or `None` once the peer closes.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    loop {
        let mut chunk = [0_u8; 1024];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text
                .lines()
                .find_map(|line| line.strip_prefix("Content-Length: "))
                .map_or(0, |value| value.trim().parse().unwrap());
            if buffer.len() >= end + 4 + length {
                return Some(text);
            }
        }
    }
}

async fn post(connection: &mut WireConnection) -> Result<Answer, WireError> {
    connection
        .post_json("/events/e/reservations", "key-1", br#"{"lines":[]}"#)
        .await
}

#[tokio::test]
async fn a_request_is_written_whole_with_its_key_and_body() {
    let (url, _, requests) = canned(Serve::Pieces(vec![
        b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}",
    ]))
    .await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    post(&mut connection).await.unwrap();
    let requests = requests.lock().await;
    let request = &requests[0];
    assert!(
        request.starts_with("POST /events/e/reservations HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(request.contains(&format!(
        "\r\nHost: {}\r\n",
        url.trim_start_matches("http://")
    )));
    assert!(request.contains("\r\nIdempotency-Key: key-1\r\n"));
    assert!(request.contains("\r\nContent-Type: application/json\r\n"));
    assert!(request.ends_with("\r\n\r\n{\"lines\":[]}"), "{request}");
}

#[tokio::test]
async fn an_answer_arriving_in_pieces_is_read_whole_and_the_connection_kept() {
    let (url, connections, _) = canned(Serve::Pieces(vec![
        b"HTTP/1.1 409 Conflict\r\ncontent-type: application/problem+json\r\ncontent-le",
        b"ngth: 26\r\n\r\n{\"type\":\"urn:carneau:",
        b"x:y\"}",
    ]))
    .await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    for _ in 0..3 {
        let answer = post(&mut connection).await.unwrap();
        assert_eq!(answer.status, 409);
        assert_eq!(answer.body, br#"{"type":"urn:carneau:x:y"}"#.to_vec());
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection for all three"
    );
}

#[tokio::test]
async fn a_chunked_answer_is_dechunked() {
    let (url, _, _) = canned(Serve::Pieces(vec![
        b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"st\r\n",
        b"d\r\natus\":\"held\"}\r\n0\r\n",
        b"\r\n",
    ]))
    .await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    let answer = post(&mut connection).await.unwrap();
    assert_eq!(answer.body, br#"{"status":"held"}"#.to_vec());
}

#[tokio::test]
async fn a_connection_closed_by_the_server_is_opened_again_for_the_next_request() {
    let (url, connections, requests) = canned(Serve::OnceThenClose(vec![
        b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}",
    ]))
    .await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    assert_eq!(post(&mut connection).await.unwrap().status, 201);
    // The server has closed the idle connection; the next request finds out by writing
    // or reading on it, and is sent again on a new one.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(post(&mut connection).await.unwrap().status, 201);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    assert_eq!(
        requests.lock().await.len(),
        2,
        "each request reached the server once"
    );
}

#[tokio::test]
async fn an_answer_that_says_close_is_not_reused() {
    let (url, connections, _) = canned(Serve::Pieces(vec![
        b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    ]))
    .await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    assert_eq!(post(&mut connection).await.unwrap().status, 503);
    assert_eq!(post(&mut connection).await.unwrap().status, 503);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_server_that_does_not_answer_times_out_and_the_connection_is_dropped() {
    let (url, connections, _) = canned(Serve::Silence).await;
    let mut connection = WireConnection::to(&url, Duration::from_millis(100)).unwrap();
    let error = post(&mut connection).await.unwrap_err();
    assert!(matches!(error, WireError::Timeout), "{error}");
    assert_eq!(error.label(), "timeout");
    let _ = post(&mut connection).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        2,
        "a late answer is never read as the next one's"
    );
}

#[tokio::test]
async fn a_head_that_is_not_http_is_malformed() {
    let (url, _, _) = canned(Serve::Pieces(vec![b"SSH-2.0-OpenSSH\r\n\r\n"])).await;
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    let error = post(&mut connection).await.unwrap_err();
    assert_eq!(error.label(), "body", "{error}");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut connection = WireConnection::to(&url, DEADLINE).unwrap();
    assert_eq!(post(&mut connection).await.unwrap_err().label(), "connect");
}

#[test]
fn only_plain_http_urls_are_taken() {
    assert!(WireConnection::to("https://127.0.0.1:1", DEADLINE).is_err());
    assert!(WireConnection::to("http://", DEADLINE).is_err());
    let connection = WireConnection::to("http://localhost/", DEADLINE).unwrap();
    assert_eq!(connection.authority, "localhost:80");
}

#[test]
fn a_chunk_longer_than_its_size_is_malformed() {
    let error = dechunk(b"3\r\nabcd\r\n0\r\n\r\n").unwrap_err();
    assert_eq!(error.label(), "body");
    assert_eq!(
        dechunk(b"3\r\nabc\r\n0\r\n\r\n").unwrap(),
        Some(b"abc".to_vec())
    );
    assert_eq!(
        dechunk(b"3\r\nabc\r\n0\r\n").unwrap(),
        None,
        "the last line is missing"
    );
}

//! Spreadsheet exports as CSV, streamed: UTF-8, one header row, RFC 4180 quoting, and
//! cells that a spreadsheet would run as a formula neutralised. The rows are written by a
//! task of their own into a bounded channel that is the response body, so an export of
//! any size holds a few chunks in memory, and a client that reads slowly slows the
//! database read down rather than filling the server's memory.

use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::SinkExt;

/// The media type of the exports (RFC 4180, with RFC 7111's `header` parameter).
pub const CSV_MEDIA_TYPE: &str = "text/csv; charset=utf-8; header=present";
/// How much CSV is gathered before it is handed to the body.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks written ahead of the client.
const CHUNKS_IN_FLIGHT: usize = 4;
/// The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The client went away before the export was written: nothing is wrong.
#[derive(Debug, thiserror::Error)]
#[error("the client stopped reading the export")]
pub struct ClientGone;

/// Writes the records of one export into its response body.
pub struct CsvWriter {
    chunk: String,
    body: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl CsvWriter {
    /// Writes one record; waits when the client is behind.
    pub async fn record<I, S>(&mut self, cells: I) -> Result<(), ClientGone>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (index, cell) in cells.into_iter().enumerate() {
            if index > 0 {
                self.chunk.push(',');
            }
            push_cell(&mut self.chunk, cell.as_ref());
        }
        self.chunk.push_str("\r\n");
        if self.chunk.len() >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends what is gathered; the export ends when the writer is dropped.
    pub async fn finish(mut self) -> Result<(), ClientGone> {
        self.flush().await
    }

    async fn flush(&mut self) -> Result<(), ClientGone> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.chunk, String::with_capacity(CHUNK_BYTES));
        self.body
            .send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| ClientGone)
    }
}

/// Appends `cell` to `line` as one CSV field: neutralised when a spreadsheet would take it
/// for a formula (a leading `'`, which spreadsheets show as text and do not display), and
/// quoted when it holds a comma, a quote or a line break (quotes doubled).
pub fn push_cell(line: &mut String, cell: &str) {
    let neutralised = cell.starts_with(FORMULA_STARTS);
    let quoted = cell.contains([',', '"', '\r', '\n']);
    if quoted {
        line.push('"');
    }
    if neutralised {
        line.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            line.push('"');
        }
        line.push(c);
    }
    if quoted {
        line.push('"');
    }
}

/// The response of an export named `filename`, its records written by `export`. The
/// caller has checked access and everything a problem could be made of: once the first
/// byte has left, a failure can only cut the body short (and is logged).
pub fn csv_response<F, Fut>(filename: &str, export: F) -> Response
where
    F: FnOnce(CsvWriter) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let mut failure = sender.clone();
    let writer = CsvWriter {
        chunk: String::with_capacity(CHUNK_BYTES),
        body: sender,
    };
    tokio::spawn(async move {
        match export(writer).await {
            Ok(()) => {}
            Err(error) if error.is::<ClientGone>() => {
                tracing::debug!("an export was abandoned by its client");
            }
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "an export stopped");
                let _ = failure
                    .send(Err(std::io::Error::other("the export stopped")))
                    .await;
            }
        }
    });
    let mut response = Body::from_stream(receiver).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CSV_MEDIA_TYPE),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        let mut line = String::new();
        push_cell(&mut line, text);
        line
    }

    #[test]
    fn plain_text_is_written_as_it_is() {
        assert_eq!(cell("Standing 🎟"), "Standing 🎟");
        assert_eq!(cell(""), "");
        assert_eq!(cell("12.50"), "12.50");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("cr\r\nlf"), "\"cr\r\nlf\"");
    }

    #[test]
    fn what_a_spreadsheet_would_run_is_neutralised() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                cell(formula).trim_start_matches('"').starts_with('\''),
                "{formula:?}"
            );
        }
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn a_csv_parser_reads_back_every_cell_as_written() {
        let cells = [
            "plain",
            "a, b",
            "say \"hi\"",
            "two\nlines",
            "crlf\r\nend",
            "🎟 emoji",
            "=SUM(A1:A9)",
            "",
        ];
        let mut line = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            push_cell(&mut line, cell);
        }
        line.push_str("\r\n");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        let read: Vec<&str> = record.iter().collect();
        let mut expected: Vec<String> = cells.iter().map(|cell| cell.to_string()).collect();
        expected[6] = "'=SUM(A1:A9)".to_owned();
        assert_eq!(read, expected);
    }
}

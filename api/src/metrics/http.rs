//! One count and one duration per HTTP request, labelled by the matched route template
//! (`/events/{event_id}/reservations`), never the raw path: ids in the path would make a
//! series per event and reservation, and the scraper would drown.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use metrics::{counter, histogram, Counter, Histogram};

use super::{HTTP_REQUESTS, HTTP_REQUEST_DURATION};

/// The `route` label of a request no route matched (a 404 from the fallback).
const UNMATCHED_ROUTE: &str = "unmatched";

/// A request being timed, from when it reached the middleware.
pub struct RequestTiming {
    started: Instant,
    method: &'static str,
    route: Option<MatchedPath>,
}

impl RequestTiming {
    /// Starts timing `request`.
    pub fn start(request: &Request) -> Self {
        Self {
            started: Instant::now(),
            method: method_label(request.method()),
            route: request.extensions().get::<MatchedPath>().cloned(),
        }
    }

    /// Counts the request and records how long it took, by its final status; answers
    /// that time, read once for the metric and the log line alike.
    pub fn finish(self, response: &Response) -> Duration {
        let took = self.started.elapsed();
        let route = self
            .route
            .as_ref()
            .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        let (requests, duration) = series(self.method, route, response.status());
        requests.increment(1);
        duration.record(took.as_secs_f64());
        took
    }
}

/// The counter and histogram of one method, route and status. Registered with the
/// recorder once and kept: registering built the labels (three owned strings) and
/// looked the series up in the recorder's registry for every request. Bounded by the
/// routes, methods and statuses the server answers with.
type Series = (Counter, Histogram);

/// Series by route template, then by method and status.
type SeriesByRoute = HashMap<String, HashMap<(&'static str, u16), Series>>;

static SERIES: LazyLock<Mutex<SeriesByRoute>> = LazyLock::new(Mutex::default);

fn series(method: &'static str, route: &str, status: StatusCode) -> Series {
    // `with_http_layers` installs the recorder before any route can answer, so no
    // handle kept here can be a no-op one from before it.
    let mut known = SERIES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(series) = known
        .get(route)
        .and_then(|statuses| statuses.get(&(method, status.as_u16())))
    {
        return series.clone();
    }
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_str().to_owned()),
    ];
    let series = (
        counter!(HTTP_REQUESTS, &labels),
        histogram!(HTTP_REQUEST_DURATION, &labels),
    );
    known
        .entry(route.to_owned())
        .or_default()
        .insert((method, status.as_u16()), series.clone());
    series
}

/// The method as a label; anything but the standard methods is `other`, so a client
/// inventing methods cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

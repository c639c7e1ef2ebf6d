//! Metrics test support: `GET /metrics` read into samples, and a little traffic of every
//! kind the metrics count (a hold, a sold-out refusal, a paid order, two scans, a refund,
//! cached reads).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::support::tickets::{verdict, PaidOrder, TicketsApp};
use crate::support::TestApp;

/// One line of the exposition: a series and its value.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The sample's name (`carneau_http_request_duration_seconds_bucket`).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// A scrape of `/metrics`, parsed.
#[derive(Debug, Clone)]
pub struct Scrape {
    /// Every sample, in the order rendered.
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Parses the Prometheus text exposition format (comments skipped).
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(parse_sample)
            .collect();
        Self { samples }
    }

    /// The sum of the samples named `name` whose labels include `labels`; 0 when none.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|sample| sample.value).sum()
    }

    /// The samples named `name` whose labels include `labels`.
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
    }

    /// Whether a sample named `name` is rendered.
    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|sample| sample.name == name)
    }
}

/// One sample line: `name{key="value",...} value` (values may hold `{`, `}`, `,` and
/// escaped quotes: route templates do).
fn parse_sample(line: &str) -> Sample {
    let (series, value) = line.rsplit_once(' ').expect("a sample line has a value");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().expect("a sample value is a number"),
    };
    let Some((name, rest)) = series.split_once('{') else {
        return Sample {
            name: series.to_owned(),
            labels: BTreeMap::new(),
            value,
        };
    };
    let mut labels = BTreeMap::new();
    let mut chars = rest.strip_suffix('}').expect("labels end with }").chars();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'), "label {key} of {line}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.push(chars.next().expect("an escaped character")),
                '"' => break,
                other => value.push(other),
            }
        }
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        if chars.next().is_none() {
            break;
        }
    }
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// `GET /metrics` as `token` (an admin's), parsed; asserts 200 and the content type.
pub async fn scrape(app: &TestApp, token: &str) -> Scrape {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    Scrape::parse(&response.text().await.unwrap())
}

/// What [`a_little_traffic`] did.
pub struct Traffic {
    /// The paid order (two tickets; the first scanned twice, the second refunded).
    pub order: PaidOrder,
    /// The event whose only ticket was held, then refused to a second buyer.
    pub sold_out_event: Uuid,
}

/// A hold, a sold-out refusal, a paid order of two tickets, two scans of the first
/// ticket (admitted, then already checked in), a refund of the second, and two reads of
/// an event (a cache miss, then a hit).
pub async fn a_little_traffic(tickets: &TicketsApp) -> Traffic {
    let order = tickets.paid_order(2, "metrics@example.com").await;
    let event_id = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let first = tickets.code(event_id, order.ticket_ids[0]);
    let admitted = tickets.scan(event_id, &first, Some(&organiser)).await;
    assert_eq!(verdict(&admitted), "admitted");
    let again = tickets.scan(event_id, &first, Some(&organiser)).await;
    assert_eq!(verdict(&again), "already_checked_in");
    tickets.refund(&order, &[order.ticket_ids[1]]).await;

    let http = tickets.payments.http();
    let last_one = http.create_published_event(1, 1).await;
    let held = http
        .reserve(last_one.event_id, &[(last_one.ticket_type_id, 1)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let refused = http
        .reserve(last_one.event_id, &[(last_one.ticket_type_id, 1)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.problem_slug(), "sold-out");

    // The event is in the catalogue's read model before it can be cached.
    crate::support::eventually("the event in the catalogue", || async {
        http.public_event(last_one.event_id).await
    })
    .await;
    assert!(http.public_event(last_one.event_id).await.is_some());
    Traffic {
        order,
        sold_out_event: last_one.event_id,
    }
}

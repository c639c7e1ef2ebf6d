//! One buyer's request and what came of it: a hold, a sold-out refusal, or an error.
//! The reservation contract is read here and nowhere else.

use std::time::Duration;

use serde::Deserialize;

/// The problem type the server answers with when no tickets are left.
pub const SOLD_OUT_PROBLEM_TYPE: &str = "urn:carneau:problem:sold-out";
/// The status of a reservation that holds its tickets.
pub const HELD_STATUS: &str = "held";

/// How one reservation request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 201 with a held reservation: the buyer got the tickets.
    Accepted,
    /// 409 sold out: the server turned the buyer away, as it should once capacity is gone.
    SoldOut,
    /// Anything else, labelled for the report (`"404"`, `"409 urn:…"`, `"timeout"`, …).
    Failed(String),
}

/// One request of the rush, timed against the start of the rush.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The buyer's position in the crowd.
    pub buyer: usize,
    /// Tickets asked for.
    pub quantity: u16,
    /// When the request left, since the rush started.
    pub sent_at: Duration,
    /// From sending the request to having read the whole answer.
    pub latency: Duration,
    /// What the answer was.
    pub outcome: Outcome,
    /// The payment that followed an accepted hold, when the run pays.
    pub payment: Option<crate::payment::PaymentAttempt>,
}

impl Attempt {
    /// When the answer was fully read, since the rush started.
    pub fn answered_at(&self) -> Duration {
        self.sent_at + self.latency
    }
}

/// The only fields of a reservation the benchmark looks at.
#[derive(Deserialize)]
struct ReservationBody {
    status: Option<String>,
}

/// The only field of a problem document the benchmark looks at.
#[derive(Deserialize)]
struct ProblemBody {
    #[serde(rename = "type")]
    problem_type: Option<String>,
}

/// Classifies an HTTP answer by its status and body.
pub fn classify_response(status: u16, body: &[u8]) -> Outcome {
    match status {
        201 => match serde_json::from_slice::<ReservationBody>(body) {
            Ok(ReservationBody { status: Some(held) }) if held == HELD_STATUS => Outcome::Accepted,
            Ok(ReservationBody {
                status: Some(other),
            }) => Outcome::Failed(format!("201 status {other}")),
            _ => Outcome::Failed("201 unreadable body".to_owned()),
        },
        _ => match problem_type(body) {
            Some(kind) if status == 409 && kind == SOLD_OUT_PROBLEM_TYPE => Outcome::SoldOut,
            Some(kind) => Outcome::Failed(format!("{status} {kind}")),
            None => Outcome::Failed(status.to_string()),
        },
    }
}

fn problem_type(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ProblemBody>(body)
        .ok()
        .and_then(|problem| problem.problem_type)
}

/// Classifies a request that got no complete answer.
pub fn classify_transport_error(error: &reqwest::Error) -> Outcome {
    let label = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else if error.is_body() || error.is_decode() {
        "body"
    } else {
        "transport"
    };
    Outcome::Failed(label.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_reservation_is_accepted() {
        let body = br#"{"id":"x","status":"held","expires_at":"2030-01-01T00:00:00Z","lines":[],"token":"t"}"#;
        assert_eq!(classify_response(201, body), Outcome::Accepted);
    }

    #[test]
    fn a_created_reservation_that_is_not_held_is_an_error() {
        assert_eq!(
            classify_response(201, br#"{"status":"expired"}"#),
            Outcome::Failed("201 status expired".to_owned())
        );
        assert_eq!(
            classify_response(201, b"not json"),
            Outcome::Failed("201 unreadable body".to_owned())
        );
    }

    #[test]
    fn only_the_sold_out_problem_is_a_refusal() {
        let sold_out =
            br#"{"type":"urn:carneau:problem:sold-out","title":"Sold out","status":409}"#;
        assert_eq!(classify_response(409, sold_out), Outcome::SoldOut);
        let other = br#"{"type":"urn:carneau:problem:conflict","status":409}"#;
        assert_eq!(
            classify_response(409, other),
            Outcome::Failed("409 urn:carneau:problem:conflict".to_owned())
        );
        assert_eq!(
            classify_response(409, b""),
            Outcome::Failed("409".to_owned())
        );
    }

    #[test]
    fn other_statuses_are_errors_labelled_by_status() {
        assert_eq!(
            classify_response(404, b"<html>"),
            Outcome::Failed("404".to_owned())
        );
        assert_eq!(
            classify_response(503, br#"{"type":"urn:carneau:problem:unavailable"}"#),
            Outcome::Failed("503 urn:carneau:problem:unavailable".to_owned())
        );
    }
}

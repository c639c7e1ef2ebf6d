//! Reusable OpenAPI declarations of the problems a route can answer, so that every route
//! documents its errors the same way:
//!
//! ```text
//! #[utoipa::path(post, path = "/…", responses(
//!     (status = 201, body = EventCreated),
//!     BodyProblems, OrganiserProblems, ServerProblems,
//! ))]
//! ```
//!
//! Each status has one description shared by all sets, so combining sets that share a
//! status (say 400 from [`BodyProblems`] and [`QueryProblems`]) is harmless.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::IntoResponses;

use super::PROBLEM_CONTENT_TYPE;

fn description(status: u16) -> &'static str {
    match status {
        400 => "Bad request: the JSON body is malformed (`malformed-json`) or a query parameter is invalid (`invalid-query`).",
        401 => "Not signed in: no session, or it expired or was revoked (`unauthorized`).",
        403 => "Signed in, but not allowed: `forbidden` (the route needs another role) or `not-event-organiser` (another organiser's event).",
        404 => "No such resource: `event-not-found` and the like name what is missing; `not-found` when the path names nothing (e.g. an id that is not a UUID).",
        409 => "The request conflicts with the current state; the `type` names why.",
        413 => "The request body is too large (`payload-too-large`).",
        415 => "The body is not `application/json` (`unsupported-media-type`).",
        422 => "The body does not have the expected shape (`invalid-body`) or breaks a rule (`validation`); `errors` names the fields.",
        429 => "Too many attempts (`rate-limited`); retry after the `Retry-After` header's seconds.",
        500 => "An unexpected error; the cause is logged under the request id (`internal`).",
        503 => "Temporarily unable to answer: timed out (`request-timeout`) or a dependency is down (`not-ready`).",
        _ => "An error described by the problem body.",
    }
}

fn problem_responses(statuses: &[u16]) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|status| {
            let response = ResponseBuilder::new()
                .description(description(*status))
                .content(
                    PROBLEM_CONTENT_TYPE,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a unit type whose OpenAPI responses are problems with the given statuses.
macro_rules! problem_set {
    ($(#[$doc:meta])* $name:ident => [$($status:literal),+]) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                problem_responses(&[$($status),+])
            }
        }
    };
}

problem_set!(
    /// What any route may answer: 500 and 503 (timeout).
    ServerProblems => [500, 503]
);
problem_set!(
    /// What a route that reads a JSON body may answer: 400, 413, 415, 422.
    BodyProblems => [400, 413, 415, 422]
);
problem_set!(
    /// What a route that reads query parameters may answer: 400.
    QueryProblems => [400]
);
problem_set!(
    /// What a route that names a resource in its path may answer: 404.
    NotFoundProblem => [404]
);
problem_set!(
    /// What a route that changes state may answer on a clash: 409.
    ConflictProblem => [409]
);
problem_set!(
    /// What a route for signed-in callers may answer: 401.
    SignedInProblems => [401]
);
problem_set!(
    /// What a route for some roles only (organiser, admin) may answer: 401 and 403.
    RoleProblems => [401, 403]
);
problem_set!(
    /// What a rate-limited route may answer: 429.
    RateLimitedProblems => [429]
);

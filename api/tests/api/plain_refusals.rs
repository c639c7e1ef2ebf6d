//! What a person reads when the API refuses their input: a sentence naming the field,
//! never a parser's words ("expected u32", "premature end of input", "`errors`").

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{event_request, expect_problem, spawn_app, ticket_type_request, Caller};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_too_large_for_a_number_names_the_field_and_its_range() {
    let app = spawn_app().await;
    let event = app.create_draft("Huge hall").await;
    let mut body = ticket_type_request("Standing", 2_500);
    body["capacity"] = json!(99_999_999_999_u64);

    let response = app
        .post_json_as(
            &format!("/organiser/events/{}/ticket-types", event.id),
            &body,
            Caller::Organiser,
        )
        .await;

    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(
        problem.detail,
        "\"capacity\" must be a whole number from 0 to 4294967295."
    );
    assert_eq!(problem.errors[0].field, "capacity");
    assert_eq!(
        problem.errors[0].message,
        "must be a whole number from 0 to 4294967295"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_date_names_the_field_and_the_expected_form() {
    let app = spawn_app().await;
    let mut body = event_request("");
    body["starts_at"] = json!("");

    let response = app
        .post_json_as("/organiser/events", &body, Caller::Organiser)
        .await;

    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid-body").await;
    assert_eq!(
        problem.detail,
        "\"starts_at\" must be a date and time such as 2030-06-01T19:00:00Z."
    );
    assert!(!problem.detail.contains("premature"), "{}", problem.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_from_after_until_says_which_date_is_wrong() {
    let app = spawn_app().await;

    let response = app
        .get("/events?from=2030-06-02T00:00:00Z&to=2030-06-01T00:00:00Z")
        .await;

    let problem = expect_problem(response, StatusCode::BAD_REQUEST, "invalid-query").await;
    assert_eq!(problem.detail, "\"to\" must be after \"from\".");
    assert!(!problem.detail.contains("`errors`"), "{}", problem.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_broken_by_several_fields_names_each_of_them() {
    let app = spawn_app().await;
    let mut body = event_request("");
    body["time_zone"] = json!("Mars/Olympus");

    let response = app
        .post_json_as("/organiser/events", &body, Caller::Organiser)
        .await;

    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(
        problem.detail.starts_with("\"title\" "),
        "{}",
        problem.detail
    );
    assert!(
        problem.detail.contains(" \"time_zone\" "),
        "{}",
        problem.detail
    );
}

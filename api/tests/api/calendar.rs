//! "Add to calendar": a published event as an iCalendar file (RFC 5545).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{event_request_starting, spawn_app, ticket_type_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_downloads_as_an_icalendar_file_in_utc() {
    let app = spawn_app().await;
    let starts_at = "2031-03-01T19:30:00+01:00"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    let mut body = event_request_starting("Jazz, live; loud", starts_at);
    body["description"] = json!("First set at 20:00.\nSecond set, later.");
    let draft = app.create_event(&body).await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    app.publish(draft.id).await;
    app.eventually_public_event(draft.id, "the published event", |d| d.status == "published")
        .await;

    let response = app.get(&format!("/events/{}/calendar.ics", draft.id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let ics = response.text().await.unwrap();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{ics}"
    );
    assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"), "{ics}");
    assert!(
        !ics.replace("\r\n", "").contains('\n'),
        "CRLF line ends only"
    );
    let unfolded = ics.replace("\r\n ", "");
    for line in [
        format!("UID:{}@carneau", draft.id),
        "DTSTART:20310301T183000Z".to_owned(),
        "DTEND:20310301T213000Z".to_owned(),
        "SUMMARY:Jazz\\, live\\; loud".to_owned(),
        "LOCATION:Le Sunset\\, 60 rue des Lombards\\, 75001 Paris".to_owned(),
        "DESCRIPTION:First set at 20:00.\\nSecond set\\, later.".to_owned(),
        format!("URL:http://127.0.0.1:3000/events/{}", draft.id),
        "X-WR-TIMEZONE:Europe/Paris".to_owned(),
        "STATUS:CONFIRMED".to_owned(),
    ] {
        assert!(unfolded.contains(&format!("{line}\r\n")), "{line} in {ics}");
    }

    // A draft is not public, and neither is its calendar.
    let draft = app.create_draft("Not yet").await;
    let hidden = app.get(&format!("/events/{}/calendar.ics", draft.id)).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

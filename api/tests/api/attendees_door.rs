//! Attendee names at an offline door: the scanner's download carries the name of each
//! valid ticket (never an email), and a corrected name reaches scanners through a new
//! `ETag`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::attendees::{ask, correct, paid_with};
use crate::support::eventually;
use crate::support::tickets::{order_ticket_ids, TicketsApp};

/// The `attendees` of a scanner download, as `(ticket_id, name)` sorted by ticket.
fn listed_names(data: &Value) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = data["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|attendee| {
            (
                attendee["ticket_id"].as_str().unwrap().to_owned(),
                attendee["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_scanner_download_names_each_valid_ticket_and_a_correction_changes_its_etag() {
    let tickets = TicketsApp::start().await;
    let on_sale = tickets.payments.event(10).await;
    ask(&tickets, on_sale, "optional", "optional").await;
    let (checkout, order) = paid_with(
        &tickets,
        on_sale,
        json!([
            { "name": "Ada", "email": "ada@example.com" },
            { "name": "Grace" },
            {},
        ]),
    )
    .await;
    let [ada, grace, _nameless] = order_ticket_ids(&order)[..] else {
        panic!("three tickets: {order}");
    };
    // Grace's ticket is refunded: a name the door no longer needs.
    let refunded = tickets
        .payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({ "ticket_ids": [grace] })),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);

    let event = on_sale.event_id;
    let path = format!("/door/events/{event}/scanner-data");
    let organiser = tickets.organiser();
    let data = eventually(
        "the names and the refund in the scanner's lists",
        || async {
            let reply = tickets.get(&path, Some(&organiser)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let revoked = reply.body["revoked_ticket_ids"] == json!([grace.to_string()]);
            (revoked && !listed_names(&reply.body).is_empty()).then_some(reply.body)
        },
    )
    .await;
    assert_eq!(
        listed_names(&data),
        [(ada.to_string(), "Ada".to_owned())],
        "only the valid named ticket: {data}"
    );
    assert!(
        !data.to_string().contains("ada@example.com"),
        "no email on a scanner: {data}"
    );

    // A corrected name is new lists: the ETag the scanner holds no longer matches.
    let raw = |etag: Option<String>| {
        let app = &tickets.payments.app;
        let mut request = app.client.get(app.url(&path)).bearer_auth(&organiser);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        request.send()
    };
    let held = raw(None).await.unwrap();
    let etag = held.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        raw(Some(etag.clone())).await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );
    let corrected = correct(&tickets, &checkout, 0, json!({ "name": "Ada Lovelace" })).await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    let changed = eventually("the corrected name in the scanner's lists", || async {
        let reply = raw(Some(etag.clone())).await.unwrap();
        (reply.status() == StatusCode::OK).then_some(reply)
    })
    .await;
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(
        listed_names(&body),
        [(ada.to_string(), "Ada Lovelace".to_owned())]
    );
}

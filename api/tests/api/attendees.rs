//! Who each ticket is for, over HTTP against real PostgreSQL, Redis, the fake Stripe and
//! an SMTP sink: the event's questions at checkout (required, optional, off), the names on
//! the tickets, in the tickets email, at the door, in the attendees CSV and the orders
//! search, and the buyer's corrections until the event starts.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::payments::Checkout;
use crate::support::reservations::http::{OnSale, Reply};
use crate::support::tickets::{order_ticket_ids, verdict, TicketsApp};
use crate::support::{eventually, parse_csv};

/// A name with what trips a CSV writer: a comma, quotes and an emoji.
const TRICKY: &str = "Lovelace, \"Ada\" 🎟";
/// A name a spreadsheet would run as a formula.
const FORMULA: &str = "=cmd|' /C calc'!A0";

/// Sets what `on_sale`'s event asks about attendees (as its organiser).
pub(crate) async fn ask(tickets: &TicketsApp, on_sale: OnSale, name: &str, email: &str) {
    let edited = tickets
        .payments
        .organiser(
            Method::PATCH,
            &format!("/organiser/events/{}", on_sale.event_id),
            Some(&json!({ "attendee_questions": { "name": name, "email": email } })),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["attendee_questions"]["name"], name);
}

/// Holds `quantity` tickets and asks for checkout with `attendees`.
pub(crate) async fn try_checkout(
    tickets: &TicketsApp,
    on_sale: OnSale,
    quantity: u32,
    attendees: Value,
) -> (Uuid, String, Reply) {
    let (reservation_id, token) = tickets.payments.hold(on_sale, quantity).await;
    let reply = tickets
        .payments
        .http()
        .call(
            Method::POST,
            &format!("/reservations/{reservation_id}/checkout"),
            Some(&token),
            None,
            Some(&json!({ "email": "buyer@example.com", "attendees": attendees })),
        )
        .await
        .unwrap();
    (reservation_id, token, reply)
}

/// `PUT /orders/{id}/attendees/{seat}` with the order link's key.
pub(crate) async fn correct(
    tickets: &TicketsApp,
    checkout: &Checkout,
    seat: usize,
    body: Value,
) -> Reply {
    tickets
        .payments
        .http()
        .call(
            Method::PUT,
            &format!(
                "/orders/{}/attendees/{seat}?key={}",
                checkout.order_id, checkout.key
            ),
            None,
            None,
            Some(&body),
        )
        .await
        .unwrap()
}

/// A paid order of `attendees.len()` tickets of `on_sale` for `attendees`, bought by
/// `buyer@example.com`: its checkout and the order as its link shows it, paid.
pub(crate) async fn paid_with(
    tickets: &TicketsApp,
    on_sale: OnSale,
    attendees: Value,
) -> (Checkout, Value) {
    let quantity = u32::try_from(attendees.as_array().map_or(0, Vec::len)).unwrap();
    let (reservation_id, token, started) =
        try_checkout(tickets, on_sale, quantity, attendees).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let checkout = Checkout::started(reservation_id, token, started.body);
    tickets.payments.pay(&checkout).await;
    let order = tickets.payments.eventually_status(&checkout, "paid").await;
    (checkout, order)
}

pub(crate) fn field_errors(reply: &Reply) -> Vec<(String, String)> {
    reply.body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|error| {
            (
                error["field"].as_str().unwrap_or_default().to_owned(),
                error["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_required_name_is_asked_per_ticket_and_follows_the_ticket_everywhere() {
    let tickets = TicketsApp::start().await;
    let on_sale = tickets.payments.event(10).await;
    ask(&tickets, on_sale, "required", "optional").await;

    // Left out, blank or malformed: refused before any payment, naming the ticket.
    let (_, _, none) = try_checkout(&tickets, on_sale, 3, json!([])).await;
    assert_eq!(
        none.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        none.body
    );
    assert!(none.body["type"]
        .as_str()
        .unwrap()
        .ends_with("attendee-details-required"));
    assert_eq!(field_errors(&none)[0].0, "attendees[0].name");
    let (_, _, blank) = try_checkout(
        &tickets,
        on_sale,
        3,
        json!([{ "name": "Ada Lovelace" }, { "name": "   " }, { "name": "Linus" }]),
    )
    .await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blank.body
    );
    assert_eq!(
        field_errors(&blank),
        [(
            "attendees[1].name".to_owned(),
            "Ticket 2 needs the attendee's name.".to_owned()
        )]
    );
    let (_, _, bad) = try_checkout(
        &tickets,
        on_sale,
        1,
        json!([{ "name": "Ada\nLovelace", "email": "not an email" }]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> = field_errors(&bad).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["attendees[0].name", "attendees[0].email"]);
    assert!(
        tickets.payments.stripe.session_ids().is_empty(),
        "no payment page yet"
    );

    // Given: the order records them, the tickets are issued with them.
    let (reservation_id, token, started) = try_checkout(
        &tickets,
        on_sale,
        3,
        json!([
            { "name": " Ada Lovelace ", "email": "ada@example.com" },
            { "name": TRICKY },
            { "name": FORMULA },
        ]),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let checkout = Checkout::started(reservation_id, token, started.body);
    tickets.payments.pay(&checkout).await;
    let order = tickets.payments.eventually_status(&checkout, "paid").await;
    let names: Vec<&str> = order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["attendee_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada Lovelace", TRICKY, FORMULA]);
    assert_eq!(order["tickets"][0]["attendee_email"], "ada@example.com");
    assert_eq!(order["attendees"][1]["name"], TRICKY);
    let ticket_ids = order_ticket_ids(&order);

    // The tickets email names each ticket's attendee (Ada gets her own ticket too:
    // `attendees_mail.rs`).
    let mail = eventually("the tickets email", || async {
        tickets
            .sink
            .messages()
            .into_iter()
            .find(|message| message.to == ["buyer@example.com"])
    })
    .await;
    let text = mail.data.replace("=\r\n", "").replace("=3D", "=");
    assert!(
        text.contains("Ticket 1: Standing for Ada Lovelace"),
        "{text}"
    );

    // The door calls the name out.
    let pool = tickets.payments.app.database.pool().clone();
    let first = ticket_ids[0];
    eventually("the names in the tickets read model", || async {
        carneau_projections::tickets::ticket(&pool, first)
            .await
            .unwrap()
            .and_then(|ticket| ticket.attendee_name)
    })
    .await;
    let code = tickets.code(on_sale.event_id, first);
    let scan = tickets
        .scan(on_sale.event_id, &code, Some(&tickets.organiser()))
        .await;
    assert_eq!(verdict(&scan), "admitted");
    assert_eq!(scan.body["attendee_name"], "Ada Lovelace");

    // The organiser finds the order by an attendee's name, whatever its case.
    for search in ["lovel", "LOVELACE, \"a", "=cmd"] {
        let found = tickets
            .payments
            .organiser(
                Method::GET,
                &format!(
                    "/organiser/events/{}/orders?q={}",
                    on_sale.event_id,
                    urlencoding(search)
                ),
                None,
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let ids: Vec<&str> = found.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["order_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [checkout.order_id.to_string()], "{search}");
    }

    // The attendees CSV carries them, quoted and neutralised, read back by a CSV parser.
    let (header, rows) = attendees_csv(&tickets, on_sale.event_id).await;
    assert_eq!(header[7..], ["attendee_name", "attendee_email"]);
    let mut exported: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row[7].clone(), row[8].clone()))
        .collect();
    exported.sort();
    let mut expected = vec![
        ("Ada Lovelace".to_owned(), "ada@example.com".to_owned()),
        (TRICKY.to_owned(), String::new()),
        (format!("'{FORMULA}"), String::new()),
    ];
    expected.sort();
    assert_eq!(exported, expected);
}

#[tokio::test]
async fn the_buyer_corrects_a_name_until_the_event_starts_and_the_log_says_who() {
    let tickets = TicketsApp::start().await;
    let on_sale = tickets.payments.event(10).await;
    ask(&tickets, on_sale, "required", "off").await;
    let (reservation_id, token, started) = try_checkout(
        &tickets,
        on_sale,
        2,
        json!([{ "name": "Ada" }, { "name": "Grace" }]),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let checkout = Checkout::started(reservation_id, token, started.body);
    tickets.payments.pay(&checkout).await;
    let order = tickets.payments.eventually_status(&checkout, "paid").await;
    let second = order_ticket_ids(&order)[1];

    let corrected = correct(&tickets, &checkout, 1, json!({ "name": "Grace Hopper" })).await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(corrected.body["name"], "Grace Hopper");
    let order = tickets.payments.order(&checkout).await;
    assert_eq!(order["tickets"][1]["attendee_name"], "Grace Hopper");
    // The same again records nothing more.
    let again = correct(&tickets, &checkout, 1, json!({ "name": "Grace Hopper" })).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);

    // One fact, by the guest holding the order's key, caused by their request.
    let facts: Vec<(Value, Value)> = sqlx::query_as(
        "SELECT metadata, payload FROM events \
          WHERE aggregate_type = 'Order' AND event_type = 'AttendeeCorrected'",
    )
    .fetch_all(tickets.payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(facts.len(), 1);
    let (metadata, payload) = &facts[0];
    assert_eq!(metadata["actor"]["kind"], "guest", "{metadata}");
    assert_eq!(metadata["cause"]["kind"], "request", "{metadata}");
    let fact = &payload["AttendeeCorrected"];
    assert_eq!(fact["seat"], 1);
    assert_eq!(fact["ticket_id"], second.to_string());
    assert_eq!(fact["previous"]["name"], "Grace");
    assert_eq!(fact["attendee"]["name"], "Grace Hopper");

    // The read model (door, exports, search) follows.
    let pool = tickets.payments.app.database.pool().clone();
    eventually("the corrected name in the tickets read model", || async {
        let ticket = carneau_projections::tickets::ticket(&pool, second)
            .await
            .unwrap()?;
        (ticket.attendee_name.as_deref() == Some("Grace Hopper")).then_some(())
    })
    .await;

    // A required name cannot be blanked; a seat the order lacks is not found.
    let blanked = correct(&tickets, &checkout, 0, json!({ "name": "" })).await;
    assert_eq!(
        blanked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blanked.body
    );
    assert_eq!(field_errors(&blanked)[0].0, "attendees[0].name");
    let beyond = correct(&tickets, &checkout, 2, json!({ "name": "Nobody" })).await;
    assert_eq!(beyond.status, StatusCode::NOT_FOUND, "{}", beyond.body);
    // Without the key (and not signed in), nothing.
    let anonymous = tickets
        .payments
        .http()
        .call(
            Method::PUT,
            &format!("/orders/{}/attendees/0", checkout.order_id),
            None,
            None,
            Some(&json!({ "name": "Mallory" })),
        )
        .await
        .unwrap();
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );

    // Once the event has started, the names are locked. (An event cannot be moved into
    // the past: it is moved to start in a moment, and the moment is waited out.)
    let started_at = Utc::now() + Duration::seconds(2);
    let moved = tickets
        .payments
        .organiser(
            Method::PATCH,
            &format!("/organiser/events/{}", on_sale.event_id),
            Some(&json!({ "starts_at": started_at })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    tokio::time::sleep((started_at - Utc::now()).to_std().unwrap_or_default()).await;
    let late = correct(&tickets, &checkout, 0, json!({ "name": "Ada L." })).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body["type"]
        .as_str()
        .unwrap()
        .ends_with("attendees-locked"));
}

#[tokio::test]
async fn an_optional_name_may_be_left_blank_and_names_are_ignored_when_not_asked() {
    let tickets = TicketsApp::start().await;
    let optional = tickets.payments.event(10).await;
    ask(&tickets, optional, "optional", "off").await;
    let (_, _, blank) = try_checkout(&tickets, optional, 2, json!([{ "name": "Ada" }])).await;
    assert_eq!(blank.status, StatusCode::CREATED, "{}", blank.body);
    let order_id = blank.body["order_id"].as_str().unwrap();
    let key = blank.body["order_secret"].as_str().unwrap();
    let order = tickets
        .get(&format!("/orders/{order_id}?key={key}"), None)
        .await;
    assert_eq!(
        order.body["attendees"],
        json!([
            { "seat": 0, "name": "Ada", "email": null },
            { "seat": 1, "name": null, "email": null }
        ])
    );

    // An event that asks nothing keeps nothing (the email it does not ask is dropped
    // too), rather than refusing a client that always sends names.
    let off = tickets.payments.event(10).await;
    let (_, _, ignored) = try_checkout(
        &tickets,
        off,
        1,
        json!([{ "name": "Ada", "email": "ada@example.com" }]),
    )
    .await;
    assert_eq!(ignored.status, StatusCode::CREATED, "{}", ignored.body);
    let order_id = ignored.body["order_id"].as_str().unwrap();
    let key = ignored.body["order_secret"].as_str().unwrap();
    let order = tickets
        .get(&format!("/orders/{order_id}?key={key}"), None)
        .await;
    assert!(order.body.get("attendees").is_none(), "{}", order.body);
    // More attendees than tickets is a mistake worth saying, asked or not.
    let (_, _, too_many) =
        try_checkout(&tickets, off, 1, json!([{ "name": "A" }, { "name": "B" }])).await;
    assert_eq!(
        too_many.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_many.body
    );
}

/// `GET /organiser/events/{id}/attendees.csv`, parsed with a real CSV parser.
async fn attendees_csv(tickets: &TicketsApp, event_id: Uuid) -> (Vec<String>, Vec<Vec<String>>) {
    let app = &tickets.payments.app;
    let body = app
        .client
        .get(app.url(&format!("/organiser/events/{event_id}/attendees.csv")))
        .bearer_auth(tickets.organiser())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    parse_csv(&body)
}

/// `text` as a query parameter value.
pub(crate) fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

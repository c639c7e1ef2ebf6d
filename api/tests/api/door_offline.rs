//! The door offline: a scanner's batch of offline scans (each judged, recorded once, in
//! order), the two-devices duplicate rule, what scanners download, the live counts and
//! the double entries.

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::eventually;
use crate::support::reservations::http::Reply;
use crate::support::tickets::{strings, verdict, TicketsApp};

/// `POST /door/events/{event}/offline-scans` of `scans` (code, scan time) from `device`.
async fn sync(
    tickets: &TicketsApp,
    event: Uuid,
    device: &str,
    scans: &[(String, DateTime<Utc>)],
    bearer: Option<&str>,
) -> Reply {
    let scans: Vec<Value> = scans
        .iter()
        .map(|(code, at)| json!({ "code": code, "scanned_at": at }))
        .collect();
    post_batch(
        tickets,
        event,
        &json!({ "device_id": device, "scans": scans }),
        bearer,
    )
    .await
}

async fn post_batch(
    tickets: &TicketsApp,
    event: Uuid,
    body: &Value,
    bearer: Option<&str>,
) -> Reply {
    tickets
        .payments
        .http()
        .call(
            Method::POST,
            &format!("/door/events/{event}/offline-scans"),
            bearer,
            None,
            Some(body),
        )
        .await
        .unwrap()
}

/// The verdicts of a batch reply, in order.
fn verdicts(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["verdict"].as_str().unwrap().to_owned())
        .collect()
}

/// A scan time as a browser gives it (milliseconds).
fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    (Utc::now() - Duration::minutes(minutes)).trunc_subsecs(3)
}

#[tokio::test]
async fn offline_scans_are_admissions_marked_offline_and_a_batch_sent_twice_records_nothing_twice()
{
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let staff = tickets.payments.app.door_staff(event).await;
    let scans: Vec<(String, DateTime<Utc>)> = order
        .ticket_ids
        .iter()
        .map(|ticket| (tickets.code(event, *ticket), minutes_ago(2)))
        .collect();

    let first = sync(&tickets, event, "north-1", &scans, Some(&staff.token)).await;
    assert_eq!(verdicts(&first), ["admitted", "admitted"]);
    let result = &first.body["results"][0];
    assert_eq!(result["recorded"], true);
    assert_eq!(result["ticket_id"], order.ticket_ids[0].to_string());
    assert_eq!(result["admitted_device_id"], "north-1");
    assert_eq!(result["admitted_by"]["account_id"], staff.id.to_string());
    // The admission is timed by the scan, not by the sync.
    let admitted_at: DateTime<Utc> = result["admitted_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(admitted_at, scans[0].1);

    let again = sync(&tickets, event, "north-1", &scans, Some(&staff.token)).await;
    assert_eq!(verdicts(&again), ["already_recorded", "already_recorded"]);
    assert_eq!(again.body["results"][1]["recorded_as"], "admitted");
    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 2);
    assert_eq!(tickets.admission_facts("DuplicateEntryRecorded").await, 0);

    // In the log: marked offline with its device and when it was synced.
    let payload: Value = sqlx::query_scalar(
        "SELECT payload::jsonb FROM events WHERE aggregate_type = 'Admission' \
         AND aggregate_id = $1",
    )
    .bind(order.ticket_ids[0].to_string())
    .fetch_one(tickets.payments.app.database.pool())
    .await
    .unwrap();
    assert_eq!(
        payload["TicketCheckedIn"]["offline"]["device_id"],
        "north-1"
    );
    assert!(payload["TicketCheckedIn"]["offline"]["synced_at"].is_string());

    // Online, the door now refuses the ticket with the offline scan's time and device.
    let online = tickets.scan(event, &scans[0].0, Some(&staff.token)).await;
    assert_eq!(verdict(&online), "already_checked_in");
    let checked_in_at: DateTime<Utc> = online.body["checked_in_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(checked_in_at, scans[0].1);
    assert_eq!(online.body["checked_in_device"], "north-1");
    let detail = online.body["detail"].as_str().unwrap();
    assert!(detail.contains("north-1"), "{detail}");
}

#[tokio::test]
async fn the_same_ticket_on_two_devices_is_one_admission_and_one_double_entry() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let staff = tickets.payments.app.door_staff(event).await;
    let code = tickets.code(event, order.ticket_ids[0]);
    let (later, earlier) = (minutes_ago(1), minutes_ago(3));

    // The later scan syncs first: it is the admission of record.
    let south = sync(
        &tickets,
        event,
        "south-2",
        &[(code.clone(), later)],
        Some(&staff.token),
    )
    .await;
    assert_eq!(verdicts(&south), ["admitted"]);
    // The earlier scan syncs after it: a duplicate entry naming both scans.
    let north = sync(
        &tickets,
        event,
        "north-1",
        &[(code.clone(), earlier)],
        Some(&organiser),
    )
    .await;
    assert_eq!(verdicts(&north), ["duplicate_entry"]);
    let result = &north.body["results"][0];
    assert_eq!(result["recorded"], true);
    assert_eq!(result["admitted_device_id"], "south-2");
    let admitted_at: DateTime<Utc> = result["admitted_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(admitted_at, later);
    let resent = sync(
        &tickets,
        event,
        "north-1",
        &[(code, earlier)],
        Some(&organiser),
    )
    .await;
    assert_eq!(verdicts(&resent), ["already_recorded"]);
    assert_eq!(resent.body["results"][0]["recorded_as"], "duplicate_entry");
    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 1);
    assert_eq!(tickets.admission_facts("DuplicateEntryRecorded").await, 1);

    // The organiser's list names both devices, times and who scanned.
    let listed = eventually("the double entry in the read model", || async {
        let reply = tickets
            .get(
                &format!("/door/events/{event}/double-entries"),
                Some(&organiser),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let entries = reply.body["double_entries"].as_array().unwrap().clone();
        (entries.len() == 1).then(|| entries[0].clone())
    })
    .await;
    assert_eq!(listed["ticket_id"], order.ticket_ids[0].to_string());
    assert_eq!(
        listed["ticket_type_id"],
        order.on_sale.ticket_type_id.to_string()
    );
    assert_eq!(listed["admission"]["device_id"], "south-2");
    assert_eq!(
        listed["admission"]["scanned_by"]["account_id"],
        staff.id.to_string()
    );
    assert_eq!(listed["duplicate"]["device_id"], "north-1");
    let duplicate_at: DateTime<Utc> = listed["duplicate"]["scanned_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(duplicate_at, earlier);

    // Counted once: one of two sold tickets admitted.
    let counts = eventually("the admission counted", || async {
        let reply = tickets
            .get(
                &format!("/door/events/{event}/check-in-counts"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (reply.body["admitted"] == 1).then_some(reply.body)
    })
    .await;
    assert_eq!(counts["sold"], 2);
    assert_eq!(
        counts["ticket_types"][0]["ticket_type_id"],
        order.on_sale.ticket_type_id.to_string()
    );
    assert_eq!(counts["ticket_types"][0]["admitted"], 1);
    assert_eq!(counts["ticket_types"][0]["sold"], 2);
}

#[tokio::test]
async fn each_scan_of_a_batch_gets_its_own_verdict_in_order() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(3, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let [valid, refunded, mistimed] = [
        order.ticket_ids[0],
        order.ticket_ids[1],
        order.ticket_ids[2],
    ];
    tickets.refund(&order, &[refunded]).await;
    let other = tickets.payments.event(5).await;
    let code = tickets.code(event, valid);
    let mut forged: Vec<char> = code.chars().collect();
    forged[100] = if forged[100] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let now = minutes_ago(1);
    let batch = [
        (
            tickets.code(event, mistimed),
            Utc::now() + Duration::hours(1),
        ),
        (forged, now),
        ("hello".to_owned(), now),
        (tickets.code(other.event_id, Uuid::now_v7()), now),
        (tickets.code(event, refunded), now),
        (tickets.code(event, mistimed), minutes_ago(60 * 24)),
        (code, now),
    ];

    let reply = sync(&tickets, event, "gate-A", &batch, Some(&organiser)).await;
    assert_eq!(
        verdicts(&reply),
        [
            "implausible_scan_time",
            "forged",
            "unreadable",
            "wrong_event",
            "revoked",
            "implausible_scan_time",
            "admitted"
        ]
    );
    let results = &reply.body["results"];
    assert_eq!(results[3]["code_event_id"], other.event_id.to_string());
    assert_eq!(results[4]["ticket_id"], refunded.to_string());
    assert_eq!(results[4]["recorded"], false);
    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 1);
}

#[tokio::test]
async fn malformed_batches_are_422_naming_the_field() {
    let tickets = TicketsApp::start().await;
    let on_sale = tickets.payments.event(5).await;
    let event = on_sale.event_id;
    let organiser = tickets.organiser();
    let scan = json!({ "code": "x", "scanned_at": Utc::now() });
    let cases = [
        (
            json!({ "device_id": "north gate", "scans": [scan] }),
            "validation",
            "device_id",
        ),
        (
            json!({ "device_id": "", "scans": [] }),
            "validation",
            "device_id",
        ),
        (
            json!({ "device_id": "d".repeat(65), "scans": [] }),
            "validation",
            "device_id",
        ),
        (
            json!({ "device_id": "north-1", "scans": vec![scan.clone(); 251] }),
            "validation",
            "scans",
        ),
        (json!({ "scans": [scan] }), "invalid-body", "device_id"),
        (
            json!({ "device_id": "north-1", "scans": [{ "code": "x", "scanned_at": "yesterday" }] }),
            "invalid-body",
            "scans[0].scanned_at",
        ),
        (
            json!({ "device_id": "north-1", "scans": [{ "code": "x" }] }),
            "invalid-body",
            "scans[0].scanned_at",
        ),
    ];
    for (body, slug, field) in cases {
        let reply = post_batch(&tickets, event, &body, Some(&organiser)).await;
        let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY, slug);
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&field), "{body}: {fields:?}");
    }
    let fine = post_batch(
        &tickets,
        event,
        &json!({ "device_id": "north-1", "scans": vec![scan; 250] }),
        Some(&organiser),
    )
    .await;
    assert_eq!(verdicts(&fine).len(), 250);
}

#[tokio::test]
async fn only_the_organiser_admins_and_the_events_door_staff_use_the_offline_routes() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let app = &tickets.payments.app;
    let staff = app.door_staff(event).await;
    let other_staff = app.door_staff(Uuid::now_v7()).await;
    let buyer = app.buyer().await;
    let admin = app.admin().await;
    let other_organiser = app.other_organiser().await;
    let scans = [(tickets.code(event, order.ticket_ids[0]), minutes_ago(1))];
    let reads = ["scanner-data", "check-in-counts", "double-entries"];

    sync(&tickets, event, "d1", &scans, None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "unauthorized");
    for outsider in [&buyer, &other_staff, &other_organiser] {
        sync(&tickets, event, "d1", &scans, Some(&outsider.token))
            .await
            .problem(StatusCode::FORBIDDEN, "not-door-staff");
        for read in reads {
            tickets
                .get(
                    &format!("/door/events/{event}/{read}"),
                    Some(&outsider.token),
                )
                .await
                .problem(StatusCode::FORBIDDEN, "not-door-staff");
        }
    }
    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 0);
    for insider in [&staff, &admin] {
        for read in reads {
            let reply = tickets
                .get(
                    &format!("/door/events/{event}/{read}"),
                    Some(&insider.token),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{read}: {}", reply.body);
        }
    }
    assert_eq!(
        verdicts(&sync(&tickets, event, "d1", &scans, Some(&admin.token)).await),
        ["admitted"]
    );
    sync(&tickets, Uuid::now_v7(), "d1", &scans, Some(&admin.token))
        .await
        .problem(StatusCode::NOT_FOUND, "event-not-found");
}

#[tokio::test]
async fn scanner_data_lists_the_key_types_revoked_and_admitted_tickets_and_answers_304_while_unchanged(
) {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(3, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let [admitted, refunded, late] = [
        order.ticket_ids[0],
        order.ticket_ids[1],
        order.ticket_ids[2],
    ];
    let path = format!("/door/events/{event}/scanner-data");

    let scan = tickets
        .scan(event, &tickets.code(event, admitted), Some(&organiser))
        .await;
    assert_eq!(verdict(&scan), "admitted");
    tickets.refund(&order, &[refunded]).await;
    let data = eventually("the admitted and revoked tickets listed", || async {
        let reply = tickets.get(&path, Some(&organiser)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let listed = reply.body["admitted"].as_array().unwrap().len() == 1
            && strings(&reply.body["revoked_ticket_ids"]) == vec![refunded.to_string()];
        listed.then_some(reply.body)
    })
    .await;
    assert_eq!(data["admitted"][0]["ticket_id"], admitted.to_string());
    // The read model keeps microseconds of the online check-in's time.
    let listed_at: DateTime<Utc> = data["admitted"][0]["admitted_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let checked_in_at: DateTime<Utc> = scan.body["checked_in_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(listed_at, checked_in_at.trunc_subsecs(6));
    assert_eq!(data["admitted"][0]["device_id"], Value::Null);
    assert_eq!(
        data["ticket_types"][0]["ticket_type_id"],
        order.on_sale.ticket_type_id.to_string()
    );
    assert!(!data["ticket_types"][0]["name"].as_str().unwrap().is_empty());
    assert!(!data["title"].as_str().unwrap().is_empty());
    assert!(data["time_zone"].as_str().unwrap().contains('/'));
    assert_eq!(data["algorithm"], "Ed25519");
    assert_eq!(data["public_key"].as_str().unwrap().len(), 43);
    assert!(data["refreshed_at"].is_string());

    // A poll with the ETag it holds gets 304 while nothing changed, and the new lists
    // (and a new ETag) once something did.
    let raw = |etag: Option<String>| {
        let mut request = tickets
            .payments
            .app
            .client
            .get(tickets.payments.app.url(&path))
            .bearer_auth(&organiser);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        request.send()
    };
    let first = raw(None).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let unchanged = raw(Some(etag.clone())).await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), etag);

    // A refused offline scan changes nothing; an offline admission changes the lists.
    let refused = sync(
        &tickets,
        event,
        "north-1",
        &[(tickets.code(event, refunded), minutes_ago(1))],
        Some(&organiser),
    )
    .await;
    assert_eq!(verdicts(&refused), ["revoked"]);
    assert_eq!(
        raw(Some(etag.clone())).await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );
    let later = sync(
        &tickets,
        event,
        "north-1",
        &[(tickets.code(event, late), minutes_ago(1))],
        Some(&organiser),
    )
    .await;
    assert_eq!(verdicts(&later), ["admitted"]);
    let changed = eventually("the lists to change", || async {
        let reply = raw(Some(etag.clone())).await.unwrap();
        (reply.status() == StatusCode::OK).then_some(reply)
    })
    .await;
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = changed.json().await.unwrap();
    let devices: Vec<&Value> = body["admitted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["device_id"])
        .collect();
    assert!(devices.contains(&&json!("north-1")), "{body}");
}

#[tokio::test]
async fn one_batch_scanning_a_ticket_twice_records_an_admission_then_a_duplicate_entry() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let staff = tickets.payments.app.door_staff(event).await;
    let [twice, once] = [order.ticket_ids[0], order.ticket_ids[1]];
    let first_scan = minutes_ago(4);
    let batch = [
        (tickets.code(event, twice), first_scan),
        (tickets.code(event, once), minutes_ago(3)),
        (tickets.code(event, twice), minutes_ago(2)),
        (tickets.code(event, twice), first_scan),
    ];

    // The batch reads each ticket once; what an earlier scan of it recorded decides the
    // later ones.
    let reply = sync(&tickets, event, "north-1", &batch, Some(&staff.token)).await;
    assert_eq!(
        verdicts(&reply),
        [
            "admitted",
            "admitted",
            "duplicate_entry",
            "already_recorded"
        ]
    );
    assert_eq!(
        reply.body["results"][2]["admitted_at"],
        reply.body["results"][0]["admitted_at"]
    );
    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 2);
    assert_eq!(tickets.admission_facts("DuplicateEntryRecorded").await, 1);
}

//! Tickets after payment, over HTTP against real PostgreSQL, Redis, the fake Stripe and
//! an SMTP sink: the one tickets email per order and its QR codes, QR access, the door's
//! verdicts, revocation after a refund, and who may work the door.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use carneau_domain::ticket_code::{EventVerifyingKey, ScannedCode};
use carneau_domain::{EventId, TicketId};
use carneau_testkit::qr::{decode_png as decode_qr_png, png_attachments};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::eventually;
use crate::support::tickets::{strings, verdict, TicketsApp};

#[tokio::test]
async fn a_paid_order_gets_one_email_whose_qr_codes_admit_at_the_door() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let app = &tickets.payments.app;

    let message = eventually("the tickets email", || async {
        tickets.sink.messages().into_iter().next()
    })
    .await;
    assert_eq!(message.to, vec!["buyer@example.com".to_owned()]);
    assert!(
        message.data.contains("Subject: Your tickets for"),
        "{}",
        message.data
    );
    let link = format!(
        "http://shop.test/orders/{}?key={}",
        order.checkout.order_id, order.checkout.key
    );
    // The text part is quoted-printable: long lines are soft-wrapped, `=` is `=3D`.
    let text = message.data.replace("=\r\n", "").replace("=3D", "=");
    assert!(text.contains(&link), "no order link in {text}");
    assert!(
        text.contains("Content-Type: text/html"),
        "no HTML part in {text}"
    );
    assert!(message.data.contains(&format!(
        "Message-ID: <tickets.{}@carneau.invalid>",
        order.checkout.order_id
    )));
    let mut admitted = Vec::new();
    for png in png_attachments(&message.data) {
        let reply = tickets
            .scan(
                order.on_sale.event_id,
                &decode_qr_png(&png),
                Some(&tickets.organiser()),
            )
            .await;
        assert_eq!(verdict(&reply), "admitted", "{}", reply.body);
        admitted.push(
            reply.body["ticket_id"]
                .as_str()
                .unwrap()
                .parse::<Uuid>()
                .unwrap(),
        );
    }
    admitted.sort();
    let mut expected = order.ticket_ids.clone();
    expected.sort();
    assert_eq!(admitted, expected);

    // The webhook delivered again, the email process rebuilt from the start of the log,
    // and a fresh sender (a restarted process): still exactly one email.
    tickets.payments.pay(&order.checkout).await;
    assert_eq!(tickets.rebuild_ticket_mailer().await, 0);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE dedupe_key = $1")
        .bind(format!("tickets:{}", order.checkout.order_id))
        .fetch_one(app.database.pool())
        .await
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(tickets.sink.messages().len(), 1);
}

#[tokio::test]
async fn qr_images_go_only_to_the_order_link_or_the_buyer() {
    let tickets = TicketsApp::start().await;
    let buyer = tickets.payments.app.buyer().await;
    let order = tickets.paid_order(1, &buyer.email).await;
    let ticket = order.ticket_ids[0];
    let key = &order.checkout.key;

    let png = tickets
        .get_raw(&format!("/tickets/{ticket}/qr.png?key={key}"), None)
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.headers()["cache-control"], "private, no-store");
    let scanned = decode_qr_png(&png.bytes().await.unwrap());
    assert_eq!(scanned, tickets.code(order.on_sale.event_id, ticket));
    let svg = tickets
        .get_raw(&format!("/tickets/{ticket}/qr.svg?key={key}"), None)
        .await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));

    // Not the buyer: the same 404 as a ticket that does not exist.
    let stranger = tickets.payments.app.buyer().await;
    let unknown = Uuid::now_v7();
    for (path, bearer) in [
        (format!("/tickets/{ticket}/qr.png"), None),
        (format!("/tickets/{ticket}/qr.svg?key=not-the-key"), None),
        (
            format!("/tickets/{ticket}/qr.png"),
            Some(stranger.token.as_str()),
        ),
        (
            format!("/tickets/{ticket}/qr.png"),
            Some(buyer.token.as_str()),
        ),
        (format!("/tickets/{unknown}/qr.png?key={key}"), None),
    ] {
        let reply = tickets.get_raw(&path, bearer).await;
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{path}");
        let problem: Value = reply.json().await.unwrap();
        assert_eq!(
            problem["type"], "urn:carneau:problem:ticket-not-found",
            "{path}"
        );
    }

    // The buyer's guest order becomes theirs once they prove the email is theirs.
    let mine = tickets.get("/me/tickets", Some(&buyer.token)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body["tickets"], json!([]));
    tickets.verify_email(&buyer).await;
    let mine = eventually("the verified buyer's tickets", || async {
        let reply = tickets.get("/me/tickets", Some(&buyer.token)).await;
        (reply.body["tickets"].as_array().map(Vec::len) == Some(1)).then_some(reply.body)
    })
    .await;
    let listed = &mine["tickets"][0];
    assert_eq!(listed["ticket_id"], ticket.to_string());
    assert_eq!(listed["state"], "valid");
    assert!(
        !listed["event_title"].as_str().unwrap().is_empty(),
        "{listed}"
    );
    assert!(listed["starts_at"].is_string(), "{listed}");
    let own = tickets
        .get_raw(&format!("/tickets/{ticket}/qr.svg"), Some(&buyer.token))
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    let anonymous = tickets.get("/me/tickets", None).await;
    anonymous.problem(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn the_door_tells_valid_repeated_forged_foreign_and_revoked_tickets_apart() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let [first, second] = [order.ticket_ids[0], order.ticket_ids[1]];
    let code = tickets.code(event, first);
    // The door names the type from the catalogue's read model, which its own projector
    // may not have caught up when the order was paid this quickly after the event
    // opened: wait for it, as doors open long after the catalogue is published.
    let pool = tickets.payments.app.database.pool();
    let issued = eventually("the ticket's type in the read models", || async {
        carneau_projections::tickets::ticket(pool, first)
            .await
            .ok()
            .flatten()
            .filter(|ticket| ticket.ticket_type_name == "Standing")
    })
    .await;

    let admitted = tickets.scan(event, &code, Some(&organiser)).await;
    assert_eq!(verdict(&admitted), "admitted");
    assert_eq!(admitted.body["admitted"], true);
    let again = tickets.scan(event, &code, Some(&organiser)).await;
    assert_eq!(verdict(&again), "already_checked_in");
    assert_eq!(again.body["admitted"], false);
    assert_eq!(again.body["checked_in_at"], admitted.body["checked_in_at"]);
    assert_eq!(again.body["checked_in_by"], admitted.body["checked_in_by"]);
    assert_eq!(again.body["checked_in_by"]["kind"], "account");
    // Scanned online: no device to name.
    assert_eq!(again.body["checked_in_device"], Value::Null);
    // What the door calls out: the ticket's type, and who let its holder in.
    assert_eq!(admitted.body["ticket_type_name"], issued.ticket_type_name);
    assert_eq!(again.body["ticket_type_name"], issued.ticket_type_name);
    assert_eq!(again.body["checked_in_by_name"], "Test organiser");

    // One character changed in the signature part: forged.
    let mut altered: Vec<char> = code.chars().collect();
    altered[100] = if altered[100] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    assert_eq!(
        verdict(&tickets.scan(event, &altered, Some(&organiser)).await),
        "forged"
    );
    let other = tickets.payments.event(5).await;
    let foreign = tickets.code(other.event_id, Uuid::now_v7());
    let wrong = tickets.scan(event, &foreign, Some(&organiser)).await;
    assert_eq!(verdict(&wrong), "wrong_event");
    assert_eq!(wrong.body["code_event_id"], other.event_id.to_string());
    let other_title = eventually("the other event in the catalogue", || async {
        let reply = tickets
            .get(&format!("/events/{}", other.event_id), None)
            .await;
        let found = reply.status == StatusCode::OK;
        found.then(|| reply.body["title"].as_str().unwrap().to_owned())
    })
    .await;
    assert_eq!(wrong.body["code_event_title"], other_title);
    assert_eq!(
        verdict(&tickets.scan(event, "hello", Some(&organiser)).await),
        "unreadable"
    );

    // Refund the second ticket: it is revoked at the door and in the scanner's list.
    tickets.refund(&order, &[second]).await;
    let key = eventually("the revocation list", || async {
        let reply = tickets
            .get(
                &format!("/door/events/{event}/scanner-data"),
                Some(&organiser),
            )
            .await;
        (strings(&reply.body["revoked_ticket_ids"]) == vec![second.to_string()])
            .then_some(reply.body)
    })
    .await;
    let revoked = tickets
        .scan(event, &tickets.code(event, second), Some(&organiser))
        .await;
    assert_eq!(verdict(&revoked), "revoked");

    // The published key verifies codes offline; it cannot tell them apart from the
    // server's own verdict.
    let public_key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let offline = EventVerifyingKey::from_bytes(EventId::from_uuid(event), &public_key).unwrap();
    let scanned = ScannedCode::parse(&code).unwrap();
    assert_eq!(offline.verify(&scanned), Ok(TicketId::from_uuid(first)));
    assert!(offline
        .verify(&ScannedCode::parse(&altered).unwrap())
        .is_err());

    assert_eq!(tickets.admission_facts("TicketCheckedIn").await, 1);
}

#[tokio::test]
async fn only_the_organiser_admins_and_the_events_door_staff_work_the_door() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(1, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let code = tickets.code(event, order.ticket_ids[0]);
    let app = &tickets.payments.app;
    let staff = app.door_staff(event).await;
    let other_staff = app.door_staff(Uuid::now_v7()).await;
    let buyer = app.buyer().await;
    let admin = app.admin().await;
    let other_organiser = app.other_organiser().await;

    let refused = tickets.scan(event, &code, None).await;
    refused.problem(StatusCode::UNAUTHORIZED, "unauthorized");
    for outsider in [&buyer, &other_staff, &other_organiser] {
        let reply = tickets.scan(event, &code, Some(&outsider.token)).await;
        reply.problem(StatusCode::FORBIDDEN, "not-door-staff");
        let key = tickets
            .get(
                &format!("/door/events/{event}/scanner-data"),
                Some(&outsider.token),
            )
            .await;
        key.problem(StatusCode::FORBIDDEN, "not-door-staff");
    }
    let first = tickets.scan(event, &code, Some(&staff.token)).await;
    assert_eq!(verdict(&first), "admitted");
    assert_eq!(
        first.body["checked_in_by"]["account_id"],
        staff.id.to_string()
    );
    let by_admin = tickets.scan(event, &code, Some(&admin.token)).await;
    assert_eq!(verdict(&by_admin), "already_checked_in");
    let unknown = tickets
        .scan(Uuid::now_v7(), &code, Some(&admin.token))
        .await;
    unknown.problem(StatusCode::NOT_FOUND, "event-not-found");
}

#[tokio::test]
async fn the_door_refuses_a_refund_the_tickets_read_model_has_not_seen_yet() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(3, "buyer@example.com").await;
    let event = order.on_sale.event_id;
    let organiser = tickets.organiser();
    let [kept, refunded, also_refunded] = [
        order.ticket_ids[0],
        order.ticket_ids[1],
        order.ticket_ids[2],
    ];
    let pool = tickets.payments.app.database.pool().clone();

    // Stop this app's projectors: each batch moves its checkpoint first, and this lock
    // keeps every such move (and so every read-model change) waiting until it is
    // released. A table lock takes no transaction id, so it holds back no other
    // database's projectors.
    let mut stopped = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE projector_checkpoints IN EXCLUSIVE MODE")
        .execute(&mut *stopped)
        .await
        .unwrap();

    // A partial refund, scanned right away.
    tickets.refund(&order, &[refunded, also_refunded]).await;
    for ticket in [refunded, also_refunded] {
        let scan = tickets
            .scan(event, &tickets.code(event, ticket), Some(&organiser))
            .await;
        assert_eq!(verdict(&scan), "revoked", "{}", scan.body);
        assert_eq!(scan.body["ticket_id"], ticket.to_string());
    }
    let admitted = tickets
        .scan(event, &tickets.code(event, kept), Some(&organiser))
        .await;
    assert_eq!(verdict(&admitted), "admitted", "{}", admitted.body);

    // The read model had not seen the refund: the log decided.
    let view = carneau_projections::tickets::ticket(&pool, refunded)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.revoked_at, None);
    let listed = carneau_projections::tickets::revoked_tickets(&pool, event)
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");

    stopped.rollback().await.unwrap();
    eventually("the read model catches up with the refund", || async {
        let view = carneau_projections::tickets::ticket(&pool, refunded)
            .await
            .unwrap()?;
        view.revoked_at.map(|_| ())
    })
    .await;
    let again = tickets
        .scan(event, &tickets.code(event, refunded), Some(&organiser))
        .await;
    assert_eq!(verdict(&again), "revoked");
}

#[tokio::test]
async fn an_order_and_the_buyers_tickets_link_their_qr_images() {
    let tickets = TicketsApp::start().await;
    let buyer = tickets.payments.app.buyer().await;
    let order = tickets.paid_order(2, &buyer.email).await;
    let (order_id, key) = (order.checkout.order_id, &order.checkout.key);
    let http = tickets.payments.http();

    // Opened by its link: the URLs carry the order's key, and open the images alone.
    let by_link = http
        .call(
            Method::GET,
            &format!("/orders/{order_id}?key={key}"),
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(by_link.status, StatusCode::OK, "{}", by_link.body);
    let listed = by_link.body["tickets"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for ticket in listed {
        let id = ticket["ticket_id"].as_str().unwrap();
        let svg = ticket["qr_svg_url"].as_str().unwrap();
        let png = ticket["qr_png_url"].as_str().unwrap();
        assert_eq!(svg, format!("/tickets/{id}/qr.svg?key={key}"));
        assert_eq!(png, format!("/tickets/{id}/qr.png?key={key}"));
        let image = tickets.get_raw(svg, None).await;
        assert_eq!(image.status(), StatusCode::OK, "{svg}");
        assert_eq!(image.headers()["content-type"], "image/svg+xml");
        assert!(image.text().await.unwrap().contains("<svg"));
        let image = tickets.get_raw(png, None).await;
        assert_eq!(image.status(), StatusCode::OK, "{png}");
        let scanned = decode_qr_png(&image.bytes().await.unwrap());
        assert_eq!(
            scanned,
            tickets.code(order.on_sale.event_id, id.parse().unwrap())
        );
        // The same URL with another key: the ticket is not found.
        let forged = svg.replace(key.as_str(), "not-the-key");
        let refused = tickets.get_raw(&forged, None).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{forged}");
    }

    // Signed in as the buyer: no key in the URLs; the session opens the images.
    tickets.verify_email(&buyer).await;
    let by_session = eventually("the order opened by the buyer's session", || async {
        let reply = http
            .call(
                Method::GET,
                &format!("/orders/{order_id}"),
                Some(&buyer.token),
                None,
                None,
            )
            .await
            .unwrap();
        (reply.status == StatusCode::OK).then_some(reply.body)
    })
    .await;
    let first = &by_session["tickets"][0];
    let svg = first["qr_svg_url"].as_str().unwrap();
    assert_eq!(
        svg,
        format!("/tickets/{}/qr.svg", first["ticket_id"].as_str().unwrap())
    );
    assert_eq!(
        tickets.get_raw(svg, Some(&buyer.token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        tickets.get_raw(svg, None).await.status(),
        StatusCode::NOT_FOUND
    );
    let mine = eventually("the buyer's tickets", || async {
        let reply = http
            .call(Method::GET, "/me/tickets", Some(&buyer.token), None, None)
            .await
            .unwrap();
        (reply.body["tickets"].as_array().map(Vec::len) == Some(2)).then_some(reply.body)
    })
    .await;
    for ticket in mine["tickets"].as_array().unwrap() {
        let id = ticket["ticket_id"].as_str().unwrap();
        let png = ticket["qr_png_url"].as_str().unwrap();
        assert_eq!(png, format!("/tickets/{id}/qr.png"));
        let image = tickets.get_raw(png, Some(&buyer.token)).await;
        assert_eq!(image.status(), StatusCode::OK);
        assert_eq!(image.headers()["content-type"], "image/png");
    }
}

#[tokio::test]
async fn the_buyers_order_shows_when_a_ticket_was_checked_in() {
    let tickets = TicketsApp::start().await;
    let order = tickets.paid_order(2, "buyer@example.com").await;
    let event_id = order.on_sale.event_id;
    let code = tickets.code(event_id, order.ticket_ids[0]);
    let scanned = tickets
        .scan(event_id, &code, Some(&tickets.organiser()))
        .await;
    assert_eq!(verdict(&scanned), "admitted");

    let http = tickets.payments.http();
    let path = format!(
        "/orders/{}?key={}",
        order.checkout.order_id, order.checkout.key
    );
    let seen = eventually("the check-in on the buyer's order", || async {
        let reply = http
            .call(Method::GET, &path, None, None, None)
            .await
            .unwrap();
        reply.body["tickets"][0]["checked_in_at"]
            .is_string()
            .then_some(reply.body)
    })
    .await;
    assert_eq!(
        seen["tickets"][0]["ticket_id"],
        order.ticket_ids[0].to_string()
    );
    assert_eq!(seen["tickets"][0]["status"], "valid");
    assert!(seen["tickets"][1].get("checked_in_at").is_none(), "{seen}");
}

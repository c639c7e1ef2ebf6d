//! Paying through Stripe Checkout, with the real async-stripe client against the
//! testkit's fake Stripe: checkout, the webhook (signatures, duplicates, out of order,
//! asynchronous payments), late payments, hold lapse, refunds and event cancellation.

use carneau_commands::reservations::guard::{Admission, GuardLine, ReservationGuard};
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_testkit::stripe::{checkout_event, sign_webhook};
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::eventually;
use crate::support::payments::{Checkout, PaymentsApp, WEBHOOK_SECRET};

#[tokio::test]
async fn checkout_creates_one_session_and_a_paid_webhook_issues_tickets_once() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;

    // What Stripe was asked: our key, the amounts in minor units, our order as reference.
    let created: Vec<_> = app
        .stripe
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/checkout/sessions")
        .collect();
    assert_eq!(created.len(), 1);
    let form = &created[0].form;
    assert_eq!(
        created[0].idempotency_key.as_deref(),
        Some(format!("checkout:{}", checkout.reservation_id).as_str())
    );
    assert_eq!(form["line_items[0][price_data][unit_amount]"], "2500");
    assert_eq!(form["line_items[0][quantity]"], "2");
    assert_eq!(form["line_items[0][price_data][currency]"], "eur");
    assert_eq!(form["client_reference_id"], checkout.order_id.to_string());
    assert_eq!(form["customer_email"], "buyer@example.com");
    assert_eq!(
        form["success_url"],
        format!(
            "http://shop.test/orders/{}?key={}",
            checkout.order_id, checkout.key
        )
    );
    // Stripe's back link returns to the hold, which lasts until it lapses.
    assert_eq!(
        form["cancel_url"],
        format!("http://shop.test/holds/{}", checkout.reservation_id)
    );
    assert!(checkout
        .checkout_url
        .starts_with("https://checkout.stripe.test/"));

    // A retried checkout answers the same order and page, and Stripe replays its session.
    let again = app
        .http()
        .start_checkout(
            checkout.reservation_id,
            &checkout.token,
            "buyer@example.com",
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, checkout.body);
    assert_eq!(app.stripe.session_ids().len(), 1);

    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "awaiting_payment");
    assert_eq!(
        order["total"],
        json!({"amount_minor": 5000, "currency": "EUR"})
    );

    // Paid; Stripe delivers the same event three times.
    let session = app.pay(&checkout).await;
    let event_id = format!("evt_paid_{}", checkout.order_id);
    for _ in 0..2 {
        assert_eq!(
            app.deliver_event(&event_id, "checkout.session.completed", &session)
                .await,
            StatusCode::OK
        );
    }
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
    app.eventually_counts(on_sale, 2, 0).await;

    // The organiser's figures: sold 2, revenue EUR 50.00.
    let sales = eventually("sales figures", || async {
        let reply = app
            .organiser(
                Method::GET,
                &format!("/organiser/events/{}/sales", on_sale.event_id),
                None,
            )
            .await;
        (reply.body["ticket_types"][0]["revenue"]["amount_minor"] == 5000).then_some(reply.body)
    })
    .await;
    assert_eq!(sales["ticket_types"][0]["sold"], 2);
    assert_eq!(sales["ticket_types"][0]["available"], 8);
    assert_eq!(sales["orders_paid"], 1);
}

#[tokio::test]
async fn unsigned_forged_and_stale_deliveries_are_refused_and_change_nothing() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 1).await;
    let session = app
        .stripe
        .complete_session(&app.session_id(&checkout), true);
    let payload = checkout_event("evt_1", "checkout.session.completed", &session);
    let now = Utc::now().timestamp();

    assert_eq!(app.deliver(&payload, None).await, StatusCode::BAD_REQUEST);
    let forged = sign_webhook(&payload, &["whsec_someone_else"], now);
    assert_eq!(
        app.deliver(&payload, Some(&forged)).await,
        StatusCode::BAD_REQUEST
    );
    let stale = sign_webhook(&payload, &[WEBHOOK_SECRET], now - 301);
    assert_eq!(
        app.deliver(&payload, Some(&stale)).await,
        StatusCode::BAD_REQUEST
    );
    // A signature from the future nears the tolerance as the request waits: one second
    // past it failed on a loaded machine. A minute past it cannot come within it.
    let future = sign_webhook(&payload, &[WEBHOOK_SECRET], Utc::now().timestamp() + 360);
    assert_eq!(
        app.deliver(&payload, Some(&future)).await,
        StatusCode::BAD_REQUEST
    );
    // Signed for another body.
    let other = sign_webhook("{}", &[WEBHOOK_SECRET], now);
    assert_eq!(
        app.deliver(&payload, Some(&other)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.order(&checkout).await["status"], "awaiting_payment");

    // During a secret roll Stripe signs with several secrets: any one valid v1 is enough,
    // wherever it sits in the header.
    let rolled = sign_webhook(&payload, &[WEBHOOK_SECRET, "whsec_next"], now);
    assert_eq!(app.deliver(&payload, Some(&rolled)).await, StatusCode::OK);
    assert_eq!(app.order(&checkout).await["status"], "paid");
    let reversed = sign_webhook(&payload, &["whsec_next", WEBHOOK_SECRET], now);
    assert_eq!(app.deliver(&payload, Some(&reversed)).await, StatusCode::OK);
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
}

#[tokio::test]
async fn an_asynchronous_payment_is_fulfilled_once_whatever_the_order_of_its_events() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    let id = app.session_id(&checkout);
    let pending = app.stripe.complete_session(&id, false);
    let settled = app.stripe.settle_session(&id);

    // The success arrives before the completion that announced it.
    assert_eq!(
        app.deliver_event(
            "evt_async_ok",
            "checkout.session.async_payment_succeeded",
            &settled
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(app.order(&checkout).await["status"], "paid");
    assert_eq!(
        app.deliver_event("evt_done", "checkout.session.completed", &pending)
            .await,
        StatusCode::OK
    );
    assert_eq!(
        app.deliver_event(
            "evt_async_ok",
            "checkout.session.async_payment_succeeded",
            &settled
        )
        .await,
        StatusCode::OK
    );
    // An expiry delivered late changes nothing either.
    assert_eq!(
        app.deliver_event("evt_exp", "checkout.session.expired", &pending)
            .await,
        StatusCode::OK
    );
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(app.tickets_issued_events(checkout.order_id).await, 1);
    app.eventually_counts(on_sale, 2, 0).await;
}

#[tokio::test]
async fn a_failed_asynchronous_payment_cancels_the_order_and_frees_the_tickets() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 3).await;
    let id = app.session_id(&checkout);
    let pending = app.stripe.complete_session(&id, false);
    assert_eq!(
        app.deliver_event("evt_done", "checkout.session.completed", &pending)
            .await,
        StatusCode::OK
    );
    assert_eq!(app.order(&checkout).await["status"], "payment_pending");
    app.eventually_counts(on_sale, 0, 3).await;
    assert_eq!(
        app.deliver_event(
            "evt_fail",
            "checkout.session.async_payment_failed",
            &pending
        )
        .await,
        StatusCode::OK
    );
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "cancelled");
    assert!(order["tickets"].as_array().unwrap().is_empty());
    app.eventually_counts(on_sale, 0, 0).await;
}

#[tokio::test]
async fn a_late_payment_is_sold_when_the_tickets_are_still_there() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(5).await;
    let checkout = app.checkout(on_sale, 2).await;
    // The hold ends before the payment lands (here: the buyer released it meanwhile).
    let released = app
        .http()
        .release(checkout.reservation_id, Some(&checkout.token))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    app.pay(&checkout).await;
    let order = app.order(&checkout).await;
    assert_eq!(order["status"], "paid");
    assert_eq!(order["tickets"].as_array().unwrap().len(), 2);
    assert!(app.stripe.refunds().is_empty());
    app.eventually_counts(on_sale, 2, 0).await;
}

#[tokio::test]
async fn a_late_payment_for_tickets_sold_to_someone_else_is_refunded_and_nothing_oversold() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(3).await;
    let late = app.checkout(on_sale, 2).await;
    let released = app
        .http()
        .release(late.reservation_id, Some(&late.token))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    // Another buyer takes and pays for all three tickets.
    let other = app.checkout(on_sale, 3).await;
    app.pay(&other).await;
    assert_eq!(app.order(&other).await["status"], "paid");

    app.pay(&late).await;
    let order = app.order(&late).await;
    assert_eq!(order["status"], "refunded");
    assert!(order["tickets"].as_array().unwrap().is_empty());
    assert_eq!(order["refunded"]["amount_minor"], 5000);
    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount, 5000);
    assert_eq!(
        refunds[0].idempotency_key.as_deref(),
        Some(format!("refund:{}:1", late.order_id).as_str())
    );
    assert_eq!(
        refunds[0].payment_intent,
        format!("pi_{}", app.session_id(&late).trim_start_matches("cs_"))
    );
    app.eventually_counts(on_sale, 3, 0).await;
    // Delivered again: still one refund.
    app.pay(&late).await;
    assert_eq!(app.stripe.refunds().len(), 1);
}

#[tokio::test]
async fn a_lapsed_hold_expires_its_session_before_the_tickets_return() {
    let app = PaymentsApp::start(&[("CARNEAU_HOLD_SECONDS", "2")]).await;
    let on_sale = app.event(4).await;
    let checkout = app.checkout(on_sale, 4).await;
    let id = app.session_id(&checkout);
    // Checkout keeps the tickets held past the hold's own lapse until the session is over.
    app.eventually_status(&checkout, "expired").await;
    let expire: Vec<_> = app
        .stripe
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/v1/checkout/sessions/{id}/expire"))
        .collect();
    assert!(!expire.is_empty());
    assert_eq!(
        expire[0].idempotency_key.as_deref(),
        Some(format!("expire:{id}").as_str())
    );
    assert_eq!(app.stripe.session(&id).unwrap()["status"], "expired");
    app.eventually_counts(on_sale, 0, 0).await;
    // The tickets are for sale again.
    let again = app
        .http()
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 4)])
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_payment_whose_webhook_never_came_is_found_when_the_hold_lapses() {
    let app = PaymentsApp::start(&[("CARNEAU_HOLD_SECONDS", "2")]).await;
    let on_sale = app.event(4).await;
    let checkout = app.checkout(on_sale, 1).await;
    app.stripe
        .complete_session(&app.session_id(&checkout), true);
    let order = app.eventually_status(&checkout, "paid").await;
    assert_eq!(order["tickets"].as_array().unwrap().len(), 1);
    app.eventually_counts(on_sale, 1, 0).await;
}

#[tokio::test]
async fn refunds_whole_and_partial_go_through_stripe_once_each() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 3).await;
    app.pay(&checkout).await;
    let order = app.order(&checkout).await;
    let first_ticket = order["tickets"][0]["ticket_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/organiser/orders/{}/refunds", checkout.order_id);

    let partial = app
        .organiser(
            Method::POST,
            &path,
            Some(&json!({"ticket_ids": [first_ticket]})),
        )
        .await;
    assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.body);
    assert_eq!(partial.body["refund_number"], 1);
    assert_eq!(partial.body["order"]["status"], "partially_refunded");
    let refunded: Vec<_> = partial.body["order"]["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "refunded")
        .map(|t| t["ticket_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(refunded, vec![first_ticket.clone()]);
    app.eventually_counts(on_sale, 2, 0).await;

    // The same ticket again is refused; so is a ticket of no order.
    let twice = app
        .organiser(
            Method::POST,
            &path,
            Some(&json!({"ticket_ids": [first_ticket]})),
        )
        .await;
    twice.problem(StatusCode::CONFLICT, "already-refunded");
    let unknown = app
        .organiser(
            Method::POST,
            &path,
            Some(&json!({"ticket_ids": [uuid::Uuid::new_v4()]})),
        )
        .await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "unknown-ticket");

    let whole = app.organiser(Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(whole.status, StatusCode::CREATED, "{}", whole.body);
    assert_eq!(whole.body["refund_number"], 2);
    assert_eq!(whole.body["order"]["status"], "refunded");
    assert_eq!(whole.body["order"]["refunded"]["amount_minor"], 7500);
    let again = app.organiser(Method::POST, &path, Some(&json!({}))).await;
    again.problem(StatusCode::CONFLICT, "already-refunded");

    let refunds = app.stripe.refunds();
    let summary: Vec<(i64, Option<String>)> = refunds
        .iter()
        .map(|r| (r.amount, r.idempotency_key.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (2500, Some(format!("refund:{}:1", checkout.order_id))),
            (5000, Some(format!("refund:{}:2", checkout.order_id))),
        ]
    );
    app.eventually_counts(on_sale, 0, 0).await;
    let sales = eventually("revenue back to zero", || async {
        let reply = app
            .organiser(
                Method::GET,
                &format!("/organiser/events/{}/sales", on_sale.event_id),
                None,
            )
            .await;
        (reply.body["ticket_types"][0]["refunded"] == 3).then_some(reply.body)
    })
    .await;
    assert_eq!(sales["ticket_types"][0]["revenue"]["amount_minor"], 0);

    // An unpaid order cannot be refunded.
    let unpaid = app.checkout(on_sale, 1).await;
    let refused = app
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", unpaid.order_id),
            Some(&json!({})),
        )
        .await;
    refused.problem(StatusCode::CONFLICT, "order-not-paid");
}

#[tokio::test]
async fn cancelling_an_event_refunds_every_paid_order_once_even_when_stripe_fails_half_way() {
    // One process starts the refunds; Stripe fails after the first; a second process
    // finishes them: every paid order refunded exactly once, under the same keys.
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(20).await;
    let mut paid = Vec::new();
    for quantity in [1, 2, 3] {
        let checkout = app.checkout(on_sale, quantity).await;
        app.pay(&checkout).await;
        paid.push((checkout, quantity));
    }
    let unpaid = app.checkout(on_sale, 1).await;

    // Stripe accepts one refund, then fails every further one: the refunds stop half-way.
    app.stripe.fail_refunds_after(1);
    app.cancel_event(on_sale).await;
    eventually("a refund to fail", || async {
        let attempts = app
            .stripe
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/refunds")
            .count();
        (attempts >= 3 && app.stripe.refunds().len() == 1).then_some(())
    })
    .await;

    // The process that was refunding stops half-way; Stripe recovers; another process
    // takes over from what the log says.
    let mut app = app;
    app.stop_background();
    app.stripe.stop_failing();
    let _second = app.app.spawn_second_process().await;
    for (checkout, _) in &paid {
        app.eventually_status(checkout, "refunded").await;
    }
    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 3, "{refunds:?}");
    for (checkout, quantity) in &paid {
        let mine: Vec<_> = refunds
            .iter()
            .filter(|r| {
                r.idempotency_key.as_deref() == Some(&format!("refund:{}:1", checkout.order_id))
            })
            .collect();
        assert_eq!(mine.len(), 1, "order {}", checkout.order_id);
        assert_eq!(mine[0].amount, 2500 * i64::from(*quantity));
    }
    // Never paid: nothing to refund.
    assert_eq!(app.order(&unpaid).await["refunded"]["amount_minor"], 0);
}

#[tokio::test]
async fn only_the_events_organiser_or_an_admin_refunds_and_sees_sales() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    app.pay(&checkout).await;
    let refund = format!("/organiser/orders/{}/refunds", checkout.order_id);
    let sales = format!("/organiser/events/{}/sales", on_sale.event_id);
    let orders = format!("/organiser/events/{}/orders", on_sale.event_id);

    for path in [&sales, &orders] {
        let anonymous = app
            .http()
            .call(Method::GET, path, None, None, None)
            .await
            .unwrap();
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let anonymous = app
        .http()
        .call(Method::POST, &refund, None, None, Some(&json!({})))
        .await
        .unwrap();
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let buyer = app.app.buyer().await;
    let other = app.app.other_organiser().await;
    for token in [&buyer.token, &other.token] {
        let refused = app
            .call_as(token, Method::POST, &refund, Some(&json!({})))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let refused = app.call_as(token, Method::GET, &sales, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let refused = app.call_as(token, Method::GET, &orders, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    assert!(app.stripe.refunds().is_empty());
    assert_eq!(app.order(&checkout).await["status"], "paid");

    let listed = eventually("the event's orders", || async {
        let reply = app.organiser(Method::GET, &orders, None).await;
        (reply.body["orders"][0]["status"] == "paid").then_some(reply.body)
    })
    .await;
    assert_eq!(
        listed["orders"][0]["order_id"],
        checkout.order_id.to_string()
    );

    let admin = app.app.admin().await;
    let refunded = app
        .call_as(&admin.token, Method::POST, &refund, Some(&json!({})))
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(refunded.body["order"]["status"], "refunded");
}

#[tokio::test]
async fn a_signed_in_buyers_order_is_theirs_without_the_link() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let buyer = app.app.buyer().await;
    let (reservation_id, token) = app.hold(on_sale, 1).await;
    let order_id = app
        .checkout_hold_signed_in(reservation_id, token, &buyer)
        .await
        .order_id
        .to_string();

    let mine = app
        .call_as(
            &buyer.token,
            Method::GET,
            &format!("/orders/{order_id}"),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let someone = app.app.buyer().await;
    let theirs = app
        .call_as(
            &someone.token,
            Method::GET,
            &format!("/orders/{order_id}"),
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    let listed = eventually("the buyer's orders", || async {
        let reply = app
            .call_as(&buyer.token, Method::GET, "/me/orders", None)
            .await;
        (reply.body["orders"].as_array()?.len() == 1).then_some(reply.body)
    })
    .await;
    assert_eq!(listed["orders"][0]["order_id"], order_id);
    let others = app
        .call_as(&someone.token, Method::GET, "/me/orders", None)
        .await;
    assert_eq!(others.body["orders"], json!([]));
    let anonymous = app
        .http()
        .call(Method::GET, "/me/orders", None, None, None)
        .await
        .unwrap();
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

/// The guard follows checkout, sale and refund in place: a hold only the guard has (one
/// admitted whose request has not reached the log yet) stays counted throughout, which a
/// rebuild from the log would have dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_follows_checkout_sale_and_refund_without_being_rebuilt() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let (reservation_id, token) = app.hold(on_sale, 3).await;

    let guard = ReservationGuard::new(app.app.state.redis.clone(), app.app.redis.prefix());
    let (event_id, ticket_type_id) = (
        EventId::from_uuid(on_sale.event_id),
        TicketTypeId::from_uuid(on_sale.ticket_type_id),
    );
    let now = Utc::now();
    let in_flight = guard
        .admit(
            event_id,
            ReservationId::new(),
            &[GuardLine {
                ticket_type_id,
                quantity: 2,
            }],
            None,
            (now + TimeDelta::minutes(15)).timestamp_millis(),
            now.timestamp_millis(),
        )
        .await
        .unwrap();
    assert_eq!(in_flight, Admission::Admitted);
    let guard_available = || async {
        guard
            .available(event_id, ticket_type_id, Utc::now().timestamp_millis())
            .await
            .unwrap()
    };
    assert_eq!(guard_available().await, Some(5));

    let started = app
        .http()
        .start_checkout(reservation_id, &token, "buyer@example.com")
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    assert_eq!(
        guard_available().await,
        Some(5),
        "the hold extended in place"
    );
    let checkout = Checkout::started(reservation_id, token, started.body);
    app.pay(&checkout).await;
    app.eventually_status(&checkout, "paid").await;
    assert_eq!(
        guard_available().await,
        Some(5),
        "3 sold, 2 still held by the request in flight"
    );

    let refund = app
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({})),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    eventually("the refunded tickets back in the guard", || async {
        (guard_available().await == Some(8)).then_some(())
    })
    .await;
}

//! Refunds are never sent twice, even after Stripe has forgotten our idempotency key
//! (it keeps them about 24 hours): a refund that may have been sent before is looked up
//! at Stripe by the key in its metadata first. The real async-stripe client against the
//! testkit's fake Stripe, which can lose answers and forget keys.

use carneau_commands::payments::gateway::REFUND_KEY_METADATA;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::eventually;
use crate::support::payments::PaymentsApp;

fn refund_path(order_id: uuid::Uuid) -> String {
    format!("/organiser/orders/{order_id}/refunds")
}

/// The organiser refunds the whole order; Stripe carries the refund out, but its answer
/// (and every later one) is lost until `stop_failing`.
async fn refund_losing_the_answer(app: &PaymentsApp, order_id: uuid::Uuid) {
    app.stripe.lose_refund_answers();
    let reply = app
        .organiser(Method::POST, &refund_path(order_id), Some(&json!({})))
        .await;
    reply.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "payment-provider-unavailable",
    );
    assert_eq!(app.stripe.refunds().len(), 1);
}

#[tokio::test]
async fn a_refund_whose_answer_was_lost_is_found_not_sent_again_after_stripe_forgot_its_key() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    let session = app.pay(&checkout).await;
    let payment_intent = session["payment_intent"].as_str().unwrap().to_owned();

    // Stripe refunds, but its answer never reaches us.
    refund_losing_the_answer(&app, checkout.order_id).await;
    // The payments process retries; a retry looks before it sends (and loses that answer
    // too), so nothing is sent again.
    eventually("a retry to look the refund up", || async {
        let lookups = app
            .stripe
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/v1/refunds")
            .count();
        (lookups >= 2).then_some(())
    })
    .await;
    assert_eq!(app.refund_posts(), 1);

    // A day later: Stripe has forgotten the key, someone refunded a little from the
    // dashboard (so ours is on the second page of one-refund pages), and answers arrive.
    app.stripe.refund_from_dashboard(&payment_intent, 100);
    app.stripe.cap_list_page(1);
    app.stripe.forget_idempotency_keys();
    app.stripe.stop_failing();
    app.eventually_status(&checkout, "refunded").await;

    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 2, "{refunds:?}");
    let ours = &refunds[0];
    let key = format!("refund:{}:1", checkout.order_id);
    assert_eq!(ours.amount, 5000);
    assert_eq!(ours.payment_intent, payment_intent);
    assert_eq!(ours.idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(ours.metadata[REFUND_KEY_METADATA], key);
    assert_eq!(ours.metadata["order_id"], checkout.order_id.to_string());
    assert_eq!(app.refund_posts(), 1);
    assert_eq!(
        app.provider_refund_ids(checkout.order_id).await,
        vec![Some(ours.id.clone())]
    );
    // Found by following has_more past the dashboard's refund.
    assert!(app
        .stripe
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.form.contains_key("starting_after")));
    app.eventually_counts(on_sale, 0, 0).await;
}

#[tokio::test]
async fn a_cancelled_events_refunds_resumed_by_another_process_a_day_later_are_sent_once() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(20).await;
    let mut paid = Vec::new();
    for quantity in [1, 2] {
        let checkout = app.checkout(on_sale, quantity).await;
        app.pay(&checkout).await;
        paid.push((checkout, quantity));
    }

    // The first process sends every refund; Stripe carries them out, the answers are lost.
    app.stripe.lose_refund_answers();
    app.cancel_event(on_sale).await;
    eventually("every refund to reach Stripe", || async {
        (app.stripe.refunds().len() == paid.len()).then_some(())
    })
    .await;

    // That process stops; a day passes (Stripe forgets the keys); another process resumes.
    let mut app = app;
    app.stop_background();
    app.stripe.forget_idempotency_keys();
    app.stripe.stop_failing();
    let _second = app.app.spawn_second_process().await;
    for (checkout, _) in &paid {
        app.eventually_status(checkout, "refunded").await;
    }

    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), paid.len(), "{refunds:?}");
    assert_eq!(app.refund_posts(), paid.len());
    for (checkout, quantity) in &paid {
        let key = format!("refund:{}:1", checkout.order_id);
        let mine: Vec<_> = refunds
            .iter()
            .filter(|r| r.metadata.get(REFUND_KEY_METADATA) == Some(&key))
            .collect();
        assert_eq!(mine.len(), 1, "order {}", checkout.order_id);
        assert_eq!(mine[0].amount, 2500 * i64::from(*quantity));
        assert_eq!(mine[0].metadata["order_id"], checkout.order_id.to_string());
        assert_eq!(
            app.provider_refund_ids(checkout.order_id).await,
            vec![Some(mine[0].id.clone())]
        );
    }
}

#[tokio::test]
async fn a_second_partial_refund_retried_after_the_keys_are_forgotten_is_still_sent() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 3).await;
    app.pay(&checkout).await;
    let order = app.order(&checkout).await;
    let ticket = |n: usize| {
        order["tickets"][n]["ticket_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let path = refund_path(checkout.order_id);

    let first = app
        .organiser(
            Method::POST,
            &path,
            Some(&json!({"ticket_ids": [ticket(0)]})),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);

    // The second never reaches Stripe; by its retry Stripe has forgotten every key. The
    // order's first refund is at Stripe, under another key: it is not this one.
    app.stripe.go_down();
    let second = app
        .organiser(
            Method::POST,
            &path,
            Some(&json!({"ticket_ids": [ticket(1)]})),
        )
        .await;
    second.problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "payment-provider-unavailable",
    );
    app.stripe.forget_idempotency_keys();
    app.stripe.stop_failing();
    let ids = eventually("the second refund to complete", || async {
        let ids = app.provider_refund_ids(checkout.order_id).await;
        (ids.len() == 2).then_some(ids)
    })
    .await;

    let refunds = app.stripe.refunds();
    let summary: Vec<(i64, String, Option<String>)> = refunds
        .iter()
        .map(|r| {
            (
                r.amount,
                r.metadata[REFUND_KEY_METADATA].clone(),
                Some(r.id.clone()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                2500,
                format!("refund:{}:1", checkout.order_id),
                ids[0].clone()
            ),
            (
                2500,
                format!("refund:{}:2", checkout.order_id),
                ids[1].clone()
            ),
        ]
    );
    assert_eq!(app.order(&checkout).await["status"], "partially_refunded");
    app.eventually_counts(on_sale, 1, 0).await;
}

#[tokio::test]
async fn a_refund_found_failed_at_stripe_is_sent_again() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 1).await;
    app.pay(&checkout).await;

    refund_losing_the_answer(&app, checkout.order_id).await;
    // The refund sent then failed at the bank: no money went back, so a retry after the
    // key is forgotten must refund again rather than record the failed one.
    let failed = app.stripe.refunds()[0].id.clone();
    app.stripe.fail_refund(&failed);
    app.stripe.forget_idempotency_keys();
    app.stripe.stop_failing();
    app.eventually_status(&checkout, "refunded").await;

    let refunds = app.stripe.refunds();
    assert_eq!(refunds.len(), 2, "{refunds:?}");
    assert_eq!(refunds[1].status, "succeeded");
    assert_eq!(
        app.provider_refund_ids(checkout.order_id).await,
        vec![Some(refunds[1].id.clone())]
    );
}

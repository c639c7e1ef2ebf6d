//! A realistic story told through the API for the auditors' tests: events created, a
//! flash sale of many concurrent holds, payments through the fake Stripe, a late payment,
//! refunds, an event cancellation, a check-in at the door and a door-staff grant; every
//! read model gets rows, and it ends once the read models have settled.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::eventually;
use crate::support::payments::Checkout;
use crate::support::reservations::http::Http;
use crate::support::reservations::rush::{rush, seeded_quantities};
use crate::support::tickets::{verdict, TicketsApp};

/// What the story left to look at afterwards.
pub struct Story {
    /// An order paid for, partly refunded, one of its tickets checked in.
    pub kept: Checkout,
    /// Its event.
    pub kept_event: Uuid,
}

/// Drives a realistic story through the API: every read model gets rows.
pub async fn tell_the_story(tickets: &TicketsApp) -> Story {
    let payments = &tickets.payments;
    let organiser = tickets.organiser();

    // An order paid for; one ticket checked in at the door, another refunded.
    let paid = tickets.paid_order(3, "ada@example.com").await;
    let event = paid.on_sale.event_id;
    let scanned = tickets
        .scan(
            event,
            &tickets.code(event, paid.ticket_ids[0]),
            Some(&organiser),
        )
        .await;
    assert_eq!(verdict(&scanned), "admitted");
    let refund = payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", paid.checkout.order_id),
            Some(&json!({"ticket_ids": [paid.ticket_ids[1]]})),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    payments.app.door_staff(event).await;

    // A flash sale: many concurrent holds, more asked for than there is.
    let sale = payments.event(40).await;
    let quantities = seeded_quantities(7, 40, 3);
    let rushed = rush(
        &[payments.http()],
        sale,
        &quantities,
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    assert!(!rushed.created.is_empty());
    assert!(
        rushed
            .refusals
            .keys()
            .any(|refusal| refusal.contains("sold-out")),
        "{rushed:?}"
    );

    // Paid orders of another event, one of them paid after its hold ended; then the
    // event is cancelled and every paid order refunded.
    let cancelled = payments.event(10).await;
    let on_time = payments.checkout(cancelled, 2).await;
    payments.pay(&on_time).await;
    let late = payments.checkout(cancelled, 1).await;
    let released = payments
        .http()
        .release(late.reservation_id, Some(&late.token))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    payments.pay(&late).await;
    payments.eventually_status(&late, "paid").await;
    payments.eventually_status(&on_time, "paid").await;
    payments.cancel_event(cancelled).await;
    payments.eventually_status(&on_time, "refunded").await;
    payments.eventually_status(&late, "refunded").await;
    payments
        .eventually_status(&paid.checkout, "partially_refunded")
        .await;
    // Those statuses come from the log; wait for the read models to show them too.
    let http = payments.http();
    for (event, order, status) in [
        (cancelled.event_id, on_time.order_id, "refunded"),
        (cancelled.event_id, late.order_id, "refunded"),
        (event, paid.checkout.order_id, "partially_refunded"),
    ] {
        eventually("the orders read model settled", || async {
            (listed_status(&http, event, order).await.as_deref() == Some(status)).then_some(())
        })
        .await;
    }
    settled(&payments.app.database.pool().clone()).await;

    Story {
        kept: paid.checkout,
        kept_event: event,
    }
}

/// Waits until the payments process has nothing left to do: every refund completed and
/// its tickets back on sale, so no more facts follow on their own.
async fn settled(pool: &PgPool) {
    eventually("every refund completed and returned", || async {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM order_refunds \
              WHERE status = 'requested' OR (ticket_count > 0 AND NOT returned)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (open == 0).then_some(())
    })
    .await;
}

/// The status of `order` in its organiser's list of `event`'s orders: the orders read
/// model as the API serves it.
pub async fn listed_status(http: &Http, event: Uuid, order: Uuid) -> Option<String> {
    let path = format!("/organiser/events/{event}/orders");
    let reply = http
        .call(Method::GET, &path, Some(&http.organiser_token), None, None)
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let listed = reply.body["orders"].as_array().unwrap();
    let order = listed
        .iter()
        .find(|listed| listed["order_id"] == order.to_string())?;
    Some(order["status"].as_str().unwrap().to_owned())
}

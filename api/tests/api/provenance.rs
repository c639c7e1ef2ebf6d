//! Who and why, as the log records it: every fact a purchase sets off carries its actor
//! (the buyer, the provider, a process, an organiser), its cause (a request, a provider
//! event, a timer, an earlier fact) and the purchase's one correlation id.

use carneau_commands::payments::DueStep;
use carneau_domain::ids::OrderId;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::payments::{guest_checkout, no_redirects, PaymentsApp};
use crate::support::reservations::http::spawn_reservation_app;

/// One fact of the log as an auditor reads it.
#[derive(Debug)]
struct Fact {
    aggregate_type: String,
    event_type: String,
    metadata: Value,
}

impl Fact {
    fn actor(&self) -> &str {
        self.metadata["actor"]["kind"].as_str().unwrap_or_default()
    }

    fn cause(&self) -> &str {
        self.metadata["cause"]["kind"].as_str().unwrap_or_default()
    }

    fn correlation_id(&self) -> Option<Uuid> {
        self.metadata["correlation_id"].as_str()?.parse().ok()
    }

    /// `(aggregate, event, actor kind, cause kind)`, for comparing a story at a glance.
    fn summary(&self) -> (&str, &str, &str, &str) {
        (
            &self.aggregate_type,
            &self.event_type,
            self.actor(),
            self.cause(),
        )
    }
}

/// Every `Order` and `Inventory` fact of the log, in the order they were appended.
async fn purchase_facts(pool: &PgPool) -> Vec<Fact> {
    let rows: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT aggregate_type, event_type, metadata FROM events \
          WHERE aggregate_type IN ('Order', 'Inventory') ORDER BY global_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(aggregate_type, event_type, metadata)| Fact {
            aggregate_type,
            event_type,
            metadata,
        })
        .collect()
}

fn assert_one_story(facts: &[Fact], order_id: Uuid) {
    for fact in facts {
        assert_eq!(fact.correlation_id(), Some(order_id), "{fact:?}");
    }
}

#[tokio::test]
async fn a_guests_simulated_purchase_records_the_guest_then_the_provider() {
    let app = spawn_reservation_app(&[
        ("CARNEAU_PUBLIC_URL", "http://shop.test"),
        ("CARNEAU_API_PUBLIC_URL", "http://api.test/api"),
    ])
    .await;
    let http = app.http();
    let guest = guest_checkout(&http, 2, "guest@example.com").await;
    let checkout = guest.body;
    let order_id: Uuid = checkout["order_id"].as_str().unwrap().parse().unwrap();
    let page = checkout["checkout_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://api.test/api");
    // The page answers with a redirect to the shop, which is not there in tests.
    let paid = no_redirects()
        .post(app.url(&format!("{page}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);

    let facts = purchase_facts(app.database.pool()).await;
    let orders: Vec<_> = facts
        .iter()
        .filter(|fact| fact.aggregate_type == "Order")
        .map(Fact::summary)
        .collect();
    assert_eq!(
        orders,
        [
            ("Order", "OrderPlaced", "guest", "request"),
            (
                "Order",
                "PaymentReceived",
                "payment_provider",
                "provider_event"
            ),
            (
                "Order",
                "TicketsIssued",
                "payment_provider",
                "provider_event"
            ),
        ]
    );
    let placed = &facts
        .iter()
        .find(|f| f.event_type == "OrderPlaced")
        .unwrap();
    assert_eq!(
        placed.metadata["actor"]["reservation_id"],
        guest.reservation_id.to_string()
    );
    assert!(placed.metadata["cause"]["request_id"].is_string());
    let received = &facts
        .iter()
        .find(|f| f.event_type == "PaymentReceived")
        .unwrap();
    assert_eq!(received.metadata["actor"]["provider"], "simulated");
    assert_eq!(
        received.metadata["actor"]["event_id"],
        received.metadata["cause"]["event_id"]
    );
    let inventory: Vec<_> = facts
        .iter()
        .filter(|fact| fact.aggregate_type == "Inventory")
        .map(Fact::summary)
        .collect();
    assert_eq!(
        inventory,
        [
            ("Inventory", "HoldsPlaced", "guest", "request"),
            ("Inventory", "HoldExtended", "guest", "request"),
            (
                "Inventory",
                "HoldSold",
                "payment_provider",
                "provider_event"
            ),
        ]
    );
    assert_one_story(&facts, order_id);
}

#[tokio::test]
async fn a_signed_in_buyers_stripe_purchase_and_its_refund_record_who_asked() {
    let app = PaymentsApp::start(&[]).await;
    let buyer = app.app.buyer().await;
    let on_sale = app.event(10).await;
    let http = app.http();
    let held = http
        .call(
            Method::POST,
            &format!("/events/{}/reservations", on_sale.event_id),
            Some(&buyer.token),
            None,
            Some(&json!({"lines": [{"ticket_type_id": on_sale.ticket_type_id, "quantity": 2}]})),
        )
        .await
        .unwrap();
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let checkout = app
        .checkout_hold_signed_in(held.reservation_id(), held.token(), &buyer)
        .await;
    app.pay(&checkout).await;
    app.eventually_status(&checkout, "paid").await;
    let refunded = app
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{}/refunds", checkout.order_id),
            Some(&json!({})),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);

    // The tickets go back on sale after the refund, in the organiser's request or the
    // process manager's next pass.
    app.eventually_counts(on_sale, 0, 0).await;
    let all = purchase_facts(app.app.database.pool()).await;
    assert_one_story(&all, checkout.order_id);
    let inventory: Vec<_> = all
        .iter()
        .filter(|fact| fact.aggregate_type == "Inventory")
        .collect();
    let inventory_story: Vec<_> = inventory.iter().map(|fact| fact.summary()).collect();
    assert_eq!(
        inventory_story[..3],
        [
            ("Inventory", "HoldsPlaced", "account", "request"),
            ("Inventory", "HoldExtended", "account", "request"),
            (
                "Inventory",
                "HoldSold",
                "payment_provider",
                "provider_event"
            ),
        ]
    );
    assert!(
        matches!(
            inventory_story[3..],
            [("Inventory", "TicketsReturned", "account" | "process", _)]
        ),
        "{inventory_story:?}"
    );
    assert_eq!(
        inventory[0].metadata["actor"]["account_id"],
        buyer.id.to_string()
    );
    let facts: Vec<_> = all
        .into_iter()
        .filter(|fact| fact.aggregate_type == "Order")
        .collect();
    let story: Vec<_> = facts.iter().map(Fact::summary).collect();
    assert_eq!(
        story[..4],
        [
            ("Order", "OrderPlaced", "account", "request"),
            (
                "Order",
                "PaymentReceived",
                "payment_provider",
                "provider_event"
            ),
            (
                "Order",
                "TicketsIssued",
                "payment_provider",
                "provider_event"
            ),
            ("Order", "RefundRequested", "account", "request"),
        ]
    );
    // Carried out by the organiser's request, unless the process manager's pass got to
    // the requested refund first: then its cause is that `RefundRequested` fact.
    assert!(
        matches!(
            story[4],
            ("Order", "TicketsRefunded", "account", "request")
                | ("Order", "TicketsRefunded", "process", "fact")
        ),
        "{story:?}"
    );
    if story[4].2 == "process" {
        let cause = &facts[4].metadata["cause"];
        assert_eq!(cause["aggregate_type"], "Order");
        assert_eq!(cause["aggregate_id"], checkout.order_id.to_string());
        assert_eq!(cause["sequence"], 4, "the RefundRequested fact");
    }
    assert_eq!(
        facts[0].metadata["actor"]["account_id"],
        buyer.id.to_string()
    );
    assert_eq!(facts[1].metadata["actor"]["provider"], "stripe");
    assert_eq!(
        facts[1].metadata["cause"]["event_id"],
        format!("evt_paid_{}", checkout.order_id)
    );
    assert_ne!(
        facts[3].metadata["actor"]["account_id"],
        buyer.id.to_string(),
        "the organiser refunded, not the buyer"
    );
    assert_one_story(&facts, checkout.order_id);

    // The payments process manager names the fact that made each of its steps due.
    let payments = &app.app.state.payments;
    let order_id = OrderId::from_uuid(checkout.order_id);
    for (step, sequence) in [(DueStep::Fulfilment, 2), (DueStep::Refund, 4)] {
        let metadata = payments.due_step_metadata(order_id, step).await.unwrap();
        let metadata = serde_json::to_value(metadata).unwrap();
        assert_eq!(metadata["actor"]["process"], "payments");
        assert_eq!(
            metadata["cause"],
            json!({"kind": "fact", "aggregate_type": "Order",
                   "aggregate_id": checkout.order_id.to_string(), "sequence": sequence}),
            "{step:?}"
        );
    }
    let lapse = payments
        .due_step_metadata(order_id, DueStep::Lapse)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(lapse).unwrap()["cause"]["kind"],
        "schedule"
    );
}

#[tokio::test]
async fn the_sweepers_expiry_records_the_sweeper_on_its_schedule() {
    use carneau_commands::reservations::sweeper::sweep_once;

    let app = spawn_reservation_app(&[("CARNEAU_HOLD_SECONDS", "1")]).await;
    let http = app.http();
    let on_sale = http.create_published_event(5, 10).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 1)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED);

    // The sweep finds lapsed holds in the inventory read model, which lags the log.
    let pool = app.database.pool();
    let expired = crate::support::eventually("the hold's expiry", || async {
        sweep_once(pool, &app.state.reservations).await.unwrap();
        purchase_facts(pool)
            .await
            .into_iter()
            .find(|fact| fact.event_type == "HoldsExpired")
    })
    .await;
    assert_eq!(
        expired.summary(),
        ("Inventory", "HoldsExpired", "process", "schedule")
    );
    assert_eq!(expired.metadata["actor"]["process"], "hold-sweeper");
    assert_eq!(
        expired.correlation_id(),
        None,
        "one sweep may end many purchases"
    );
}

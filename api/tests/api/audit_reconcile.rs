//! `carneau audit reconcile`: an event's sales told through the API (two ticket types,
//! paid orders through the fake Stripe, a partial and a full refund, a late payment sold
//! and one refused for lack of tickets, check-ins at the door), then reconciled from the
//! log alone: the figures are the ones counted by hand here, the sales page agrees, and
//! once a read-model row is corrupted the command names the difference and fails.

use std::process::Output;

use carneau_projections::reconcile::{reconcile_event, Reconciliation, TicketTypeFigures};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::cli::carneau_command;
use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::ticket_type_body;
use crate::support::tickets::{verdict, TicketsApp};
use crate::support::{eventually, in_days, spawn_app, TestApp};

const STANDING: i64 = 2500;
const BALCONY: i64 = 4000;

/// The event on sale: Standing (EUR 25.00, 20 seats) and Balcony (EUR 40.00, 3 seats).
struct Venue {
    event_id: Uuid,
    standing: Uuid,
    balcony: Uuid,
}

async fn venue(app: &PaymentsApp) -> Venue {
    let standing = ticket_type_body("Standing", 20, 10, in_days(-1), in_days(20));
    let mut balcony = ticket_type_body("Balcony", 3, 10, in_days(-1), in_days(20));
    balcony["price"]["amount_minor"] = json!(BALCONY);
    let detail = app
        .http()
        .create_event_with(&[standing, balcony], true)
        .await;
    let id_of = |name: &str| {
        detail
            .ticket_types
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .id
    };
    Venue {
        event_id: detail.id,
        standing: id_of("Standing"),
        balcony: id_of("Balcony"),
    }
}

/// Holds `lines` and starts checkout for them.
async fn checkout(app: &PaymentsApp, venue: &Venue, lines: &[(Uuid, u32)]) -> Checkout {
    let reply = app.http().reserve(venue.event_id, lines).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    app.checkout_hold(reply.reservation_id(), reply.token(), "buyer@example.com")
        .await
}

/// Pays and waits for the order's tickets; answers them as (ticket id, ticket type id).
async fn pay(app: &PaymentsApp, checkout: &Checkout) -> Vec<(Uuid, Uuid)> {
    app.pay(checkout).await;
    let order = app.eventually_status(checkout, "paid").await;
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let id = |field: &str| t[field].as_str().unwrap().parse().unwrap();
            (id("ticket_id"), id("ticket_type_id"))
        })
        .collect()
}

async fn release(app: &PaymentsApp, checkout: &Checkout) {
    let released = app
        .http()
        .release(checkout.reservation_id, Some(&checkout.token))
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
}

async fn refund(app: &PaymentsApp, order_id: Uuid, body: Value) {
    let path = format!("/organiser/orders/{order_id}/refunds");
    let refunded = app.organiser(Method::POST, &path, Some(&body)).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
}

async fn admit(tickets: &TicketsApp, event_id: Uuid, ticket_id: Uuid) -> String {
    let code = tickets.code(event_id, ticket_id);
    let reply = tickets
        .scan(event_id, &code, Some(&tickets.organiser()))
        .await;
    verdict(&reply).to_owned()
}

/// Runs `carneau audit reconcile --event <id>` (plus `extra`) on the app's database.
fn reconcile_command(app: &TestApp, event_id: Uuid, extra: &[&str]) -> Output {
    carneau_command(&app.database, &app.redis)
        .args(["audit", "reconcile", "--event", &event_id.to_string()])
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// (name, sold, refunded, returned, admitted, sold - returned, revenue) per ticket type.
type Row = (String, i64, i64, i64, i64, i64, i64);

fn rows(figures: &[TicketTypeFigures]) -> Vec<Row> {
    figures
        .iter()
        .map(|t| {
            let name = t.name.clone().unwrap_or_default();
            (
                name,
                t.sold,
                t.refunded,
                t.returned,
                t.admitted,
                t.sold_net,
                t.revenue_minor,
            )
        })
        .collect()
}

fn expected_rows() -> Vec<Row> {
    vec![
        // Balcony: one in the mixed order and two to the buyer who took the seats the
        // late payer had let go; three admitted.
        ("Balcony".into(), 3, 0, 0, 3, 3, 3 * BALCONY),
        // Standing: two in the mixed order (one refunded), three refunded whole, one
        // sold late; two admitted (the refunded ticket was turned away).
        ("Standing".into(), 6, 4, 4, 2, 2, 2 * STANDING),
    ]
}

/// Tells the story; answers the venue, the late payment sold and the one refused.
async fn tell_the_story(tickets: &TicketsApp) -> (Venue, Uuid, Uuid) {
    let app = &tickets.payments;
    let venue = venue(app).await;
    let (standing, balcony) = (venue.standing, venue.balcony);

    // A mixed order, paid; one of its Standing tickets refunded.
    let mixed = checkout(app, &venue, &[(standing, 2), (balcony, 1)]).await;
    let mixed_tickets = pay(app, &mixed).await;
    let first_standing = mixed_tickets.iter().find(|t| t.1 == standing).unwrap().0;
    refund(app, mixed.order_id, json!({"ticket_ids": [first_standing]})).await;

    // Three Standing, paid, refunded whole.
    let whole = checkout(app, &venue, &[(standing, 3)]).await;
    pay(app, &whole).await;
    refund(app, whole.order_id, json!({})).await;

    // A late payer lets two Balcony seats go before paying; another buyer takes them.
    let refused = checkout(app, &venue, &[(balcony, 2)]).await;
    release(app, &refused).await;
    let taker = checkout(app, &venue, &[(balcony, 2)]).await;
    let taker_tickets = pay(app, &taker).await;
    app.pay(&refused).await;
    assert_eq!(
        app.eventually_status(&refused, "refunded").await["refunded"]["amount_minor"],
        2 * BALCONY
    );

    // A late payer whose Standing seat was still there: sold late.
    let late = checkout(app, &venue, &[(standing, 1)]).await;
    release(app, &late).await;
    let late_tickets = pay(app, &late).await;

    // Never paid.
    checkout(app, &venue, &[(standing, 1)]).await;

    // The door.
    let admitted_tickets = mixed_tickets
        .iter()
        .filter(|t| t.0 != first_standing)
        .chain(&taker_tickets)
        .chain(&late_tickets);
    for (ticket_id, _) in admitted_tickets {
        assert_eq!(admit(tickets, venue.event_id, *ticket_id).await, "admitted");
    }
    assert_ne!(
        admit(tickets, venue.event_id, first_standing).await,
        "admitted"
    );
    (venue, late.order_id, refused.order_id)
}

/// Reconciles once the refunded tickets are back on sale and the sales page has applied
/// every fact read.
async fn settled(app: &PaymentsApp, event_id: Uuid) -> Reconciliation {
    let pool = app.app.database.pool().clone();
    eventually(
        "the refunds returned and the sales page caught up",
        || async {
            let reconciliation = reconcile_event(&pool, event_id).await.unwrap().unwrap();
            let settled = rows(&reconciliation.log.ticket_types) == expected_rows()
                && reconciliation.sales_page_behind.is_empty();
            settled.then_some(reconciliation)
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_and_the_sales_page_agree_until_a_read_model_row_is_corrupted() {
    let tickets = TicketsApp::start().await;
    let app = &tickets.payments;
    let (venue, late, refused) = tell_the_story(&tickets).await;

    let reconciliation = settled(app, venue.event_id).await;
    let log = &reconciliation.log;
    assert_eq!(rows(&log.ticket_types), expected_rows());
    let money = &log.money;
    assert_eq!(money.len(), 1);
    let gross = (2 * STANDING + BALCONY) + 3 * STANDING + 2 * BALCONY + 2 * BALCONY + STANDING;
    let refunded = STANDING + 3 * STANDING + 2 * BALCONY;
    assert_eq!(
        (
            money[0].currency.as_str(),
            money[0].gross_minor,
            money[0].refunded_minor
        ),
        ("EUR", gross, refunded)
    );
    assert_eq!(money[0].net_minor, 3 * BALCONY + 2 * STANDING);
    assert_eq!(money[0].refunds_pending_minor, 0);
    assert_eq!((log.orders.placed, log.orders.paid), (6, 5));
    assert_eq!(log.orders.paid_as_sales_page, 5);
    assert_eq!(log.orders.paid_late_sold, vec![late.into()]);
    assert_eq!(
        log.orders.refunded_for_lack_of_tickets,
        vec![refused.into()]
    );
    assert_eq!(reconciliation.comparison.differences, vec![]);
    assert!(reconciliation.matches);
    let page = reconciliation.sales_page.as_ref().unwrap();
    assert_eq!(page.total_revenue.amount_minor, money[0].net_minor);
    assert_eq!(page.orders_paid, 5);

    // The command says so, and exits 0.
    let matched = reconcile_command(&app.app, venue.event_id, &[]);
    let text = stdout(&matched);
    assert!(
        matched.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&matched.stderr)
    );
    assert!(text.contains("matches the sales page"), "{text}");
    assert!(text.contains("Standing"), "{text}");
    assert!(text.contains("170.00"), "net money in euros: {text}");

    // A read-model row goes wrong: the command names the figure and fails.
    sqlx::query(
        "UPDATE ticket_type_sales SET revenue_minor = revenue_minor + 1000 \
          WHERE event_id = $1 AND ticket_type_id = $2",
    )
    .bind(venue.event_id)
    .bind(venue.balcony)
    .execute(app.app.database.pool())
    .await
    .unwrap();
    let differs = reconcile_command(&app.app, venue.event_id, &[]);
    let text = stdout(&differs);
    assert_eq!(differs.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "ticket type Balcony ({}): revenue: log 120.00, sales page 130.00",
            venue.balcony
        )),
        "{text}"
    );
    assert!(
        text.contains("total_revenue: log 170.00, sales page 180.00"),
        "{text}"
    );
    assert!(text.contains("DIFFERS from the sales page"), "{text}");
    assert!(String::from_utf8_lossy(&differs.stderr).contains("differ on 2 figure(s)"));

    let json = reconcile_command(&app.app, venue.event_id, &["--json"]);
    assert_eq!(json.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["matches"], false);
    assert_eq!(
        report["log"]["money"][0]["net_minor"],
        3 * BALCONY + 2 * STANDING
    );
    let figures: Vec<&str> = report["comparison"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["figure"].as_str().unwrap())
        .collect();
    assert_eq!(figures, vec!["revenue_minor", "total_revenue_minor"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_nobody_knows_is_an_error_not_a_match() {
    let app = spawn_app().await;
    let unknown = reconcile_command(&app, Uuid::new_v4(), &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no event"));
    assert!(stdout(&unknown).is_empty());
}

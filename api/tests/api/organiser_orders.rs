//! The organiser's orders of an event: the list paged by cursor, newest or oldest first,
//! filtered by status and searched by order id or buyer email; the orders and attendees
//! exports as CSV, read back with a real CSV parser; each order's promo code and
//! discount; and who may see them.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::codes::{buy_with_code, create_code};
use crate::support::eventually;
use crate::support::in_days;
use crate::support::parse_csv;
use crate::support::payments::{Checkout, PaymentsApp};
use crate::support::reservations::http::{ticket_type_body, Reply};
use crate::support::tickets::{order_ticket_ids, TicketsApp};

/// Organiser text a spreadsheet or a naive CSV writer would trip on.
const TRICKY_NAME: &str = "Standing, \"front\" row 🎟";
/// A ticket type name a spreadsheet would run as a formula.
const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.test\",\"VIP\")";

/// An event with two ticket types and one order in each state, placed in this order.
struct Sale {
    tickets: TicketsApp,
    event_id: Uuid,
    /// (buyer email, order id, status the list shows), oldest first.
    orders: Vec<(&'static str, Uuid, &'static str)>,
    /// The ticket checked in at the door, and the order it belongs to.
    checked_in: (Uuid, Uuid),
}

impl Sale {
    async fn start() -> Self {
        let tickets = TicketsApp::start().await;
        let payments = &tickets.payments;
        let http = payments.http();
        let detail = http
            .create_event_with(
                &[
                    ticket_type_body(TRICKY_NAME, 50, 10, in_days(-1), in_days(20)),
                    ticket_type_body(FORMULA_NAME, 50, 10, in_days(-1), in_days(20)),
                ],
                true,
            )
            .await;
        let event_id = detail.id;
        let type_named = |name: &str| {
            detail
                .ticket_types
                .iter()
                .find(|t| t.name == name)
                .unwrap()
                .id
        };
        let (standing, formula) = (type_named(TRICKY_NAME), type_named(FORMULA_NAME));
        let mut orders = Vec::new();
        let mut order = |email: &'static str, id: Uuid, status: &'static str| {
            orders.push((email, id, status));
        };
        let checkout = |ticket_type: Uuid, quantity: u32, email: &'static str| {
            checkout(&tickets, event_id, ticket_type, quantity, email)
        };

        // Two tickets, one refunded.
        let ada = checkout(standing, 2, "ada@example.com").await;
        payments.pay(&ada).await;
        let paid = payments.eventually_status(&ada, "paid").await;
        refund(&tickets, ada.order_id, &order_ticket_ids(&paid)[..1]).await;
        order("ada@example.com", ada.order_id, "partially_refunded");
        // Refunded whole.
        let bob = checkout(formula, 1, "bob@example.com").await;
        payments.pay(&bob).await;
        payments.eventually_status(&bob, "paid").await;
        refund(&tickets, bob.order_id, &[]).await;
        order("bob@example.com", bob.order_id, "refunded");
        // Paid, checked in at the door.
        let carol = checkout(standing, 1, "carol@example.com").await;
        payments.pay(&carol).await;
        let paid = payments.eventually_status(&carol, "paid").await;
        let ticket = order_ticket_ids(&paid)[0];
        let pool = payments.app.database.pool().clone();
        eventually("carol's ticket in the read model", || async {
            carneau_projections::tickets::ticket(&pool, ticket)
                .await
                .unwrap()
                .map(|_| ())
        })
        .await;
        let scanned = tickets
            .scan(
                event_id,
                &tickets.code(event_id, ticket),
                Some(&tickets.organiser()),
            )
            .await;
        assert_eq!(scanned.status, StatusCode::OK, "{}", scanned.body);
        order("carol@example.com", carol.order_id, "paid");
        // Awaiting payment.
        let dan = checkout(standing, 1, "dan@example.com").await;
        order("dan@example.com", dan.order_id, "pending");
        // A bank payment that failed: cancelled.
        let erin = checkout(standing, 1, "erin@example.com").await;
        let session = payments
            .stripe
            .complete_session(&payments.session_id(&erin), false);
        payments
            .deliver_event("evt_erin_done", "checkout.session.completed", &session)
            .await;
        payments
            .deliver_event(
                "evt_erin_failed",
                "checkout.session.async_payment_failed",
                &session,
            )
            .await;
        payments.eventually_status(&erin, "cancelled").await;
        order("erin@example.com", erin.order_id, "cancelled");
        // Two more paid, one of them sharing ada's first letters.
        for (ticket_type, email) in [
            (formula, "frank@example.com"),
            (standing, "adam@example.com"),
        ] {
            let paid = checkout(ticket_type, 1, email).await;
            payments.pay(&paid).await;
            payments.eventually_status(&paid, "paid").await;
            order(email, paid.order_id, "paid");
        }
        let sale = Self {
            event_id,
            orders,
            checked_in: (ticket, carol.order_id),
            tickets,
        };
        sale.eventually_listed().await;
        sale
    }

    /// Waits until the read models show every order in its state and the check-in.
    async fn eventually_listed(&self) {
        eventually("every order listed in its state", || async {
            let page = self.list("limit=100").await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let listed: HashMap<String, String> = page.body["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (o["order_id"].as_str().unwrap().to_owned(), group(o)))
                .collect();
            let all = self.orders.iter().all(|(_, id, status)| {
                listed.get(&id.to_string()).map(String::as_str) == Some(*status)
            });
            (all && listed.len() == self.orders.len()).then_some(())
        })
        .await;
        let pool = self.tickets.payments.app.database.pool().clone();
        let ticket = self.checked_in.0;
        eventually("the check-in in the read model", || async {
            carneau_projections::tickets::ticket(&pool, ticket)
                .await
                .unwrap()
                .and_then(|t| t.checked_in_at.map(|_| ()))
        })
        .await;
    }

    async fn list(&self, query: &str) -> Reply {
        self.tickets
            .payments
            .organiser(
                Method::GET,
                &format!("/organiser/events/{}/orders?{query}", self.event_id),
                None,
            )
            .await
    }

    /// Every page of the list for `query`, `limit` at a time: the order ids in the order
    /// served, and how many pages.
    async fn all_pages(&self, query: &str, limit: u32) -> (Vec<Uuid>, usize) {
        let mut ids = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut asked = format!("{query}&limit={limit}");
            if let Some(cursor) = &cursor {
                asked.push_str(&format!("&cursor={cursor}"));
            }
            let page = self.list(&asked).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            pages += 1;
            let orders = page.body["orders"].as_array().unwrap();
            assert!(orders.len() <= limit as usize);
            ids.extend(
                orders
                    .iter()
                    .map(|o| o["order_id"].as_str().unwrap().parse::<Uuid>().unwrap()),
            );
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(pages < 100, "the cursor never ends");
        }
        (ids, pages)
    }

    fn ids_with(&self, keep: impl Fn(&str, &str) -> bool) -> BTreeSet<Uuid> {
        self.orders
            .iter()
            .filter(|(email, _, status)| keep(email, status))
            .map(|(_, id, _)| *id)
            .collect()
    }

    async fn listed(&self, query: &str) -> BTreeSet<Uuid> {
        let page = self.list(query).await;
        assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
        page.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["order_id"].as_str().unwrap().parse().unwrap())
            .collect()
    }

    async fn csv(&self, export: &str, token: &str) -> reqwest::Response {
        let app = &self.tickets.payments.app;
        app.client
            .get(app.url(&format!("/organiser/events/{}/{export}", self.event_id)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

/// Holds `quantity` tickets of `ticket_type` and starts checkout for `email`.
async fn checkout(
    tickets: &TicketsApp,
    event_id: Uuid,
    ticket_type: Uuid,
    quantity: u32,
    email: &str,
) -> Checkout {
    let payments = &tickets.payments;
    let held = payments
        .http()
        .reserve(event_id, &[(ticket_type, quantity)])
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    payments
        .checkout_hold(held.reservation_id(), held.token(), email)
        .await
}

/// The owner refunds `ticket_ids` of an order (all of them when empty).
async fn refund(tickets: &TicketsApp, order_id: Uuid, ticket_ids: &[Uuid]) {
    let body = if ticket_ids.is_empty() {
        json!({})
    } else {
        json!({ "ticket_ids": ticket_ids })
    };
    let refunded = tickets
        .payments
        .organiser(
            Method::POST,
            &format!("/organiser/orders/{order_id}/refunds"),
            Some(&body),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
}

/// The status group an order of the list is in, as the `status` filter names it.
fn group(order: &Value) -> String {
    match order["status"].as_str().unwrap() {
        "awaiting_payment" | "payment_pending" | "payment_received" => "pending".into(),
        "expired" => "cancelled".into(),
        "payment_refused" => "refunded".into(),
        other => other.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_reach_every_order_once_newest_or_oldest_first_filtered_and_searched() {
    let sale = Sale::start().await;
    let oldest_first: Vec<Uuid> = sale.orders.iter().map(|(_, id, _)| *id).collect();
    let newest_first: Vec<Uuid> = oldest_first.iter().rev().copied().collect();

    // Paging: every order exactly once, in order, across pages of two.
    let (served, pages) = sale.all_pages("sort=newest", 2).await;
    assert_eq!(served, newest_first);
    assert_eq!(pages, 4);
    let (served, _) = sale.all_pages("sort=oldest", 2).await;
    assert_eq!(served, oldest_first);
    let (served, pages) = sale.all_pages("", 7).await;
    assert_eq!(served, newest_first, "newest first by default");
    assert_eq!(pages, 1, "a full last page has no next cursor");

    // Each status filter: exactly the orders in that state, paged the same way.
    for status in [
        "paid",
        "partially_refunded",
        "refunded",
        "cancelled",
        "pending",
    ] {
        let expected: Vec<Uuid> = newest_first
            .iter()
            .copied()
            .filter(|id| sale.ids_with(|_, s| s == status).contains(id))
            .collect();
        assert!(!expected.is_empty(), "{status}");
        let (served, _) = sale.all_pages(&format!("status={status}"), 1).await;
        assert_eq!(served, expected, "status={status}");
    }

    // Search: the start of the email in any case, the order id whole or its start.
    assert_eq!(
        sale.listed("q=ada").await,
        sale.ids_with(|email, _| email.starts_with("ada"))
    );
    assert_eq!(
        sale.listed("q=ADA@EXAMPLE").await,
        sale.ids_with(|e, _| e == "ada@example.com")
    );
    assert_eq!(
        sale.listed("q=example.com").await,
        BTreeSet::new(),
        "a prefix, not any part"
    );
    let (_, carol, _) = sale.orders[2];
    assert_eq!(
        sale.listed(&format!("q={carol}")).await,
        BTreeSet::from([carol])
    );
    let start = &carol.to_string()[..8];
    assert!(sale.listed(&format!("q={start}")).await.contains(&carol));
    assert_eq!(
        sale.listed(&format!("q={}", start.to_uppercase()))
            .await
            .len(),
        sale.listed(&format!("q={start}")).await.len()
    );
    // Search and filter together, paged.
    let (served, _) = sale.all_pages("q=ada&status=paid", 1).await;
    assert_eq!(served, vec![sale.orders[6].1]);
    assert_eq!(
        sale.listed("q=%25").await,
        BTreeSet::new(),
        "a % is a character, not a wildcard"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exports_read_back_as_csv_with_every_order_and_ticket() {
    let sale = Sale::start().await;
    let owner = sale.tickets.organiser();

    let response = sale.csv("orders.csv", &owner).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv; charset=utf-8"));
    assert!(headers[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let (header, rows) = parse_csv(&response.text().await.unwrap());
    assert_eq!(
        header,
        [
            "order_id",
            "placed_at (Europe/Paris)",
            "paid_at (Europe/Paris)",
            "status",
            "buyer_email",
            "tickets",
            "total",
            "refunded",
            "currency",
            "provider",
            "code",
            "discount"
        ]
    );
    let expected: Vec<String> = sale
        .orders
        .iter()
        .map(|(_, id, _)| id.to_string())
        .collect();
    let exported: Vec<String> = rows.iter().map(|row| row[0].clone()).collect();
    assert_eq!(exported, expected, "every order once, oldest first");
    let ada = &rows[0];
    assert_eq!(ada[3], "partially_refunded");
    assert_eq!(ada[4], "ada@example.com");
    assert_eq!(
        (
            ada[5].as_str(),
            ada[6].as_str(),
            ada[7].as_str(),
            ada[8].as_str()
        ),
        ("2", "50.00", "25.00", "EUR")
    );
    assert_eq!(ada[9], "stripe");
    assert_eq!(
        (ada[10].as_str(), ada[11].as_str()),
        ("", "0.00"),
        "no code"
    );
    let placed = DateTime::<FixedOffset>::parse_from_rfc3339(&ada[1]).unwrap();
    assert!(
        matches!(placed.offset().local_minus_utc(), 3_600 | 7_200),
        "Paris time: {}",
        ada[1]
    );
    assert!(
        DateTime::parse_from_rfc3339(&ada[2]).is_ok(),
        "paid: {}",
        ada[2]
    );
    let dan = &rows[3];
    assert_eq!(
        (dan[2].as_str(), dan[3].as_str()),
        ("", "awaiting_payment"),
        "not paid yet"
    );

    let response = sale.csv("attendees.csv", &owner).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (header, rows) = parse_csv(&response.text().await.unwrap());
    assert_eq!(
        header,
        [
            "ticket_id",
            "ticket_type",
            "order_id",
            "buyer_email",
            "status",
            "checked_in",
            "checked_in_at (Europe/Paris)",
            "attendee_name",
            "attendee_email"
        ]
    );
    // Paid orders' tickets: ada 2, bob 1, carol 1, frank 1, adam 1.
    assert_eq!(rows.len(), 6);
    let ticket_ids: BTreeSet<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(ticket_ids.len(), 6, "one row per ticket");
    let names: BTreeSet<&str> = rows.iter().map(|row| row[1].as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([TRICKY_NAME, &*format!("'{FORMULA_NAME}")]),
        "commas, quotes and emoji come back whole; the formula comes back as text"
    );
    let statuses: Vec<&str> = rows.iter().map(|row| row[4].as_str()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "refunded").count(),
        2,
        "ada's one and bob's"
    );
    let (ticket, order) = sale.checked_in;
    for row in &rows {
        if row[0] == ticket.to_string() {
            assert_eq!(
                (row[2].as_str(), row[3].as_str(), row[5].as_str()),
                (&*order.to_string(), "carol@example.com", "yes")
            );
            let at = DateTime::<FixedOffset>::parse_from_rfc3339(&row[6]).unwrap();
            assert!(
                matches!(at.offset().local_minus_utc(), 3_600 | 7_200),
                "{}",
                row[6]
            );
        } else {
            assert_eq!((row[5].as_str(), row[6].as_str()), ("no", ""), "{row:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organiser_or_a_buyer_sees_no_orders_and_an_admin_does() {
    let tickets = TicketsApp::start().await;
    let app = &tickets.payments.app;
    let order = tickets.paid_order(1, "guest@example.com").await;
    let event = order.on_sale.event_id;
    let paths = [
        format!("/organiser/events/{event}/orders"),
        format!("/organiser/events/{event}/orders.csv"),
        format!("/organiser/events/{event}/attendees.csv"),
    ];
    let other = app.other_organiser().await;
    let buyer = app.buyer().await;
    let admin = app.admin().await;
    for path in &paths {
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
        for token in [&other.token, &buyer.token] {
            let refused = app
                .client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
            let body = refused.text().await.unwrap();
            assert!(!body.contains("guest@example.com"), "{path}: {body}");
        }
        let allowed = app
            .client
            .get(app.url(path))
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status(), StatusCode::OK, "{path}");
    }
    // An event nobody created: 404 for its owner-to-be as for anyone.
    let unknown = format!("/organiser/events/{}/orders.csv", Uuid::new_v4());
    let missing = app
        .client
        .get(app.url(&unknown))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_cursor_filter_sort_or_limit_is_a_problem_naming_the_parameter() {
    let tickets = TicketsApp::start().await;
    let payments = &tickets.payments;
    let event = payments.event(10).await.event_id;
    for (query, parameter) in [
        ("cursor=not-a-cursor", "cursor"),
        ("status=shipped", "status"),
        ("sort=alphabetical", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
        (&*format!("q={}", "x".repeat(201)), "q"),
        ("colour=blue", "colour"),
    ] {
        let reply = payments
            .organiser(
                Method::GET,
                &format!("/organiser/events/{event}/orders?{query}"),
                None,
            )
            .await;
        let problem = reply.problem(StatusCode::BAD_REQUEST, "invalid-query");
        assert!(
            problem.errors.iter().any(|error| error.field == parameter),
            "{query}: {}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisers_list_and_export_show_each_orders_code_and_discount() {
    let app = PaymentsApp::start(&[]).await;
    let on_sale = app.event(20).await;
    create_code(
        &app,
        on_sale,
        "FIVER",
        json!({ "discount": { "kind": "fixed", "amount": { "amount_minor": 500, "currency": "EUR" } },
            "max_uses": 10, "counting": "per_ticket" }),
    )
    .await;
    let ada = buy_with_code(&app, on_sale, 2, "FIVER", "ada@example.com").await;

    let path = format!("/organiser/events/{}/orders", on_sale.event_id);
    let listed = eventually("Ada's order in the organiser's list", || async {
        let page = app.organiser(Method::GET, &path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let order = page.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|order| order["order_id"] == ada.order_id.to_string())
            .cloned();
        order.filter(|order| order["status"] == "paid")
    })
    .await;
    assert_eq!(listed["code"], "FIVER");
    assert_eq!(listed["lines"][0]["unit_price"]["amount_minor"], 2_000);
    assert_eq!(listed["lines"][0]["list_unit_price"]["amount_minor"], 2_500);

    let http = app.http();
    let csv = http
        .client
        .get(format!("{}{path}.csv", http.base_url))
        .bearer_auth(&http.organiser_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let (header, rows) = parse_csv(&csv.text().await.unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][column("code")], "FIVER");
    assert_eq!(rows[0][column("discount")], "10.00");
    assert_eq!(rows[0][column("total")], "40.00");
}

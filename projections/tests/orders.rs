//! The orders read model's statuses against a real PostgreSQL: the text columns come back
//! as the API's enums, and a value the enums do not know is an error naming the order,
//! not a panic or a string passed on to clients.

use std::num::NonZeroU32;

use carneau_domain::account::EmailAddress;
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketId, TicketTypeId};
use carneau_domain::inventory::{HoldLine, InventoryEvent, Quantity};
use carneau_domain::money::{Currency, Money};
use carneau_domain::order::{
    IssuedTicket, OrderEvent, OrderLine, PaymentProvider as Provider, PlacedOrder, RefundReason,
};
use carneau_projections::orders::{
    orders_of_event, OrderSort, OrderStatus, OrderStatusGroup, OrdersCursor, OrdersProjector,
    OrdersQuery, PaymentProvider,
};
use carneau_projections::{ProjectorRunner, RunnerConfig};
use carneau_testkit::TestDatabase;
use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[path = "support/log_streams.rs"]
mod log_streams;

use log_streams::{append_interleaved, catch_up_all, Stream};

/// Writes an order row as the projector would, with `status` and `provider` as given.
async fn insert_order(pool: &PgPool, event_id: Uuid, status: &str, provider: &str) -> Uuid {
    let order_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO orders (order_id, event_id, reservation_id, buyer_email, status, \
             total_minor, currency, provider, session_id, checkout_url, payment_due_by, \
             placed_at, updated_at) \
         VALUES ($1, $2, $3, 'ada@example.com', $4, 2500, 'EUR', $5, 'cs_1', \
                 'https://pay.example/cs_1', now(), now(), now())",
    )
    .bind(order_id)
    .bind(event_id)
    .bind(Uuid::now_v7())
    .bind(status)
    .bind(provider)
    .execute(pool)
    .await
    .unwrap();
    order_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_read_into_the_enums_and_unknown_ones_are_errors() {
    let db = TestDatabase::create().await.unwrap();
    let pool = db.pool();
    let event_id = Uuid::now_v7();
    insert_order(pool, event_id, "awaiting_payment", "simulated").await;

    let every = OrdersQuery {
        limit: 100,
        ..OrdersQuery::default()
    };
    let orders = orders_of_event(pool, event_id, &every)
        .await
        .unwrap()
        .orders;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, OrderStatus::AwaitingPayment);
    assert_eq!(orders[0].provider, PaymentProvider::Simulated);
    assert_eq!(
        orders[0].checkout_url.as_deref(),
        Some("https://pay.example/cs_1")
    );

    // `orders.status` has no CHECK constraint: a value a newer writer added must not
    // reach clients as a status their types do not have.
    let odd = insert_order(pool, event_id, "on_hold", "stripe").await;
    let error = orders_of_event(pool, event_id, &every).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains(&format!("reading the status of order {odd}"))
            && message.contains("on_hold"),
        "{message}"
    );
}

/// Walks every page of `event_id`'s orders for `query`: the ids in the order served.
async fn walk(pool: &PgPool, event_id: Uuid, mut query: OrdersQuery) -> Vec<Uuid> {
    let mut ids = Vec::new();
    loop {
        let page = orders_of_event(pool, event_id, &query).await.unwrap();
        assert!(page.orders.len() <= query.limit as usize);
        ids.extend(page.orders.iter().map(|order| order.order_id));
        match page.next_cursor {
            Some(next) => query.after = Some(OrdersCursor::parse(&next).unwrap()),
            None => return ids,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_reach_each_order_once_when_many_share_an_instant() {
    let db = TestDatabase::create().await.unwrap();
    let pool = db.pool();
    let event_id = Uuid::now_v7();
    let other_event = Uuid::now_v7();
    // Eleven orders, placed in three instants: the cursor must break the ties by id.
    let statuses = ["paid", "refunded", "payment_refused", "paid", "expired"];
    for i in 0..11 {
        let order_id = insert_order(pool, event_id, statuses[i % statuses.len()], "stripe").await;
        sqlx::query(
            "UPDATE orders SET placed_at = timestamptz '2026-12-03 10:00:00+00' \
                 + ($2::int % 3) * interval '1 minute' WHERE order_id = $1",
        )
        .bind(order_id)
        .bind(i as i32)
        .execute(pool)
        .await
        .unwrap();
    }
    insert_order(pool, other_event, "paid", "stripe").await;
    let oldest_first: Vec<Uuid> = sqlx::query_scalar(
        "SELECT order_id FROM orders WHERE event_id = $1 ORDER BY placed_at, order_id",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(oldest_first.len(), 11);

    for limit in [1, 2, 3, 4, 10, 11, 12] {
        let query = OrdersQuery {
            limit,
            sort: OrderSort::Oldest,
            ..OrdersQuery::default()
        };
        assert_eq!(
            walk(pool, event_id, query.clone()).await,
            oldest_first,
            "limit {limit}"
        );
        let newest = OrdersQuery {
            sort: OrderSort::Newest,
            ..query
        };
        let mut newest_first = oldest_first.clone();
        newest_first.reverse();
        assert_eq!(
            walk(pool, event_id, newest).await,
            newest_first,
            "limit {limit}"
        );
    }
    // A status group of two statuses, merged in order across pages.
    let refunded: Vec<Uuid> = sqlx::query_scalar(
        "SELECT order_id FROM orders WHERE event_id = $1 \
            AND status IN ('refunded', 'payment_refused') ORDER BY placed_at DESC, order_id DESC",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let query = OrdersQuery {
        limit: 2,
        status: Some(OrderStatusGroup::Refunded),
        ..OrdersQuery::default()
    };
    assert_eq!(walk(pool, event_id, query).await, refunded);
}

/// Every row of the orders read model, in a stable order.
async fn orders_rows(pool: &PgPool) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    for (table, key) in [
        ("orders", "order_id"),
        ("order_lines", "order_id, ticket_type_id"),
        ("order_tickets", "ticket_id"),
        ("order_refunds", "order_id, refund_number"),
        ("ticket_type_sales", "event_id, ticket_type_id"),
        ("order_attendees", "order_id, seat"),
    ] {
        let sql = format!("SELECT to_jsonb(t) FROM {table} t ORDER BY {key}");
        rows.extend(
            sqlx::query_scalar::<_, serde_json::Value>(&sql)
                .fetch_all(pool)
                .await
                .unwrap(),
        );
    }
    rows
}

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("EUR").unwrap(),
    }
}

fn placed(order_id: OrderId, event_id: EventId, ticket_type_id: TicketTypeId) -> OrderEvent {
    let now = Utc::now();
    OrderEvent::OrderPlaced(PlacedOrder {
        attendees: Vec::new(),
        order_id,
        event_id,
        reservation_id: ReservationId::new(),
        buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
        account_id: None,
        lines: vec![OrderLine {
            ticket_type_id,
            name: "Standing".to_owned(),
            quantity: Quantity::try_from(2).unwrap(),
            list_price: None,
            unit_price: eur(2_500),
        }],
        total: eur(5_000),
        provider: Provider::Simulated,
        session_id: format!("cs_{order_id}"),
        checkout_url: "https://pay.example/cs".to_owned(),
        payment_due_by: now + Duration::minutes(15),
        code: None,
        placed_at: now,
    })
}

fn paid(minutes: i64) -> OrderEvent {
    OrderEvent::PaymentReceived {
        provider_event_id: format!("evt_{minutes}"),
        payment_reference: None,
        received_at: Utc::now() + Duration::minutes(minutes),
        session_id: None,
    }
}

fn issued(
    order_id: OrderId,
    event_id: EventId,
    tickets: &[(TicketId, TicketTypeId)],
) -> OrderEvent {
    OrderEvent::TicketsIssued {
        order_id,
        event_id,
        buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
        account_id: None,
        tickets: tickets
            .iter()
            .map(|(ticket_id, ticket_type_id)| IssuedTicket {
                attendee: None,
                ticket_id: *ticket_id,
                ticket_type_id: *ticket_type_id,
            })
            .collect(),
        issued_at: Utc::now() + Duration::minutes(2),
    }
}

fn requested(number: u32, tickets: &[TicketId], amount: i64, reason: RefundReason) -> OrderEvent {
    OrderEvent::RefundRequested {
        refund_number: number,
        ticket_ids: tickets.to_vec(),
        amount: eur(amount),
        reason,
        requested_at: Utc::now() + Duration::minutes(3),
        code_given_back: None,
    }
}

fn refunded(
    order_id: OrderId,
    event_id: EventId,
    number: u32,
    tickets: &[TicketId],
    amount: i64,
) -> OrderEvent {
    OrderEvent::TicketsRefunded {
        order_id,
        event_id,
        refund_number: number,
        ticket_ids: tickets.to_vec(),
        amount: eur(amount),
        refunded_at: Utc::now() + Duration::minutes(4 + i64::from(number)),
        provider_refund_id: None,
        surplus_payment: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_places_pays_issues_and_refunds_gives_the_rows_of_one_event_per_batch() {
    // Given three orders of one event told interleaved: one fully refunded in two
    // refunds (the first back on sale), one partially refunded, and a late payment
    // refused then refunded with no tickets.
    let event_id = EventId::from_uuid(Uuid::now_v7());
    let standing = TicketTypeId::from_uuid(Uuid::now_v7());
    let (whole, part, late) = (OrderId::new(), OrderId::new(), OrderId::new());
    let (w1, w2, p1, p2) = (
        TicketId::new(),
        TicketId::new(),
        TicketId::new(),
        TicketId::new(),
    );
    let organiser = RefundReason::RequestedByOrganiser;
    let streams = [
        Stream::of(
            "Order",
            whole.to_aggregate_id(),
            vec![
                placed(whole, event_id, standing),
                paid(1),
                issued(whole, event_id, &[(w1, standing), (w2, standing)]),
                requested(1, &[w1], 2_500, organiser),
                refunded(whole, event_id, 1, &[w1], 2_500),
                requested(2, &[w2], 2_500, organiser),
                refunded(whole, event_id, 2, &[w2], 2_500),
            ],
        ),
        Stream::of(
            "Order",
            part.to_aggregate_id(),
            vec![
                placed(part, event_id, standing),
                paid(1),
                issued(part, event_id, &[(p1, standing), (p2, standing)]),
                requested(1, &[p1], 2_500, organiser),
                refunded(part, event_id, 1, &[p1], 2_500),
            ],
        ),
        Stream::of(
            "Order",
            late.to_aggregate_id(),
            vec![
                placed(late, event_id, standing),
                OrderEvent::LatePaymentRefused {
                    refused_at: Utc::now() + Duration::minutes(1),
                },
                requested(1, &[], 5_000, RefundReason::LatePayment),
                refunded(late, event_id, 1, &[], 5_000),
            ],
        ),
        Stream::of(
            "Inventory",
            event_id.to_aggregate_id(),
            vec![InventoryEvent::TicketsReturned {
                order_id: whole,
                refund_number: 1,
                lines: vec![HoldLine {
                    ticket_type_id: standing,
                    quantity: Quantity::try_from(1).unwrap(),
                }],
                returned_at: Utc::now() + Duration::minutes(6),
                code_use: None,
            }],
        ),
    ];
    let order = [0, 1, 2, 0, 1, 2, 0, 1, 0, 2, 0, 3, 1, 2, 0, 1, 0];

    // When one database applies it one event per batch and another in a single batch.
    let one_by_one = TestDatabase::create().await.unwrap();
    let all_at_once = TestDatabase::create().await.unwrap();
    for database in [&one_by_one, &all_at_once] {
        append_interleaved(database.pool(), &streams, &order).await;
    }
    let single = RunnerConfig {
        batch_size: NonZeroU32::MIN,
        ..RunnerConfig::default()
    };
    catch_up_all(
        ProjectorRunner::new(single),
        one_by_one.pool(),
        &OrdersProjector,
        order.len(),
    )
    .await;
    catch_up_all(
        ProjectorRunner::default(),
        all_at_once.pool(),
        &OrdersProjector,
        order.len(),
    )
    .await;

    // Then both hold the same rows, and they say what the story did.
    let rows = orders_rows(all_at_once.pool()).await;
    assert_eq!(orders_rows(one_by_one.pool()).await, rows);
    let status = |order_id: OrderId| {
        rows.iter()
            .find(|row| {
                row["order_id"] == order_id.as_uuid().to_string()
                    && row.get("status").is_some()
                    && row.get("total_minor").is_some()
            })
            .map(|row| (row["status"].clone(), row["refunded_minor"].clone()))
            .unwrap()
    };
    assert_eq!(status(whole), (json!("refunded"), json!(5_000)));
    assert_eq!(status(part), (json!("partially_refunded"), json!(2_500)));
    assert_eq!(status(late), (json!("refunded"), json!(5_000)));
    let sales = rows
        .iter()
        .find(|row| row.get("tickets_issued").is_some())
        .unwrap();
    assert_eq!(
        (
            &sales["tickets_issued"],
            &sales["tickets_refunded"],
            &sales["revenue_minor"]
        ),
        (&json!(4), &json!(3), &json!(2_500))
    );
    let returned: Vec<_> = rows
        .iter()
        .filter(|row| row.get("returned") == Some(&json!(true)))
        .map(|row| (row["order_id"].clone(), row["refund_number"].clone()))
        .collect();
    assert_eq!(
        returned,
        vec![(json!(whole.as_uuid().to_string()), json!(1))]
    );
}

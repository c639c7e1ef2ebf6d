//! The orders read model's statuses against a real PostgreSQL: the text columns come back
//! as the API's enums, and a value the enums do not know is an error naming the order,
//! not a panic or a string passed on to clients.

use carneau_projections::orders::{orders_of_event, OrderStatus, PaymentProvider};
use carneau_testkit::TestDatabase;
use sqlx::PgPool;
use uuid::Uuid;

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

    let orders = orders_of_event(pool, event_id).await.unwrap();
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
    let error = orders_of_event(pool, event_id).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains(&format!("reading the status of order {odd}"))
            && message.contains("on_hold"),
        "{message}"
    );
}

//! PostgreSQL stopped in the middle of a sale, on a server of the test's own: the routes
//! that write answer 503 `store-unavailable` with `Retry-After` and retry advice, never a
//! 500, and once the server is back the same checkout goes through, once.

use carneau_testkit::own_servers::OwnPostgres;
use carneau_testkit::TestRedis;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::expect_problem;
use crate::support::own_servers_app::{config_of, spawn_app_on};

#[tokio::test]
async fn a_stopped_database_is_a_503_on_checkout_and_reservation_and_the_checkout_succeeds_once_after(
) {
    let postgres = tokio::task::spawn_blocking(OwnPostgres::start)
        .await
        .unwrap()
        .unwrap();
    let redis = TestRedis::create().await.unwrap();
    let app = spawn_app_on(config_of(&[
        ("DATABASE_URL", postgres.url("carneau", "sslmode=disable")),
        ("REDIS_URL", carneau_testkit::redis_url()),
        ("CARNEAU_REDIS_PREFIX", redis.prefix().to_owned()),
    ]))
    .await;
    let http = app.http();
    let on_sale = http.create_published_event(10, 5).await;
    let hold = http
        .reserve(on_sale.event_id, &[(on_sale.ticket_type_id, 2)])
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);
    let (reservation_id, token) = (hold.reservation_id(), hold.token());

    let client = reqwest::Client::new();
    let checkout = || {
        client
            .post(format!(
                "{}/reservations/{reservation_id}/checkout",
                app.base_url
            ))
            .bearer_auth(&token)
            .header("Idempotency-Key", "7d0c5d52-8f57-4a3e-9a51-0f3b1f0e2a11")
            .json(&json!({"email": "buyer@example.com"}))
            .send()
    };
    let reserve = || {
        client
            .post(format!(
                "{}/events/{}/reservations",
                app.base_url, on_sale.event_id
            ))
            .header("Idempotency-Key", "0b9f3a4e-2f7d-4c59-8d0e-6a1c2b3d4e5f")
            .json(&json!({"lines": [{"ticket_type_id": on_sale.ticket_type_id, "quantity": 1}]}))
            .send()
    };

    // Blocking calls of a second or so; nothing of the app needs to run meanwhile.
    postgres.stop().unwrap();
    for _ in 0..2 {
        let refused = checkout().await.unwrap();
        expect_problem(
            refused,
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
        )
        .await;
        let refused = reserve().await.unwrap();
        expect_problem(
            refused,
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
        )
        .await;
    }
    postgres.start_again().unwrap();

    // Back: the pool reconnects, and the same checkout goes through, once.
    let first = checkout().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again: Value = checkout().await.unwrap().json().await.unwrap();
    assert_eq!(first["order_id"], again["order_id"], "{again}");
    let placed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Order' AND event_type = 'OrderPlaced'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(placed, 1);
}

//! Auditors replay the log: `carneau replay --verify` rebuilds every read model from
//! position zero beside the live ones and finds them equal after a realistic story (a
//! flash sale, payments, a late payment, refunds, a cancellation, check-ins), reports a
//! corrupted row by table and key, and `carneau projections rebuild` restores it while
//! readers keep being answered.

use carneau_projections::log::LogPosition;
use carneau_projections::read_models::{read_model, read_models};
use carneau_projections::replay::{readable_head, replay, start_rebuild, Check};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::support::audit_story::{listed_status, tell_the_story};
use crate::support::cli::{carneau, stdout};
use crate::support::eventually;
use crate::support::tickets::TicketsApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_the_live_read_models_equal_then_names_a_corrupted_row_that_rebuild_restores()
{
    let tickets = TicketsApp::start().await;
    let story = tell_the_story(&tickets).await;
    let app = &tickets.payments.app;

    // The API keeps running (projectors, payments process) while the auditor replays.
    let verified = carneau(&app.database, &app.redis, &[], &["replay", "--verify"]).await;
    let report = stdout(&verified);
    assert!(
        verified.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        report.contains("every read model equals its replay"),
        "{report}"
    );
    for projector in ["catalogue", "inventory", "orders", "tickets", "door_staff"] {
        let line = report
            .lines()
            .find(|line| line.starts_with(projector))
            .unwrap_or_else(|| panic!("no line for {projector}: {report}"));
        let rows: u64 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(rows > 0, "{projector} rebuilt nothing: {report}");
    }

    // Someone edits a live row behind the log's back, and deletes another.
    let pool = app.database.pool();
    sqlx::query("UPDATE orders SET total_minor = total_minor + 1 WHERE order_id = $1")
        .bind(story.kept.order_id)
        .execute(pool)
        .await
        .unwrap();
    let checked_in: Uuid = sqlx::query_scalar(
        "DELETE FROM tickets WHERE order_id = $1 AND checked_in_at IS NOT NULL \
         RETURNING ticket_id",
    )
    .bind(story.kept.order_id)
    .fetch_one(pool)
    .await
    .unwrap();
    let caught = carneau(&app.database, &app.redis, &[], &["replay", "--verify"]).await;
    let report = stdout(&caught);
    assert!(!caught.status.success(), "{report}");
    let expected = format!(
        "difference: orders [order_id={}] total_minor:",
        story.kept.order_id
    );
    let difference = report
        .lines()
        .find(|line| line.starts_with(&expected))
        .unwrap_or_else(|| panic!("no {expected:?} in {report}"));
    assert!(
        difference.ends_with("live 7501 rebuilt 7500"),
        "{difference}"
    );
    let missing =
        format!("difference: tickets [ticket_id={checked_in}] *: live (no row) rebuilt {{");
    assert!(
        report.lines().any(|line| line.starts_with(&missing)),
        "{report}"
    );
    assert_eq!(report.matches("difference:").count(), 2, "{report}");

    let rebuilt = carneau(
        &app.database,
        &app.redis,
        &[],
        &["projections", "rebuild", "orders"],
    )
    .await;
    let report = stdout(&rebuilt);
    assert!(
        rebuilt.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(
        report.contains(&format!(
            "changed: orders [order_id={}] total_minor",
            story.kept.order_id
        )),
        "{report}"
    );
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders WHERE order_id = $1")
        .bind(story.kept.order_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(total, 7500);
    let still_caught = carneau(&app.database, &app.redis, &[], &["replay", "--verify"]).await;
    let report = stdout(&still_caught);
    assert!(!still_caught.status.success(), "{report}");
    assert_eq!(report.matches("difference: tickets").count(), 1, "{report}");

    let rebuilt = carneau(
        &app.database,
        &app.redis,
        &[],
        &["projections", "rebuild", "tickets"],
    )
    .await;
    assert!(rebuilt.status.success(), "{}", stdout(&rebuilt));

    let again = carneau(&app.database, &app.redis, &[], &["replay", "--verify"]).await;
    assert!(again.status.success(), "{}", stdout(&again));

    // A read model that was right comes back unchanged, generated columns and foreign
    // keys included (catalogue_ticket_types points at catalogue_events).
    let catalogue = carneau(
        &app.database,
        &app.redis,
        &[],
        &["projections", "rebuild", "catalogue"],
    )
    .await;
    let report = stdout(&catalogue);
    assert!(
        catalogue.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&catalogue.stderr)
    );
    assert!(report.contains("0 value(s) changed"), "{report}");
    let listed = app.listing("").await;
    assert!(!listed.items.is_empty());
}

/// Every row of the orders read model, as JSON, in key order.
async fn orders_read_model(pool: &PgPool) -> Vec<Value> {
    let mut rows = Vec::new();
    for (table, key) in [
        ("orders", "order_id"),
        ("order_lines", "order_id, ticket_type_id"),
        ("order_tickets", "ticket_id"),
        ("order_refunds", "order_id, refund_number"),
        ("ticket_type_sales", "event_id, ticket_type_id"),
        ("order_attendees", "order_id, seat"),
    ] {
        let table_rows: Vec<Value> =
            sqlx::query_scalar(&format!("SELECT to_jsonb(t) FROM {table} t ORDER BY {key}"))
                .fetch_all(pool)
                .await
                .unwrap();
        rows.push(json!({ table: table_rows }));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_beside_the_live_read_model_keeps_answering_readers_and_ends_equal() {
    let tickets = TicketsApp::start().await;
    let story = tell_the_story(&tickets).await;
    let payments = &tickets.payments;
    let pool = payments.app.database.pool().clone();
    let models = read_models(None);
    let orders = read_model(&models, "orders").unwrap();
    // Wait for the live projector to have everything, then remember what it built.
    let head = readable_head(&pool).await.unwrap();
    eventually("the orders projector at the head", || async {
        let at: (String, i64) = sqlx::query_as(
            "SELECT transaction_id::text, global_position FROM projector_checkpoints \
              WHERE projector = 'orders'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        let at = LogPosition {
            transaction_id: at.0.parse().unwrap(),
            global_position: at.1,
        };
        (at >= head).then_some(())
    })
    .await;
    let original = orders_read_model(&pool).await;
    sqlx::query("UPDATE orders SET status = 'expired' WHERE order_id = $1")
        .bind(story.kept.order_id)
        .execute(&pool)
        .await
        .unwrap();

    let building = start_rebuild(&pool, &orders, &|_| {}).await.unwrap();
    // Built beside: readers still get the live (here: damaged) read model.
    let http = payments.http();
    let (event, order) = (story.kept_event, story.kept.order_id);
    assert_eq!(listed_status(&http, event, order).await.unwrap(), "expired");
    // Appended after the replay: the swap catches up on it.
    payments
        .app
        .create_draft("Appended during the rebuild")
        .await;
    let appended_at = eventually("the appended event readable", || async {
        let head = readable_head(&pool).await.unwrap();
        (head > building.position()).then_some(head)
    })
    .await;

    // Readers keep asking all through the swap; every one is answered.
    let stop = CancellationToken::new();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            let http = payments.http();
            let path = format!("/orders/{}?key={}", story.kept.order_id, story.kept.key);
            tokio::spawn(async move {
                let mut answered = 0;
                while !stop.is_cancelled() || answered == 0 {
                    let reply = http
                        .call(Method::GET, &path, None, None, None)
                        .await
                        .unwrap();
                    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                    let status = reply.body["status"].as_str().unwrap().to_owned();
                    assert!(
                        status == "expired" || status == "partially_refunded",
                        "{status}"
                    );
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    let report = building.swap_in(None, &|_| {}).await.unwrap();
    stop.cancel();
    for answered in join_all(readers).await {
        assert!(answered.unwrap() > 0);
    }

    // The draft's fact is of no interest to the orders projector, so nothing is applied
    // for it, but the swap walks the log past it.
    assert!(report.position >= appended_at, "{report:?}");
    assert_eq!(report.changed.len(), 1, "{:?}", report.changed);
    assert_eq!(report.changed[0].column, "status");
    assert_eq!(
        payments.order(&story.kept).await["status"],
        "partially_refunded"
    );
    for (after, before) in orders_read_model(&pool).await.iter().zip(&original) {
        assert_eq!(after, before);
    }
    let verified = replay(&pool, &models, Check::AgainstLive, &|_| {})
        .await
        .unwrap();
    assert!(
        verified.differences.is_empty(),
        "{:?}",
        verified.differences
    );
}

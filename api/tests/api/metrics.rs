//! `GET /metrics`: an admin sees what a little traffic did, counted per route template and
//! per decision; nobody else reads it; the Grafana dashboard and the alert rules read only
//! what it exposes.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::metrics::{a_little_traffic, scrape, Scrape};
use crate::support::tickets::TicketsApp;
use crate::support::{eventually, expect_problem, spawn_app, spawn_app_with, Caller};

/// The dashboard, as committed.
const DASHBOARD: &str = include_str!("../../../docs/grafana/carneau.json");
/// The alerting rules, as committed.
const ALERT_RULES: &str = include_str!("../../../docs/prometheus/alerts.yml");

const RESERVE_ROUTE: &str = "/events/{event_id}/reservations";
const CHECK_IN_ROUTE: &str = "/door/events/{event_id}/check-ins";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_holds_payments_scans_and_refunds_counted() {
    let tickets = TicketsApp::start().await;
    let app = &tickets.payments.app;
    let admin = app.admin().await;
    let before = scrape(app, &admin.token).await;

    let traffic = a_little_traffic(&tickets).await;
    let after = scrape(app, &admin.token).await;
    let moved =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);

    // Two holds (the order's, the last ticket's); one refused by the guard, sold out.
    assert_eq!(moved("carneau_holds_placed_total", &[]), 2.0);
    assert_eq!(
        moved(
            "carneau_holds_refused_total",
            &[("reason", "sold-out"), ("stage", "guard")]
        ),
        1.0
    );
    // Each new event's guard was built from the log when its ticket type was added and
    // again when it was published, so that no buyer found it missing.
    assert_eq!(
        moved("carneau_guard_rebuilds_total", &[("trigger", "changed")]),
        4.0
    );
    assert_eq!(
        moved("carneau_guard_rebuilds_total", &[("trigger", "missing")]),
        0.0
    );
    // Each hold, the sale and the refund's return appended to an inventory stream; one
    // node alone never lost a race.
    assert!(
        moved(
            "carneau_inventory_appends_total",
            &[("outcome", "appended")]
        ) >= 2.0
    );
    assert_eq!(
        moved(
            "carneau_inventory_appends_total",
            &[("outcome", "conflict")]
        ),
        0.0
    );
    // One payment, its tickets issued, one refund requested by the organiser and carried out.
    assert_eq!(
        moved("carneau_payments_received_total", &[("kind", "order")]),
        1.0
    );
    assert_eq!(moved("carneau_orders_paid_total", &[]), 1.0);
    assert_eq!(
        moved(
            "carneau_refunds_requested_total",
            &[("reason", "requested_by_organiser")]
        ),
        1.0
    );
    assert_eq!(moved("carneau_refunds_completed_total", &[]), 1.0);
    // The door: one admission, one refused copy.
    let scans = |verdict| {
        moved(
            "carneau_door_scans_total",
            &[("verdict", verdict), ("mode", "online")],
        )
    };
    assert_eq!(scans("admitted"), 1.0);
    assert_eq!(scans("already_checked_in"), 1.0);

    // Requests are counted by route template and status, with a latency histogram each.
    let reserve = [
        ("method", "POST"),
        ("route", RESERVE_ROUTE),
        ("status", "201"),
    ];
    assert_eq!(moved("carneau_http_requests_total", &reserve), 2.0);
    let reserve_409 = [
        ("method", "POST"),
        ("route", RESERVE_ROUTE),
        ("status", "409"),
    ];
    assert_eq!(moved("carneau_http_requests_total", &reserve_409), 1.0);
    assert_eq!(
        moved("carneau_http_request_duration_seconds_count", &reserve),
        2.0
    );
    let all_buckets = [reserve.as_slice(), &[("le", "+Inf")]].concat();
    assert_eq!(
        moved("carneau_http_request_duration_seconds_bucket", &all_buckets),
        2.0
    );
    let scans_200 = [
        ("method", "POST"),
        ("route", CHECK_IN_ROUTE),
        ("status", "200"),
    ];
    assert_eq!(moved("carneau_http_requests_total", &scans_200), 2.0);
    // Never a raw path: no route label holds an id.
    let ids = [
        traffic.order.on_sale.event_id.to_string(),
        traffic.sold_out_event.to_string(),
    ];
    for sample in &after.samples {
        if let Some(route) = sample.labels.get("route") {
            assert!(
                ids.iter().all(|id| !route.contains(id.as_str())),
                "a raw path in {sample:?}"
            );
        }
    }

    // State read when scraped: every projector's place, the mail backlog, the pool.
    let orders = [("projector", "orders")];
    assert!(after.has("carneau_log_head_position"));
    assert!(after.sum("carneau_log_head_position", &[]) > 0.0);
    assert!(after.sum("carneau_projector_position", &orders) > 0.0);
    assert_eq!(
        after
            .matching("carneau_projector_lag_seconds", &orders)
            .count(),
        1
    );
    assert!(after.has("carneau_mail_outbox_depth"));
    assert!(after.has("carneau_mail_outbox_oldest_age_seconds"));
    assert_eq!(after.sum("carneau_cache_breaker_open", &[]), 0.0);
    assert_eq!(
        after.sum("carneau_db_pool_max_connections", &[]),
        f64::from(app.state.pool.options().get_max_connections())
    );
    assert!(after.sum("carneau_db_pool_connections", &[("state", "idle")]) >= 0.0);
    assert!(after.has("carneau_db_pool_connections"));

    // The projectors catch up: their lag drops to 0 once they applied everything.
    eventually("the orders projector caught up", || async {
        let now = scrape(app, &admin.token).await;
        (now.sum("carneau_projector_lag_seconds", &orders) == 0.0).then_some(())
    })
    .await;

    // The order's tickets and its refund's confirmation go out by mail in the
    // background, and the outbox empties.
    let sent = [("outcome", "sent")];
    eventually("the tickets and refund mail sent and counted", || async {
        let now = scrape(app, &admin.token).await;
        let delivered = now.sum("carneau_mail_deliveries_total", &sent)
            - before.sum("carneau_mail_deliveries_total", &sent);
        (delivered == 2.0 && now.sum("carneau_mail_outbox_depth", &[]) == 0.0).then_some(())
    })
    .await;

    // Reading an event again is served from the cache: the hit counter moves.
    let http = tickets.payments.http();
    let hits = [("scope", "event"), ("result", "hit")];
    let hits_before = after.sum("carneau_cache_lookups_total", &hits);
    eventually("a cache hit counted", || async {
        http.public_event(traffic.sold_out_event).await;
        let now = scrape(app, &admin.token).await;
        (now.sum("carneau_cache_lookups_total", &hits) > hits_before).then_some(())
    })
    .await;
    assert!(after.sum("carneau_cache_lookups_total", &[("result", "miss")]) >= 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_requests_are_counted_by_outcome_which_the_asker_never_learns() {
    let app = spawn_app_with(&[("CARNEAU_RESET_LIMIT_PER_EMAIL", "1/60")]).await;
    let admin = app.admin().await;
    let buyer = app.buyer().await;
    let before = scrape(&app, &admin.token).await;

    let ask = |email: &str| {
        let body = json!({ "email": email });
        let app = &app;
        async move { app.post_json("/password-reset-requests", &body).await }
    };
    let known = ask(&buyer.email).await;
    let unknown = ask("nobody.here@example.com").await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.bytes().await.unwrap(), known.bytes().await.unwrap());
    expect_problem(
        ask(&buyer.email).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
    )
    .await;

    // Known and unknown addresses are told apart after the answer, by the work that
    // follows it: the counter moves once that is done.
    let outcome = |scrape: &Scrape, outcome| {
        scrape.sum(
            "carneau_password_reset_requests_total",
            &[("outcome", outcome)],
        )
    };
    eventually("the reset requests counted", || async {
        let now = scrape(&app, &admin.token).await;
        let moved = |name| outcome(&now, name) - outcome(&before, name);
        (moved("sent") == 1.0 && moved("unknown_address") == 1.0 && moved("limited") == 1.0)
            .then_some(())
    })
    .await;
    let now = scrape(&app, &admin.token).await;
    assert_eq!(outcome(&now, "failed"), outcome(&before, "failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_read_the_metrics() {
    let app = spawn_app().await;
    let anonymous = app.get("/metrics").await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let buyer = app.buyer().await;
    let as_buyer = app.get_as("/metrics", buyer.caller()).await;
    expect_problem(as_buyer, StatusCode::FORBIDDEN, "forbidden").await;
    let as_organiser = app.get_as("/metrics", Caller::Organiser).await;
    expect_problem(as_organiser, StatusCode::FORBIDDEN, "forbidden").await;
    let admin = app.admin().await;
    let scraped = scrape(&app, &admin.token).await;
    // The refused scrapes were counted too, under the route's template.
    let refused = [("route", "/metrics"), ("status", "403")];
    assert_eq!(scraped.sum("carneau_http_requests_total", &refused), 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_listener_serves_the_metrics_without_a_session() {
    let app = spawn_app().await;
    app.get("/healthz").await;
    let listener = crate::support::serve(carneau_api::routes::metrics::scrape_router(
        app.state.clone(),
    ))
    .await;
    let response = reqwest::get(format!("{listener}/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let scraped = Scrape::parse(&response.text().await.unwrap());
    let healthz = [("route", "/healthz"), ("status", "200")];
    assert!(scraped.sum("carneau_http_requests_total", &healthz) >= 1.0);
    assert!(scraped.has("carneau_db_pool_max_connections"));
}

/// Every `expr` of every panel of the dashboard, however deeply nested (rows).
fn expressions(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("expr", Value::String(expr)) => found.push(expr.clone()),
                    _ => expressions(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| expressions(item, found)),
        _ => {}
    }
}

/// The metric names an expression reads (`carneau_…` identifiers).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = expr;
    while let Some(start) = rest.find("carneau_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_and_the_alert_rules_read_only_metrics_the_api_exposes() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is JSON");
    assert!(
        dashboard["schemaVersion"].as_u64().is_some(),
        "no schemaVersion"
    );
    assert!(dashboard["title"].as_str().is_some(), "no title");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(!panels.is_empty());
    for panel in panels {
        if panel["type"] == "row" {
            continue;
        }
        let targets = panel["targets"].as_array();
        assert!(
            targets.is_some_and(|targets| !targets.is_empty()),
            "panel {} has no targets",
            panel["title"]
        );
    }
    let mut found = Vec::new();
    expressions(&dashboard, &mut found);
    let charted: BTreeSet<String> = found.iter().flat_map(|expr| metric_names(expr)).collect();
    assert!(charted.len() >= 15, "{charted:?}");
    let alerted = metric_names(ALERT_RULES);
    assert!(alerted.len() >= 8, "{alerted:?}");

    let tickets = TicketsApp::start().await;
    let app = &tickets.payments.app;
    let admin = app.admin().await;
    a_little_traffic(&tickets).await;
    // The tickets' mail goes out in the background: wait for its delivery to be counted.
    let scraped = eventually("the tickets mail delivery counted", || async {
        let scraped = scrape(app, &admin.token).await;
        scraped
            .has("carneau_mail_deliveries_total")
            .then_some(scraped)
    })
    .await;
    for (file, referenced) in [
        ("docs/grafana/carneau.json", &charted),
        ("docs/prometheus/alerts.yml", &alerted),
    ] {
        let missing: Vec<&String> = referenced
            .iter()
            .filter(|name| !scraped.has(name))
            .collect();
        assert!(
            missing.is_empty(),
            "{file} reads metrics /metrics does not expose: {missing:?}"
        );
    }
}

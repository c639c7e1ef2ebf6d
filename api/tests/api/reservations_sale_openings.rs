//! An event's guard lapses after a day without requests, and a sale often opens days after
//! its organiser's last change: the sweeper builds the guard of a sale about to open, so
//! that the rush's first buyers do not queue behind one rebuild from the log.

use carneau_commands::reservations::guard::ReservationGuard;
use carneau_commands::reservations::sale_openings::prepare_sale_openings;
use carneau_domain::ids::EventId;
use chrono::{TimeDelta, Utc};
use uuid::Uuid;

use crate::reservations_flow::guard_available;
use crate::support::reservations::http::{spawn_reservation_app, ticket_type_body};
use crate::support::{eventually, in_days, TestApp};

/// A published event with one ticket type of 50 whose sale opens `opens_in` from now;
/// its guard is then dropped, as if its keys had lapsed. Returns the event and the type.
async fn sale_opening_in(app: &TestApp, opens_in: TimeDelta) -> (Uuid, Uuid) {
    let ticket_type = ticket_type_body("Standing", 50, 4, Utc::now() + opens_in, in_days(20));
    let detail = app.http().create_event_with(&[ticket_type], true).await;
    let guard = ReservationGuard::new(app.state.redis.clone(), app.redis.prefix());
    guard.forget(EventId::from_uuid(detail.id)).await.unwrap();
    (detail.id, detail.ticket_types[0].id)
}

/// Waits until the catalogue read model shows `count` ticket types, where the sweeper
/// looks for sales about to open.
async fn wait_for_ticket_types(app: &TestApp, count: i64) {
    eventually("the ticket types in the catalogue read model", || async {
        let (seen,): (i64,) = sqlx::query_as("SELECT count(*) FROM catalogue_ticket_types")
            .fetch_one(app.database.pool())
            .await
            .unwrap();
        (seen == count).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_of_a_sale_about_to_open_is_built_before_its_first_buyer() {
    let app = spawn_reservation_app(&[]).await;
    let (soon, soon_type) = sale_opening_in(&app, TimeDelta::minutes(5)).await;
    let (later, later_type) = sale_opening_in(&app, TimeDelta::hours(3)).await;
    let (open, open_type) = sale_opening_in(&app, TimeDelta::hours(-1)).await;
    wait_for_ticket_types(&app, 3).await;

    prepare_sale_openings(app.database.pool(), &app.state.reservations)
        .await
        .unwrap();

    assert_eq!(
        guard_available(&app, soon, soon_type).await,
        Some(50),
        "the sale opening in 5 minutes has its guard, with every ticket free"
    );
    assert_eq!(
        guard_available(&app, later, later_type).await,
        None,
        "a sale opening in 3 hours is left until it comes near"
    );
    assert_eq!(
        guard_available(&app, open, open_type).await,
        None,
        "an open sale's guard is built by its next buyer, as before"
    );
    assert_eq!(
        prepare_sale_openings(app.database.pool(), &app.state.reservations)
            .await
            .unwrap(),
        0,
        "a guard already built is not built again"
    );
}

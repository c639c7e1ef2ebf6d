//! A hold's work stays small enough to hand to a task: the route spawns it per request
//! (`carneau_api::routes::see_through`), and tokio moves a task's future, and a stage of
//! its size, several times on the way in and out. At 9 KB those copies took about 6 % of
//! a flash sale's server CPU (docs/benchmarks.md, "Smaller moves per request"); boxing
//! the guard's calls inside `Reservations::reserve` brought it to about 3 KB. A profile
//! is the only other place a regression would show.

use carneau_api::provenance::buyer_metadata;
use carneau_domain::ids::{EventId, ReservationId};
use carneau_domain::inventory::{HoldRequest, IfCodeUsedUp};
use chrono::Utc;

use crate::support::spawn_app;

/// Above what the future measures with its guard calls boxed (2,984 bytes in a test build,
/// 3,248 in a release build), well below what it measured unboxed (8,944 and 9,200).
const MOST_BYTES: usize = 4_096;

#[tokio::test]
async fn a_holds_work_stays_small_enough_to_move() {
    let app = spawn_app().await;
    let reservation_id = ReservationId::new_random();
    let hold = HoldRequest {
        reservation_id,
        lines: Vec::new(),
        expires_at: Utc::now(),
        code: None,
        if_code_used_up: IfCodeUsedUp::default(),
    };
    let metadata = buyer_metadata(None, reservation_id);
    // Built, never polled: nothing reaches the guard or the log.
    let work = app
        .state
        .reservations
        .reserve(EventId::new_random(), hold, &metadata);
    let bytes = std::mem::size_of_val(&work);
    drop(work);
    assert!(
        bytes <= MOST_BYTES,
        "a hold's future is {bytes} bytes, above {MOST_BYTES}: box what made it grow"
    );
}

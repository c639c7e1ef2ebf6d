//! The Redis reservation guard with ticket types sharing a capacity pool, against a real
//! Redis under a per-test key prefix: admission respects the type's and the pool's limits
//! together, atomically, and payments give back to both.

use std::sync::Arc;

use carneau_commands::reservations::guard::{
    Admission, Followed, GuardLine, GuardPool, GuardSnapshot, GuardStock, ReservationGuard,
};
use carneau_domain::ids::{CapacityPoolId, EventId, ReservationId, TicketTypeId};
use carneau_testkit::TestRedis;

const NOW_MS: i64 = 1_800_000_000_000;
const HOLD_MS: i64 = 15 * 60 * 1000;

/// A guard for one event whose two ticket types, Standard and VIP, share a pool.
struct Venue {
    _redis: TestRedis,
    guard: ReservationGuard,
    event_id: EventId,
    standard: TicketTypeId,
    vip: TicketTypeId,
}

impl Venue {
    /// Standard (`standard` places) and VIP (`vip` places) sharing `shared` places.
    async fn new(standard: u32, vip: u32, shared: u32) -> Self {
        let redis = TestRedis::create().await.unwrap();
        let guard = ReservationGuard::new(redis.client().clone(), redis.prefix());
        let venue = Self {
            _redis: redis,
            guard,
            event_id: EventId::new(),
            standard: TicketTypeId::new(),
            vip: TicketTypeId::new(),
        };
        let snapshot = GuardSnapshot {
            codes: vec![],
            ticket_types: vec![
                GuardStock {
                    ticket_type_id: venue.standard,
                    capacity: standard,
                    sold: 0,
                },
                GuardStock {
                    ticket_type_id: venue.vip,
                    capacity: vip,
                    sold: 0,
                },
            ],
            pools: vec![GuardPool {
                pool_id: CapacityPoolId::new(),
                capacity: shared,
                ticket_types: vec![venue.standard, venue.vip],
            }],
            holds: vec![],
            log_version: 0,
        };
        assert!(venue
            .guard
            .load_if_missing(venue.event_id, &snapshot)
            .await
            .unwrap());
        venue
    }

    async fn admit(
        &self,
        reservation_id: ReservationId,
        lines: &[(TicketTypeId, u32)],
    ) -> Admission {
        let lines: Vec<GuardLine> = lines
            .iter()
            .map(|&(ticket_type_id, quantity)| GuardLine {
                ticket_type_id,
                quantity,
            })
            .collect();
        self.guard
            .admit(
                self.event_id,
                reservation_id,
                &lines,
                None,
                NOW_MS + HOLD_MS,
                NOW_MS,
            )
            .await
            .unwrap()
    }

    async fn available(&self, ticket_type_id: TicketTypeId) -> Option<u32> {
        self.guard
            .available(self.event_id, ticket_type_id, NOW_MS)
            .await
            .unwrap()
    }
}

fn sold_out(ticket_type_id: TicketTypeId, available: u32) -> Admission {
    Admission::SoldOut {
        ticket_type_id,
        available,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_runs_out_before_the_type_does() {
    let venue = Venue::new(10, 4, 8).await;
    assert_eq!(
        venue
            .admit(ReservationId::new(), &[(venue.standard, 6)])
            .await,
        Admission::Admitted
    );
    // VIP has 4 of its own, the pool only 2.
    assert_eq!(venue.available(venue.vip).await, Some(2));
    assert_eq!(
        venue.admit(ReservationId::new(), &[(venue.vip, 3)]).await,
        sold_out(venue.vip, 2)
    );
    assert_eq!(
        venue.admit(ReservationId::new(), &[(venue.vip, 2)]).await,
        Admission::Admitted
    );
    assert_eq!(venue.available(venue.standard).await, Some(0));
    assert_eq!(venue.available(venue.vip).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_of_one_request_must_fit_in_the_pool_together() {
    let venue = Venue::new(10, 4, 8).await;
    assert_eq!(
        venue
            .admit(ReservationId::new(), &[(venue.standard, 5), (venue.vip, 4)])
            .await,
        sold_out(venue.vip, 3)
    );
    // Nothing of the refused request is counted.
    assert_eq!(venue.available(venue.standard).await, Some(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_smaller_than_its_pool_is_limited_by_its_own_capacity() {
    let venue = Venue::new(10, 4, 100).await;
    assert_eq!(
        venue.admit(ReservationId::new(), &[(venue.vip, 5)]).await,
        sold_out(venue.vip, 4)
    );
    assert_eq!(venue.available(venue.standard).await, Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_sales_and_returns_give_back_to_the_pool() {
    let venue = Venue::new(10, 4, 8).await;
    let released = ReservationId::new();
    let paid = ReservationId::new();
    assert_eq!(
        venue.admit(released, &[(venue.standard, 4)]).await,
        Admission::Admitted
    );
    assert_eq!(
        venue.admit(paid, &[(venue.standard, 4)]).await,
        Admission::Admitted
    );
    assert_eq!(venue.available(venue.vip).await, Some(0));

    venue.guard.release(venue.event_id, released).await.unwrap();
    assert_eq!(venue.available(venue.vip).await, Some(4));

    let lines = [GuardLine {
        ticket_type_id: venue.standard,
        quantity: 4,
    }];
    let sold = venue
        .guard
        .sell(venue.event_id, 1, paid, &lines, None, false)
        .await
        .unwrap();
    assert_eq!(sold, Followed::Applied);
    // Sold still counts against the pool.
    assert_eq!(venue.available(venue.vip).await, Some(4));
    assert_eq!(venue.available(venue.standard).await, Some(4));

    let returned = venue
        .guard
        .return_tickets(venue.event_id, 2, &lines, None)
        .await
        .unwrap();
    assert_eq!(returned, Followed::Applied);
    assert_eq!(venue.available(venue.standard).await, Some(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_admissions_of_two_types_never_overfill_the_pool() {
    // Each type alone could take 80; together they may take 100.
    let venue = Arc::new(Venue::new(80, 80, 100).await);
    let tasks: Vec<_> = (0..600u32)
        .map(|i| {
            let venue = Arc::clone(&venue);
            let ticket_type = if i % 2 == 0 {
                venue.standard
            } else {
                venue.vip
            };
            let quantity = i % 3 + 1;
            tokio::spawn(async move {
                let admission = venue
                    .admit(ReservationId::new(), &[(ticket_type, quantity)])
                    .await;
                (ticket_type, quantity, admission)
            })
        })
        .collect();
    let (mut standard, mut vip) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (ticket_type, quantity, Admission::Admitted) if ticket_type == venue.standard => {
                standard += quantity;
            }
            (_, quantity, Admission::Admitted) => vip += quantity,
            (_, quantity, Admission::SoldOut { available, .. }) => assert!(available < quantity),
            (_, _, other) => panic!("unexpected admission {other:?}"),
        }
    }
    assert!(standard <= 80 && vip <= 80, "{standard} + {vip}");
    // One-ticket requests keep coming until nothing is left, so the pool fills exactly.
    assert_eq!(standard + vip, 100);
    assert_eq!(venue.available(venue.standard).await, Some(0));
    assert_eq!(venue.available(venue.vip).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_naming_a_type_in_two_pools_is_refused() {
    let redis = TestRedis::create().await.unwrap();
    let guard = ReservationGuard::new(redis.client().clone(), redis.prefix());
    let standard = TicketTypeId::new();
    let pool = |ticket_types| GuardPool {
        pool_id: CapacityPoolId::new(),
        capacity: 5,
        ticket_types,
    };
    let snapshot = GuardSnapshot {
        ticket_types: vec![GuardStock {
            ticket_type_id: standard,
            capacity: 10,
            sold: 0,
        }],
        pools: vec![pool(vec![standard]), pool(vec![standard])],
        codes: vec![],
        holds: vec![],
        log_version: 0,
    };
    assert!(guard
        .load_if_missing(EventId::new(), &snapshot)
        .await
        .is_err());
}

//! The Redis guard counting a promo code's uses as it counts tickets: admitted within the
//! code's limit, given back by a release, kept by a sale, given back by a refund that
//! says so, and rebuilt from the log with the uses spent and held.

use carneau_commands::reservations::guard::{
    Admission, Followed, GuardCodeStock, GuardHold, GuardLine, GuardSnapshot, GuardStock,
    ReservationGuard,
};
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_domain::inventory::CodeUse;
use carneau_domain::voucher::VoucherCode;
use carneau_testkit::TestRedis;

const NOW_MS: i64 = 1_800_000_000_000;
const HOLD_MS: i64 = 15 * 60 * 1000;

struct Fixture {
    _redis: TestRedis,
    guard: ReservationGuard,
    event_id: EventId,
    standard: TicketTypeId,
}

impl Fixture {
    /// A guard of 100 Standard tickets, loaded from `codes` and `holds`.
    async fn new(codes: Vec<GuardCodeStock>, holds: Vec<GuardHold>) -> Self {
        let redis = TestRedis::create().await.unwrap();
        let guard = ReservationGuard::new(redis.client().clone(), redis.prefix());
        let (event_id, standard) = (EventId::new(), TicketTypeId::new());
        let snapshot = GuardSnapshot {
            ticket_types: vec![GuardStock {
                ticket_type_id: standard,
                capacity: 100,
                sold: 0,
            }],
            pools: vec![],
            codes,
            holds: holds
                .into_iter()
                .map(|hold| GuardHold {
                    lines: vec![GuardLine {
                        ticket_type_id: standard,
                        quantity: 1,
                    }],
                    ..hold
                })
                .collect(),
            log_version: 0,
        };
        assert!(guard.load_if_missing(event_id, &snapshot).await.unwrap());
        Self {
            _redis: redis,
            guard,
            event_id,
            standard,
        }
    }

    /// Admits `tickets` Standard tickets taking as many uses of `code`, limited to `max`.
    async fn admit(&self, reservation_id: ReservationId, tickets: u32, max: u32) -> Admission {
        let code_use = uses(tickets);
        self.guard
            .admit(
                self.event_id,
                reservation_id,
                &self.lines(tickets),
                Some((&code_use, max)),
                NOW_MS + HOLD_MS,
                NOW_MS,
            )
            .await
            .unwrap()
    }

    fn lines(&self, tickets: u32) -> Vec<GuardLine> {
        vec![GuardLine {
            ticket_type_id: self.standard,
            quantity: tickets,
        }]
    }
}

fn code() -> VoucherCode {
    VoucherCode::parse("FRIENDS").unwrap()
}

fn uses(uses: u32) -> CodeUse {
    CodeUse { code: code(), uses }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admits_within_the_codes_limit_and_a_release_gives_uses_back() {
    let fx = Fixture::new(vec![], vec![]).await;
    let first = ReservationId::new();
    assert_eq!(fx.admit(first, 3, 5).await, Admission::Admitted);
    assert_eq!(
        fx.admit(ReservationId::new(), 3, 5).await,
        Admission::CodeUsedUp { left: 2 }
    );
    assert_eq!(
        fx.admit(ReservationId::new(), 2, 5).await,
        Admission::Admitted
    );
    fx.guard.release(fx.event_id, first).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), 3, 5).await,
        Admission::Admitted
    );
    // A raised limit applies at the next admission.
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 5).await,
        Admission::CodeUsedUp { left: 0 }
    );
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 6).await,
        Admission::Admitted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_keeps_the_uses_and_a_refund_gives_back_only_what_it_carries() {
    let fx = Fixture::new(vec![], vec![]).await;
    let paid = ReservationId::new();
    assert_eq!(fx.admit(paid, 2, 2).await, Admission::Admitted);
    let sold = fx
        .guard
        .sell(fx.event_id, 1, paid, &fx.lines(2), Some(&uses(2)), false)
        .await
        .unwrap();
    assert_eq!(sold, Followed::Applied);
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 2).await,
        Admission::CodeUsedUp { left: 0 }
    );
    // A refund that keeps the code spent changes nothing for it; one that gives it back does.
    let kept = fx
        .guard
        .return_tickets(fx.event_id, 2, &fx.lines(1), None)
        .await
        .unwrap();
    assert_eq!(kept, Followed::Applied);
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 2).await,
        Admission::CodeUsedUp { left: 0 }
    );
    let given_back = fx
        .guard
        .return_tickets(fx.event_id, 3, &fx.lines(1), Some(&uses(1)))
        .await
        .unwrap();
    assert_eq!(given_back, Followed::Applied);
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 2).await,
        Admission::Admitted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_rebuilt_from_the_log_counts_uses_spent_and_held() {
    // 3 uses spent by sales, 1 held by a hold in flight: of 5, one is left.
    let held = ReservationId::new();
    let fx = Fixture::new(
        vec![GuardCodeStock {
            code: code(),
            spent: 3,
        }],
        vec![GuardHold {
            reservation_id: held,
            lines: vec![],
            code_use: Some(uses(1)),
            expires_at_ms: NOW_MS + HOLD_MS,
        }],
    )
    .await;
    assert_eq!(
        fx.admit(ReservationId::new(), 2, 5).await,
        Admission::CodeUsedUp { left: 1 }
    );
    // The hold in flight gives its use back when released.
    fx.guard.release(fx.event_id, held).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), 2, 5).await,
        Admission::Admitted
    );
}

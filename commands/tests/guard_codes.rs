//! The Redis guard counting a promo code's uses as it counts tickets: admitted within the
//! code's limit, given back by a release, kept by a sale, given back by a refund that
//! says so, and rebuilt from the log with the uses spent and held; and, for a buyer who
//! asks so, dropped from a hold whose tickets are admitted alone when it is used up.

use carneau_commands::reservations::guard::{
    Admission, Followed, GuardCode, GuardCodeStock, GuardHold, GuardLine, GuardSnapshot,
    GuardStock, ReservationGuard,
};
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{CodeUse, IfCodeUsedUp};
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
        self.ask(reservation_id, tickets, max, IfCodeUsedUp::Refuse)
            .await
    }

    /// As [`Self::admit`], the tickets alone if the code's uses do not fit.
    async fn admit_or_without_code(
        &self,
        reservation_id: ReservationId,
        tickets: u32,
        max: u32,
    ) -> Admission {
        self.ask(reservation_id, tickets, max, IfCodeUsedUp::HoldWithoutCode)
            .await
    }

    async fn ask(
        &self,
        reservation_id: ReservationId,
        tickets: u32,
        max: u32,
        if_used_up: IfCodeUsedUp,
    ) -> Admission {
        let code = GuardCode {
            code_use: uses(tickets),
            max_uses: max,
            if_used_up,
        };
        self.guard
            .admit(
                self.event_id,
                reservation_id,
                &self.lines(tickets),
                Some(&code),
                NOW_MS + HOLD_MS,
                NOW_MS,
            )
            .await
            .unwrap()
    }

    /// Standard tickets the guard has left.
    async fn tickets_left(&self) -> u32 {
        self.guard
            .available(self.event_id, self.standard, NOW_MS)
            .await
            .unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_used_up_is_dropped_and_the_tickets_admitted_alone_when_asked() {
    // Given 2 uses of 2 held,
    let fx = Fixture::new(vec![], vec![]).await;
    let with_code = ReservationId::new();
    assert_eq!(fx.admit(with_code, 2, 2).await, Admission::Admitted);
    // a buyer who asks so gets the ticket without the code, and one who does not is refused;
    let without_code = ReservationId::new();
    assert_eq!(
        fx.admit_or_without_code(without_code, 1, 2).await,
        Admission::AdmittedWithoutCode
    );
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 2).await,
        Admission::CodeUsedUp { left: 0 }
    );
    assert_eq!(fx.tickets_left().await, 97);
    // releasing the hold without the code frees its ticket and no use;
    fx.guard.release(fx.event_id, without_code).await.unwrap();
    assert_eq!(fx.tickets_left().await, 98);
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 2).await,
        Admission::CodeUsedUp { left: 0 }
    );
    // releasing the one with the code frees its uses for the next buyer who falls back.
    fx.guard.release(fx.event_id, with_code).await.unwrap();
    assert_eq!(
        fx.admit_or_without_code(ReservationId::new(), 2, 2).await,
        Admission::Admitted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falling_back_never_admits_past_the_tickets() {
    // Given every Standard ticket held, the code's uses are no way around it.
    let fx = Fixture::new(vec![], vec![]).await;
    assert_eq!(
        fx.admit_or_without_code(ReservationId::new(), 100, 500)
            .await,
        Admission::Admitted
    );
    assert_eq!(
        fx.admit_or_without_code(ReservationId::new(), 1, 500).await,
        Admission::SoldOut {
            ticket_type_id: fx.standard,
            available: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rush_that_falls_back_uses_the_code_exactly_to_its_limit() {
    // 150 buyers of one ticket at once, every one falling back, for 100 tickets and a
    // code of 30 uses: 30 with the code, 70 without, 50 turned away, nothing past a limit.
    let fx = std::sync::Arc::new(Fixture::new(vec![], vec![]).await);
    let asks: Vec<_> = (0..150)
        .map(|_| {
            let fx = fx.clone();
            let reservation_id = ReservationId::new();
            tokio::spawn(async move {
                let admission = fx.admit_or_without_code(reservation_id, 1, 30).await;
                (reservation_id, admission)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for ask in asks {
        answers.push(ask.await.unwrap());
    }
    let count = |wanted: &dyn Fn(&Admission) -> bool| {
        answers.iter().filter(|(_, answer)| wanted(answer)).count()
    };
    assert_eq!(count(&|answer| *answer == Admission::Admitted), 30);
    assert_eq!(
        count(&|answer| *answer == Admission::AdmittedWithoutCode),
        70
    );
    assert_eq!(
        count(&|answer| matches!(answer, Admission::SoldOut { .. })),
        50
    );
    assert_eq!(fx.tickets_left().await, 0);
    // A ticket given back shows the code has no use left: exactly 30 were counted.
    let (without_code, _) = answers
        .iter()
        .find(|(_, answer)| *answer == Admission::AdmittedWithoutCode)
        .unwrap();
    fx.guard.release(fx.event_id, *without_code).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), 1, 30).await,
        Admission::CodeUsedUp { left: 0 }
    );
}

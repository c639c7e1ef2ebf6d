//! The Redis reservation guard against a real Redis, under a per-test key prefix.

use std::sync::Arc;
use std::time::Instant;

use carneau_commands::reservations::guard::{
    Admission, Followed, GuardHold, GuardLine, GuardSnapshot, GuardStock, Replaced,
    ReservationGuard, FOLLOWED_MARKS_KEPT, GUARD_EXPIRY_SLACK_MS, GUARD_IDLE_LIFETIME_MS,
};
use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_testkit::own_servers::{script_calls, OwnRedis};
use carneau_testkit::TestRedis;
use fred::prelude::{ClientLike, KeysInterface, LuaInterface};
use fred::types::CustomCommand;

const NOW_MS: i64 = 1_800_000_000_000;
const HOLD_MS: i64 = 15 * 60 * 1000;

struct Fixture {
    redis: TestRedis,
    guard: ReservationGuard,
    event_id: EventId,
}

impl Fixture {
    async fn new() -> Self {
        let redis = TestRedis::create().await.unwrap();
        let guard = ReservationGuard::new(redis.client().clone(), redis.prefix());
        Self {
            redis,
            guard,
            event_id: EventId::new(),
        }
    }

    /// Loads a guard with these (ticket type, capacity, sold) and no holds.
    async fn load(&self, stock: &[(TicketTypeId, u32, u32)]) {
        let snapshot = snapshot(stock, vec![]);
        assert!(self
            .guard
            .load_if_missing(self.event_id, &snapshot)
            .await
            .unwrap());
    }

    async fn admit(
        &self,
        reservation_id: ReservationId,
        lines: &[(TicketTypeId, u32)],
    ) -> Admission {
        self.admit_at(reservation_id, lines, NOW_MS).await
    }

    async fn admit_at(
        &self,
        reservation_id: ReservationId,
        lines: &[(TicketTypeId, u32)],
        now_ms: i64,
    ) -> Admission {
        self.guard
            .admit(
                self.event_id,
                reservation_id,
                &guard_lines(lines),
                None,
                now_ms + HOLD_MS,
                now_ms,
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

    async fn available_at(&self, ticket_type_id: TicketTypeId, now_ms: i64) -> Option<u32> {
        self.guard
            .available(self.event_id, ticket_type_id, now_ms)
            .await
            .unwrap()
    }

    async fn sell(
        &self,
        log_version: u64,
        reservation_id: ReservationId,
        lines: &[(TicketTypeId, u32)],
        late: bool,
    ) -> Followed {
        self.guard
            .sell(
                self.event_id,
                log_version,
                reservation_id,
                &guard_lines(lines),
                None,
                late,
            )
            .await
            .unwrap()
    }

    async fn return_tickets(&self, log_version: u64, lines: &[(TicketTypeId, u32)]) -> Followed {
        self.guard
            .return_tickets(self.event_id, log_version, &guard_lines(lines), None)
            .await
            .unwrap()
    }

    /// How many marks of facts followed in place the guard keeps now.
    async fn followed_marks(&self) -> i64 {
        let key = format!(
            "{}guard:{{{}}}:followed",
            self.redis.prefix(),
            self.event_id
        );
        self.redis
            .client()
            .custom(CustomCommand::new_static("ZCARD", None, false), vec![key])
            .await
            .unwrap()
    }

    /// Replaces the guard with a snapshot of these (ticket type, capacity, sold) and no
    /// holds, read at `log_version`.
    async fn replace_at(&self, log_version: u64, stock: &[(TicketTypeId, u32, u32)]) -> Replaced {
        let mut read = snapshot(stock, vec![]);
        read.log_version = log_version;
        self.guard.replace(self.event_id, &read).await.unwrap()
    }

    /// PEXPIRETIME of the meta, holds and lines keys.
    async fn key_deadlines_ms(&self) -> [i64; 3] {
        let mut deadlines = [0; 3];
        for (deadline, suffix) in deadlines.iter_mut().zip(["meta", "holds", "lines"]) {
            let key = format!(
                "{}guard:{{{}}}:{suffix}",
                self.redis.prefix(),
                self.event_id
            );
            *deadline = self
                .redis
                .client()
                .custom(
                    CustomCommand::new_static("PEXPIRETIME", None, false),
                    vec![key],
                )
                .await
                .unwrap();
        }
        deadlines
    }

    /// Simulates Redis losing the guard (FLUSHALL is not allowed on the shared server).
    async fn lose_all_keys(&self) {
        let pattern = format!("{}*", self.redis.prefix());
        let client = self.redis.client();
        let keys = carneau_testkit::keys_matching(client, &pattern)
            .await
            .unwrap();
        assert!(!keys.is_empty());
        carneau_testkit::delete_keys(client, &keys).await.unwrap();
    }
}

fn guard_lines(lines: &[(TicketTypeId, u32)]) -> Vec<GuardLine> {
    lines
        .iter()
        .map(|&(ticket_type_id, quantity)| GuardLine {
            ticket_type_id,
            quantity,
        })
        .collect()
}

/// `count` holds of one ticket of `ticket_type_id` each, lapsing at `NOW_MS + HOLD_MS`.
fn one_ticket_holds(ticket_type_id: TicketTypeId, count: usize) -> Vec<GuardHold> {
    (0..count)
        .map(|_| GuardHold {
            reservation_id: ReservationId::new(),
            lines: guard_lines(&[(ticket_type_id, 1)]),
            code_use: None,
            expires_at_ms: NOW_MS + HOLD_MS,
        })
        .collect()
}

fn snapshot(stock: &[(TicketTypeId, u32, u32)], holds: Vec<GuardHold>) -> GuardSnapshot {
    GuardSnapshot {
        ticket_types: stock
            .iter()
            .map(|&(ticket_type_id, capacity, sold)| GuardStock {
                ticket_type_id,
                capacity,
                sold,
            })
            .collect(),
        pools: vec![],
        codes: vec![],
        holds,
        log_version: 0,
    }
}

fn sold_out(ticket_type_id: TicketTypeId, available: u32) -> Admission {
    Admission::SoldOut {
        ticket_type_id,
        available,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admits_until_sold_out_with_exact_counts() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 3)]).await;

    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 4)]).await,
        Admission::Admitted
    );
    assert_eq!(fx.available(vip).await, Some(3));
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 4)]).await,
        sold_out(vip, 3)
    );
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 3)]).await,
        Admission::Admitted
    );
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        sold_out(vip, 0)
    );
    assert_eq!(fx.available(vip).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admits_several_ticket_types_all_or_nothing() {
    let fx = Fixture::new().await;
    let (early, vip) = (TicketTypeId::new(), TicketTypeId::new());
    fx.load(&[(early, 10, 0), (vip, 2, 0)]).await;

    let greedy = ReservationId::new();
    assert_eq!(
        fx.admit(greedy, &[(early, 5), (vip, 3)]).await,
        sold_out(vip, 2)
    );
    assert_eq!(
        fx.available(early).await,
        Some(10),
        "nothing of a refused request is held"
    );
    assert_eq!(fx.available(vip).await, Some(2));

    assert_eq!(
        fx.admit(greedy, &[(early, 5), (vip, 2)]).await,
        Admission::Admitted
    );
    assert_eq!(fx.available(early).await, Some(5));
    assert_eq!(fx.available(vip).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_of_one_ticket_type_are_checked_together() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 5, 0)]).await;

    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 3), (vip, 3)]).await,
        sold_out(vip, 5)
    );
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 3), (vip, 2)]).await,
        Admission::Admitted
    );
    assert_eq!(fx.available(vip).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_admission_is_not_counted_twice() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 0)]).await;

    let reservation = ReservationId::new();
    assert_eq!(
        fx.admit(reservation, &[(vip, 4)]).await,
        Admission::Admitted
    );
    assert_eq!(
        fx.admit(reservation, &[(vip, 4)]).await,
        Admission::AlreadyAdmitted
    );
    assert_eq!(fx.available(vip).await, Some(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_returns_the_tickets_once() {
    let fx = Fixture::new().await;
    let (early, vip) = (TicketTypeId::new(), TicketTypeId::new());
    fx.load(&[(early, 10, 0), (vip, 4, 0)]).await;

    let reservation = ReservationId::new();
    assert_eq!(
        fx.admit(reservation, &[(early, 3), (vip, 4)]).await,
        Admission::Admitted
    );
    assert_eq!(
        fx.admit(ReservationId::new(), &[(early, 2)]).await,
        Admission::Admitted
    );
    fx.guard.release(fx.event_id, reservation).await.unwrap();
    fx.guard.release(fx.event_id, reservation).await.unwrap();
    fx.guard
        .release(fx.event_id, ReservationId::new())
        .await
        .unwrap();

    assert_eq!(fx.available(early).await, Some(8));
    assert_eq!(fx.available(vip).await, Some(4));
    assert_eq!(
        fx.admit(reservation, &[(vip, 4)]).await,
        Admission::Admitted,
        "a released id can hold again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_hold_does_not_count_and_is_purged() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 5, 0)]).await;

    let lapsing = ReservationId::new();
    assert_eq!(fx.admit(lapsing, &[(vip, 5)]).await, Admission::Admitted);
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        sold_out(vip, 0)
    );

    let after_expiry_ms = NOW_MS + HOLD_MS;
    let late = ReservationId::new();
    assert_eq!(
        fx.admit_at(late, &[(vip, 5)], after_expiry_ms).await,
        Admission::Admitted
    );

    let holds_key = format!("{}guard:{{{}}}:holds", fx.redis.prefix(), fx.event_id);
    let lines_key = format!("{}guard:{{{}}}:lines", fx.redis.prefix(), fx.event_id);
    let client = fx.redis.client();
    let in_flight: Vec<String> = client
        .custom(
            CustomCommand::new_static("ZRANGE", None, false),
            vec![holds_key, "0".into(), "-1".into()],
        )
        .await
        .unwrap();
    assert_eq!(in_flight, vec![late.to_string()]);
    let lapsed_lines: Option<String> = client
        .custom(
            CustomCommand::new_static("HGET", None, false),
            vec![lines_key, lapsing.to_string()],
        )
        .await
        .unwrap();
    assert_eq!(lapsed_lines, None);

    // Releasing the lapsed hold afterwards must not hand its tickets back a second time.
    fx.guard.release(fx.event_id, lapsing).await.unwrap();
    let available = fx
        .guard
        .available(fx.event_id, vip, after_expiry_ms)
        .await
        .unwrap();
    assert_eq!(available, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_guard_answers_not_loaded() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        Admission::NotLoaded
    );
    assert_eq!(fx.available(vip).await, None);

    fx.load(&[(vip, 5, 0)]).await;
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        Admission::Admitted
    );
    fx.lose_all_keys().await;
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        Admission::NotLoaded
    );

    fx.load(&[(vip, 5, 0)]).await;
    fx.guard.forget(fx.event_id).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
        Admission::NotLoaded
    );
    fx.guard.set_capacity(fx.event_id, vip, 50).await.unwrap();
    assert_eq!(
        fx.available(vip).await,
        None,
        "a capacity change does not half-load a guard"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_type_the_guard_lacks_is_named() {
    let fx = Fixture::new().await;
    let (vip, added) = (TicketTypeId::new(), TicketTypeId::new());
    fx.load(&[(vip, 5, 0)]).await;

    let unknown = fx
        .admit(ReservationId::new(), &[(vip, 1), (added, 1)])
        .await;
    assert_eq!(
        unknown,
        Admission::UnknownTicketType {
            ticket_type_id: added
        }
    );
    assert_eq!(fx.available(vip).await, Some(5));

    fx.guard.set_capacity(fx.event_id, added, 2).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 1), (added, 2)])
            .await,
        Admission::Admitted
    );
    fx.guard.set_capacity(fx.event_id, vip, 3).await.unwrap();
    assert_eq!(fx.available(vip).await, Some(2));
    assert_eq!(fx.available(added).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_if_missing_installs_once_and_replace_overwrites() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    let held_by_log = ReservationId::new();
    let hold = GuardHold {
        reservation_id: held_by_log,
        lines: guard_lines(&[(vip, 2)]),
        code_use: None,
        expires_at_ms: NOW_MS + HOLD_MS,
    };
    let from_log = snapshot(&[(vip, 10, 3)], vec![hold]);
    assert!(fx
        .guard
        .load_if_missing(fx.event_id, &from_log)
        .await
        .unwrap());
    assert_eq!(fx.available(vip).await, Some(5));
    assert_eq!(
        fx.admit(held_by_log, &[(vip, 2)]).await,
        Admission::AlreadyAdmitted
    );

    let other = snapshot(&[(vip, 100, 0)], vec![]);
    assert!(!fx.guard.load_if_missing(fx.event_id, &other).await.unwrap());
    assert_eq!(
        fx.available(vip).await,
        Some(5),
        "a loaded guard is not overwritten"
    );

    fx.guard.replace(fx.event_id, &other).await.unwrap();
    assert_eq!(fx.available(vip).await, Some(100));
    assert_eq!(
        fx.admit(held_by_log, &[(vip, 2)]).await,
        Admission::Admitted,
        "old holds are gone"
    );
    assert_eq!(fx.available(vip).await, Some(98));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_keys_expire_a_day_after_the_last_hold() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 5, 0)]).await;
    let first_deadline_ms = NOW_MS + HOLD_MS + GUARD_IDLE_LIFETIME_MS + GUARD_EXPIRY_SLACK_MS;

    let first = ReservationId::new();
    assert_eq!(fx.admit(first, &[(vip, 1)]).await, Admission::Admitted);
    assert_eq!(fx.key_deadlines_ms().await, [first_deadline_ms; 3]);

    let within_slack_ms = NOW_MS + 60_000;
    assert_eq!(
        fx.admit_at(ReservationId::new(), &[(vip, 1)], within_slack_ms)
            .await,
        Admission::Admitted
    );
    assert_eq!(
        fx.key_deadlines_ms().await,
        [first_deadline_ms; 3],
        "not rewritten on every admission"
    );

    // Emptying the holds deletes their keys; recreated, they must get an expiry again.
    fx.guard.forget(fx.event_id).await.unwrap();
    fx.load(&[(vip, 5, 0)]).await;
    let later_ms = NOW_MS + 2 * GUARD_EXPIRY_SLACK_MS;
    let second = ReservationId::new();
    assert_eq!(
        fx.admit_at(second, &[(vip, 1)], later_ms).await,
        Admission::Admitted
    );
    fx.guard.release(fx.event_id, second).await.unwrap();
    assert_eq!(
        fx.admit_at(ReservationId::new(), &[(vip, 1)], later_ms)
            .await,
        Admission::Admitted
    );
    let later_deadline_ms = later_ms + HOLD_MS + GUARD_IDLE_LIFETIME_MS + GUARD_EXPIRY_SLACK_MS;
    assert_eq!(fx.key_deadlines_ms().await, [later_deadline_ms; 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_a_script_flush() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 5, 0)]).await;
    fx.redis.client().script_flush(false).await.unwrap();
    assert_eq!(
        fx.admit(ReservationId::new(), &[(vip, 2)]).await,
        Admission::Admitted
    );
    fx.redis.client().script_flush(false).await.unwrap();
    assert_eq!(fx.available(vip).await, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_admissions_never_oversell() {
    let fx = Arc::new(Fixture::new().await);
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 100, 0)]).await;

    // Quantities cycle 1..=4: 125 one-ticket requests cannot all fit in 100, so some are
    // refused, which only happens at zero left; hence exactly 100 must be admitted.
    let tasks: Vec<_> = (0..500u32)
        .map(|i| {
            let fx = Arc::clone(&fx);
            let quantity = i % 4 + 1;
            tokio::spawn(async move {
                (
                    quantity,
                    fx.admit(ReservationId::new(), &[(vip, quantity)]).await,
                )
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            (quantity, Admission::Admitted) => admitted += quantity,
            (
                quantity,
                Admission::SoldOut {
                    ticket_type_id,
                    available,
                },
            ) => {
                assert_eq!(ticket_type_id, vip);
                assert!(available < quantity);
            }
            (_, other) => panic!("unexpected admission {other:?}"),
        }
    }
    assert_eq!(admitted, 100);
    assert_eq!(fx.available(vip).await, Some(0));
}

/// Requests arriving while an event's script call is in flight go to Redis together in
/// the next call, each still decided alone: one call per request flushed the socket and
/// ran the script for each. On a Redis of its own, so that its command counts are this
/// test's alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_admissions_share_script_calls_and_each_gets_its_answer() {
    let server = OwnRedis::start().unwrap();
    let client = server.connect().await.unwrap();
    let guard = ReservationGuard::new(client.clone(), "batch:");
    let event_id = EventId::new();
    let vip = TicketTypeId::new();
    assert!(guard
        .load_if_missing(event_id, &snapshot(&[(vip, 150, 0)], vec![]))
        .await
        .unwrap());

    // 200 reservations asked twice each, all at once: a retry in the same batch as its
    // first request must be told it is already admitted, never counted twice.
    const RESERVATIONS: usize = 200;
    let ids: Vec<ReservationId> = (0..RESERVATIONS).map(|_| ReservationId::new()).collect();
    let tasks: Vec<_> = ids
        .iter()
        .chain(ids.iter())
        .map(|&reservation_id| {
            let guard = guard.clone();
            tokio::spawn(async move {
                let admission = guard
                    .admit(
                        event_id,
                        reservation_id,
                        &guard_lines(&[(vip, 1)]),
                        None,
                        NOW_MS + HOLD_MS,
                        NOW_MS,
                    )
                    .await
                    .unwrap();
                (reservation_id, admission)
            })
        })
        .collect();
    let mut answers: std::collections::HashMap<ReservationId, Vec<Admission>> =
        std::collections::HashMap::new();
    for task in tasks {
        let (reservation_id, admission) = task.await.unwrap();
        answers.entry(reservation_id).or_default().push(admission);
    }
    let mut admitted = 0;
    for (reservation_id, mut pair) in answers {
        pair.sort_by_key(|admission| format!("{admission:?}"));
        match pair.as_slice() {
            [Admission::Admitted, Admission::AlreadyAdmitted] => admitted += 1,
            [Admission::SoldOut { .. }, Admission::SoldOut { .. }] => {}
            other => panic!("{reservation_id}: unexpected answers {other:?}"),
        }
    }
    assert_eq!(admitted, 150);
    assert_eq!(
        guard.available(event_id, vip, NOW_MS).await.unwrap(),
        Some(0)
    );

    let script_calls = script_calls(&client).await.unwrap();
    assert!(
        script_calls <= 2 * RESERVATIONS as u64 / 10,
        "{script_calls} script calls for {} admissions",
        2 * RESERVATIONS
    );
}

/// Payment facts of one event followed while its previous `follow.lua` call is in flight
/// go to Redis together in the next call, each followed alone and in order: a paying rush
/// follows a sale and an extension per order. On a Redis of its own, as above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payment_facts_share_script_calls_and_each_gets_its_answer() {
    let server = OwnRedis::start().unwrap();
    let client = server.connect().await.unwrap();
    let guard = ReservationGuard::new(client.clone(), "follow:");
    let event_id = EventId::new();
    let vip = TicketTypeId::new();
    const SALES: u64 = 200;
    let holds = one_ticket_holds(vip, SALES as usize);
    assert!(guard
        .load_if_missing(event_id, &snapshot(&[(vip, 500, 0)], holds.clone()))
        .await
        .unwrap());

    // Each hold extended, then sold, at versions of its own; every sale also sent twice,
    // so a repeat in the same call as its fact must be told it is already counted.
    let tasks: Vec<_> = holds
        .iter()
        .zip(1..)
        .map(|(hold, n)| {
            let (guard, hold) = (guard.clone(), hold.clone());
            tokio::spawn(async move {
                let extended = guard
                    .extend(event_id, 3 * n, hold.reservation_id, NOW_MS + 2 * HOLD_MS)
                    .await
                    .unwrap();
                let (sold, again) = tokio::join!(
                    guard.sell(
                        event_id,
                        3 * n + 1,
                        hold.reservation_id,
                        &hold.lines,
                        None,
                        false
                    ),
                    guard.sell(
                        event_id,
                        3 * n + 1,
                        hold.reservation_id,
                        &hold.lines,
                        None,
                        false
                    ),
                );
                let mut sales = [sold.unwrap(), again.unwrap()];
                sales.sort_by_key(|followed| format!("{followed:?}"));
                (extended, sales)
            })
        })
        .collect();
    for task in tasks {
        let (extended, sales) = task.await.unwrap();
        assert_eq!(extended, Followed::Applied);
        assert_eq!(sales, [Followed::AlreadyCounted, Followed::Applied]);
    }
    assert_eq!(
        guard
            .available(event_id, vip, NOW_MS + 3 * HOLD_MS)
            .await
            .unwrap(),
        Some(300),
        "{SALES} sold once each, nothing held"
    );

    let script_calls = script_calls(&client).await.unwrap();
    assert!(
        script_calls <= 3 * SALES / 10,
        "{script_calls} script calls for {} payment facts",
        3 * SALES
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_throughput() {
    let fx = Arc::new(Fixture::new().await);
    let vip = TicketTypeId::new();
    fx.load(&[(vip, u32::MAX, 0)]).await;

    const SEQUENTIAL: u32 = 3_000;
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        assert_eq!(
            fx.admit(ReservationId::new(), &[(vip, 1)]).await,
            Admission::Admitted
        );
    }
    let sequential_per_s = f64::from(SEQUENTIAL) / started.elapsed().as_secs_f64();

    const TASKS: u32 = 32;
    const PER_TASK: u32 = 500;
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let fx = Arc::clone(&fx);
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    assert_eq!(
                        fx.admit(ReservationId::new(), &[(vip, 1)]).await,
                        Admission::Admitted
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent_per_s = f64::from(TASKS * PER_TASK) / started.elapsed().as_secs_f64();
    println!(
        "guard admit: {sequential_per_s:.0}/s one at a time, {concurrent_per_s:.0}/s with {TASKS} concurrent callers"
    );
}

/// Redis can lose one key of the three (eviction, a partial delete). A guard whose hold
/// keys no longer match its counters must not go on refusing as sold out: it reports
/// itself not loaded, so that it is rebuilt from the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_missing_one_of_its_keys_asks_to_be_rebuilt() {
    for lost in ["holds", "lines"] {
        let fx = Fixture::new().await;
        let vip = TicketTypeId::new();
        fx.load(&[(vip, 4, 0)]).await;
        assert_eq!(
            fx.admit(ReservationId::new(), &[(vip, 4)]).await,
            Admission::Admitted
        );
        let pattern = format!("{}*:{lost}", fx.redis.prefix());
        let keys: Vec<String> = fx
            .redis
            .client()
            .custom(
                CustomCommand::new_static("KEYS", None, false),
                vec![pattern],
            )
            .await
            .unwrap();
        assert_eq!(keys.len(), 1, "the `{lost}` key");
        let _: i64 = fx.redis.client().del(keys).await.unwrap();

        assert_eq!(
            fx.admit(ReservationId::new(), &[(vip, 1)]).await,
            Admission::NotLoaded,
            "after losing `{lost}`"
        );
        fx.load(&[(vip, 4, 0)]).await;
        assert_eq!(
            fx.admit(ReservationId::new(), &[(vip, 4)]).await,
            Admission::Admitted
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_moves_the_holds_tickets_from_held_to_sold_once() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 0)]).await;
    let (paid, other) = (ReservationId::new(), ReservationId::new());
    assert_eq!(fx.admit(paid, &[(vip, 4)]).await, Admission::Admitted);
    assert_eq!(fx.admit(other, &[(vip, 2)]).await, Admission::Admitted);

    assert_eq!(
        fx.sell(3, paid, &[(vip, 4)], false).await,
        Followed::Applied
    );
    assert_eq!(fx.available(vip).await, Some(4));
    assert_eq!(
        fx.sell(3, paid, &[(vip, 4)], false).await,
        Followed::AlreadyCounted,
        "a repeated sale sells nothing more"
    );
    fx.guard.release(fx.event_id, paid).await.unwrap();
    assert_eq!(
        fx.available(vip).await,
        Some(4),
        "a sold hold has nothing left to release; the other hold is still held"
    );
    assert_eq!(
        fx.available_at(vip, NOW_MS + 2 * HOLD_MS).await,
        Some(6),
        "sold tickets stay taken after every hold lapsed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_sale_adds_its_tickets_to_sold_whether_or_not_the_hold_was_purged() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 0)]).await;
    let (purged, lingering) = (ReservationId::new(), ReservationId::new());
    assert_eq!(fx.admit(purged, &[(vip, 3)]).await, Admission::Admitted);
    assert_eq!(fx.admit(lingering, &[(vip, 2)]).await, Admission::Admitted);
    let later_ms = NOW_MS + 2 * HOLD_MS;
    assert_eq!(
        fx.available_at(vip, later_ms).await,
        Some(10),
        "both lapsed"
    );

    assert_eq!(
        fx.sell(7, purged, &[(vip, 3)], true).await,
        Followed::Applied
    );
    assert_eq!(fx.available_at(vip, later_ms).await, Some(7));
    assert_eq!(
        fx.sell(7, purged, &[(vip, 3)], true).await,
        Followed::AlreadyCounted
    );
    assert_eq!(fx.available_at(vip, later_ms).await, Some(7));

    // A lapsed hold no admission has purged yet is taken out of held, not counted twice.
    let fx = Fixture::new().await;
    fx.load(&[(vip, 10, 0)]).await;
    assert_eq!(fx.admit(lingering, &[(vip, 2)]).await, Admission::Admitted);
    assert_eq!(
        fx.sell(8, lingering, &[(vip, 2)], true).await,
        Followed::Applied
    );
    assert_eq!(fx.available(vip).await, Some(8));
    assert_eq!(fx.available_at(vip, later_ms).await, Some(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_the_guard_cannot_start_from_changes_nothing() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 2)]).await;
    let held = ReservationId::new();
    assert_eq!(fx.admit(held, &[(vip, 1)]).await, Admission::Admitted);

    assert_eq!(
        fx.sell(4, ReservationId::new(), &[(vip, 3)], false).await,
        Followed::Disagrees,
        "an unlapsed sale of a hold the guard never had"
    );
    assert_eq!(
        fx.sell(5, held, &[(TicketTypeId::new(), 1)], false).await,
        Followed::Disagrees,
        "a ticket type the guard does not know"
    );
    assert_eq!(
        fx.return_tickets(6, &[(vip, 3)]).await,
        Followed::Disagrees,
        "more tickets returned than the guard counts sold"
    );
    let extended = fx
        .guard
        .extend(fx.event_id, 7, ReservationId::new(), NOW_MS + 3 * HOLD_MS)
        .await
        .unwrap();
    assert_eq!(
        extended,
        Followed::Disagrees,
        "extending a hold the guard lacks"
    );
    assert_eq!(fx.available(vip).await, Some(7), "nothing changed");
    assert_eq!(
        fx.sell(4, held, &[(vip, 1)], false).await,
        Followed::Applied
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_moves_the_holds_expiry_and_the_guards_lifetime() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 0)]).await;
    let paying = ReservationId::new();
    assert_eq!(fx.admit(paying, &[(vip, 4)]).await, Admission::Admitted);
    // Past the admission's deadline slack, so the keys' lifetime must move too.
    let extended_to_ms = NOW_MS + HOLD_MS + GUARD_EXPIRY_SLACK_MS + HOLD_MS;

    for _ in 0..2 {
        let followed = fx
            .guard
            .extend(fx.event_id, 2, paying, extended_to_ms)
            .await
            .unwrap();
        assert!(matches!(
            followed,
            Followed::Applied | Followed::AlreadyCounted
        ));
    }
    for deadline in fx.key_deadlines_ms().await {
        assert!(deadline >= extended_to_ms + GUARD_IDLE_LIFETIME_MS);
    }
    assert_eq!(
        fx.available_at(vip, extended_to_ms - 1).await,
        Some(6),
        "held past its first expiry"
    );
    assert_eq!(fx.available_at(vip, extended_to_ms).await, Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_takes_tickets_off_sold_once() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    fx.load(&[(vip, 10, 6)]).await;

    assert_eq!(fx.return_tickets(9, &[(vip, 2)]).await, Followed::Applied);
    assert_eq!(fx.available(vip).await, Some(6));
    assert_eq!(
        fx.return_tickets(9, &[(vip, 2)]).await,
        Followed::AlreadyCounted
    );
    assert_eq!(fx.return_tickets(10, &[(vip, 1)]).await, Followed::Applied);
    assert_eq!(fx.available(vip).await, Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_up_to_the_snapshots_log_version_are_already_counted() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    let mut read_at_7 = snapshot(&[(vip, 10, 5)], vec![]);
    read_at_7.log_version = 7;
    fx.guard.replace(fx.event_id, &read_at_7).await.unwrap();

    assert_eq!(
        fx.return_tickets(7, &[(vip, 1)]).await,
        Followed::AlreadyCounted
    );
    assert_eq!(fx.available(vip).await, Some(5));
    assert_eq!(fx.return_tickets(8, &[(vip, 1)]).await, Followed::Applied);
    assert_eq!(fx.available(vip).await, Some(6));

    // A rebuild counts what was followed before it; the marks go with the old guard.
    let mut read_at_8 = snapshot(&[(vip, 10, 4)], vec![]);
    read_at_8.log_version = 8;
    fx.guard.replace(fx.event_id, &read_at_8).await.unwrap();
    assert_eq!(
        fx.return_tickets(8, &[(vip, 1)]).await,
        Followed::AlreadyCounted
    );
    assert_eq!(fx.available(vip).await, Some(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_a_guard_that_is_not_loaded_leaves_it_absent() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    let reservation = ReservationId::new();
    assert_eq!(
        fx.sell(1, reservation, &[(vip, 1)], true).await,
        Followed::NotLoaded
    );
    assert_eq!(fx.return_tickets(2, &[(vip, 1)]).await, Followed::NotLoaded);
    let extended = fx
        .guard
        .extend(fx.event_id, 3, reservation, NOW_MS + HOLD_MS)
        .await
        .unwrap();
    assert_eq!(extended, Followed::NotLoaded);
    assert_eq!(fx.available(vip).await, None);
    assert_eq!(
        fx.admit(reservation, &[(vip, 1)]).await,
        Admission::NotLoaded
    );
}

/// What the guard's part of a payment costs with 10,000 holds in flight: reinstalling the
/// whole guard (what every payment did before) against following the sale in place.
/// Prints the figures for docs/benchmarks.md; asserts only counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_follow_cost() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    const HOLDS: u32 = 10_000;
    const REBUILDS: u32 = 10;
    const SALES: u32 = 2_000;
    let holds = one_ticket_holds(vip, HOLDS as usize);
    let full = snapshot(&[(vip, 2 * HOLDS, 0)], holds.clone());

    let started = Instant::now();
    for _ in 0..REBUILDS {
        fx.guard.replace(fx.event_id, &full).await.unwrap();
    }
    let rebuild_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(REBUILDS);

    let started = Instant::now();
    for (log_version, hold) in (1..).zip(holds.iter().take(SALES as usize)) {
        let followed = fx
            .guard
            .sell(
                fx.event_id,
                log_version,
                hold.reservation_id,
                &hold.lines,
                None,
                false,
            )
            .await
            .unwrap();
        assert_eq!(followed, Followed::Applied);
    }
    let follow_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(SALES);
    assert_eq!(
        fx.available(vip).await,
        Some(HOLDS),
        "{SALES} sold, the other holds still held"
    );
    println!(
        "guard after a payment with {HOLDS} holds: rebuild {rebuild_ms:.1} ms, follow in place {follow_ms:.3} ms"
    );
}

/// Marks of followed facts are bounded: only the latest [`FOLLOWED_MARKS_KEPT`] are kept,
/// and each fact is still counted once, whether it comes in order, out of order or again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followed_marks_stay_bounded_and_each_fact_counts_once() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    let facts = 2 * FOLLOWED_MARKS_KEPT + 500;
    fx.load(&[(vip, facts + 10, facts)]).await;
    // Version 7 is never followed (its follower crashed, say); versions come in pairs
    // swapped (2 before 1, 4 before 3...), and every tenth is followed twice.
    let never_followed = 7;
    let mut order: Vec<u64> = (1..=u64::from(facts))
        .filter(|&version| version != never_followed)
        .collect();
    for pair in order.chunks_mut(2) {
        pair.reverse();
    }
    let mut applied = 0;
    for (i, &version) in order.iter().enumerate() {
        assert_eq!(
            fx.return_tickets(version, &[(vip, 1)]).await,
            Followed::Applied,
            "version {version}"
        );
        applied += 1;
        if i % 10 == 0 {
            assert_eq!(
                fx.return_tickets(version, &[(vip, 1)]).await,
                Followed::AlreadyCounted,
                "a repeat of version {version}"
            );
        }
        assert!(fx.followed_marks().await <= i64::from(FOLLOWED_MARKS_KEPT));
    }
    assert_eq!(fx.followed_marks().await, i64::from(FOLLOWED_MARKS_KEPT));
    assert_eq!(fx.available(vip).await, Some(10 + applied));

    let latest = *order.iter().max().unwrap();
    assert_eq!(
        fx.return_tickets(latest, &[(vip, 1)]).await,
        Followed::AlreadyCounted,
        "a repeat of a recent fact"
    );
    assert_eq!(
        fx.return_tickets(never_followed, &[(vip, 1)]).await,
        Followed::Disagrees,
        "a fact older than every mark kept: only the log knows whether it was counted"
    );
    assert_eq!(
        fx.return_tickets(1, &[(vip, 1)]).await,
        Followed::Disagrees,
        "an old repeat cannot be told apart from it"
    );
    assert_eq!(
        fx.available(vip).await,
        Some(10 + applied),
        "nothing changed"
    );

    // A rebuild from the log counts everything up to its version and drops the marks.
    assert_eq!(
        fx.replace_at(u64::from(facts), &[(vip, facts + 10, 0)])
            .await,
        Replaced::Installed
    );
    assert_eq!(fx.followed_marks().await, 0);
    assert_eq!(
        fx.return_tickets(never_followed, &[(vip, 1)]).await,
        Followed::AlreadyCounted
    );
}

/// A rebuild that read the log before a refund's return, installed after the return was
/// followed in place, would wipe it: the returned tickets would look sold until the next
/// rebuild. The guard refuses such a snapshot, and one older than its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_read_before_a_fact_the_guard_followed_is_not_installed() {
    let fx = Fixture::new().await;
    let vip = TicketTypeId::new();
    assert_eq!(fx.replace_at(5, &[(vip, 10, 4)]).await, Replaced::Installed);

    // The rebuild reads the log at 6; the return appended at 7 is followed meanwhile.
    assert_eq!(fx.return_tickets(7, &[(vip, 2)]).await, Followed::Applied);
    assert_eq!(fx.replace_at(6, &[(vip, 10, 4)]).await, Replaced::Stale);
    assert_eq!(fx.available(vip).await, Some(8), "the return still counts");

    // Read again, after the return: installed, and the return is not counted twice.
    assert_eq!(fx.replace_at(7, &[(vip, 10, 2)]).await, Replaced::Installed);
    assert_eq!(
        fx.return_tickets(7, &[(vip, 2)]).await,
        Followed::AlreadyCounted
    );
    assert_eq!(fx.available(vip).await, Some(8));

    // Nor does an older read replace a guard installed from a newer one.
    assert_eq!(fx.replace_at(6, &[(vip, 10, 4)]).await, Replaced::Stale);
    assert_eq!(fx.replace_at(7, &[(vip, 10, 3)]).await, Replaced::Installed);
    assert_eq!(
        fx.available(vip).await,
        Some(7),
        "a read at the same version is the log's word"
    );
}

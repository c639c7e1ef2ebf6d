//! The Redis guard when Redis fails it: a fact it could not follow, a drop it could not
//! make, an admission whose answer came too late. Whatever Redis does, the guard never
//! keeps counting what the log does not have: it is given back, dropped, or bypassed
//! until it can be dropped, and rebuilt from the log.

use carneau_commands::reservations::guard::ReservationGuard;
use carneau_commands::reservations::{ReservationMode, Reservations};
use carneau_domain::ids::{EventId, OrderId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{
    HoldLine, HoldOutcome, HoldRefusal, HoldRequest, InventoryCommand, Quantity,
};
use chrono::{TimeDelta, Utc};
use fred::prelude::KeysInterface;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::reservations_flow::{guard_available, test_metadata};
use crate::support::reservations::http::{spawn_reservation_app, OnSale};
use crate::support::reservations::redis_link::{RedisLink, LATE_BY};
use crate::support::TestApp;

/// A Redis error while the guard follows a payment must not leave it behind the log until
/// some later rebuild: after a missed refund return, the returned tickets would look sold
/// and be refused to buyers. The failure is real and deterministic: the key of the marks
/// of followed facts is made a string, so the follow script fails with WRONGTYPE (no other
/// script reads that key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_that_fails_to_follow_a_return_is_rebuilt_from_the_log() {
    let app = spawn_reservation_app(&[]).await;
    let http = app.http();
    let event = app.create_published_event(4, 4).await;
    let tt = event.ticket_type_id;
    let held = http.reserve(event.event_id, &[(tt, 4)]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(guard_available(&app, event.event_id, tt).await, Some(0));

    let reservations = &app.state.reservations;
    let event_id = EventId::from_uuid(event.event_id);
    let reservation_id = ReservationId::from_uuid(held.reservation_id());
    let order_id = OrderId::new();
    sell(
        reservations,
        event_id,
        reservation_id,
        order_id,
        lines(tt, 4),
    )
    .await;
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        Some(0),
        "the sale is followed in place"
    );

    let marks = format!(
        "{}guard:{{{}}}:followed",
        app.redis.prefix(),
        event.event_id
    );
    let () = app
        .state
        .redis
        .set(marks, "not a sorted set", None, None, false)
        .await
        .unwrap();
    return_tickets(reservations, event_id, order_id, lines(tt, 4)).await;
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        None,
        "a guard that missed the return is dropped, not left saying sold out"
    );

    let again = http.reserve(event.event_id, &[(tt, 3)]).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(
        guard_available(&app, event.event_id, tt).await,
        Some(1),
        "rebuilt from the log: 4 returned, 3 held again"
    );
}

/// A process whose Redis failed both the guard's update after a refund's return and the
/// drop that should follow: the guard still counts the 4 returned tickets as sold. What
/// each test does once Redis answers again tells the two ways the guard gets dropped.
struct GuardLeftBehind {
    app: TestApp,
    link: RedisLink,
    reservations: Reservations,
    event: OnSale,
}

impl GuardLeftBehind {
    async fn new() -> Self {
        let app = spawn_reservation_app(&[]).await;
        let event = app.create_published_event(4, 4).await;
        let event_id = EventId::from_uuid(event.event_id);
        let link = RedisLink::start().await;
        let guard = ReservationGuard::new(link.client().await, app.redis.prefix());
        let reservations = Reservations::new(
            app.database.pool().clone(),
            app.database.pool().clone(),
            Some(guard),
            ReservationMode::Batched,
        );
        let this = Self {
            app,
            link,
            reservations,
            event,
        };
        let paid = hold(this.event.ticket_type_id, 4);
        let reservation_id = paid.reservation_id;
        assert!(this.is_held(paid).await);
        let order_id = OrderId::new();
        let lines = || lines(this.event.ticket_type_id, 4);
        sell(
            &this.reservations,
            event_id,
            reservation_id,
            order_id,
            lines(),
        )
        .await;
        assert_eq!(this.guard_available().await, Some(0));

        this.link.refuse(true);
        return_tickets(&this.reservations, event_id, order_id, lines()).await;
        assert_eq!(
            this.guard_available().await,
            Some(0),
            "the guard missed the return and could not be dropped"
        );
        this
    }

    /// Whether `request` is held.
    async fn is_held(&self, request: HoldRequest) -> bool {
        let outcome = self
            .reservations
            .reserve(
                EventId::from_uuid(self.event.event_id),
                request,
                &test_metadata(),
            )
            .await
            .unwrap();
        matches!(outcome, HoldOutcome::Held { .. })
    }

    async fn guard_available(&self) -> Option<u32> {
        guard_available(&self.app, self.event.event_id, self.event.ticket_type_id).await
    }
}

/// While the guard cannot be dropped, the process's requests bypass it (the log decides
/// alone); once Redis answers again, the next request drops it and it is rebuilt from the
/// log. Otherwise the returned tickets would stay refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_redis_failed_to_drop_is_bypassed_until_it_is_dropped() {
    let behind = GuardLeftBehind::new().await;
    assert!(
        behind.is_held(hold(behind.event.ticket_type_id, 3)).await,
        "the log decides alone"
    );

    behind.link.refuse(false);
    assert!(
        behind.is_held(hold(behind.event.ticket_type_id, 1)).await,
        "the stale guard would refuse it as sold out"
    );
    assert_eq!(
        behind.guard_available().await,
        Some(0),
        "dropped, then rebuilt from the log: 4 returned, then 3 and 1 held"
    );
    assert_eq!(behind.reservations.drop_doubtful_guards().await, 0);
}

/// With no request for the event, the sweeper drops the guard once Redis answers again,
/// so it does not wait for a buyer to be turned away first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_drops_a_guard_redis_failed_to_drop() {
    use carneau_commands::reservations::sweeper::sweep_once;

    let behind = GuardLeftBehind::new().await;
    sweep_once(behind.app.database.pool(), &behind.reservations)
        .await
        .unwrap();
    assert_eq!(
        behind.guard_available().await,
        Some(0),
        "Redis still refuses: the guard is still there, still in doubt"
    );

    behind.link.refuse(false);
    sweep_once(behind.app.database.pool(), &behind.reservations)
        .await
        .unwrap();
    assert_eq!(behind.guard_available().await, None, "the sweep dropped it");
    assert_eq!(behind.reservations.drop_doubtful_guards().await, 0);
    assert!(
        behind.is_held(hold(behind.event.ticket_type_id, 4)).await,
        "rebuilt from the log, the 4 returned tickets are on sale"
    );
    assert_eq!(behind.guard_available().await, Some(0));
}

/// Redis may run an admission and answer after the guard's call gave up: the guard then
/// counts a hold that nobody heard of. When the log refuses the request, the guard gives it
/// back; kept, it turned buyers away from tickets the log had until the hold lapsed. Here
/// the log sells out behind the guard's back (a process deciding from the log alone, as
/// one whose guard is in doubt does), so that the guard admits what the log refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admission_answered_too_late_is_given_back_when_the_log_refuses_it() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(4, 4).await;
    let event_id = EventId::from_uuid(event.event_id);
    let pool = app.database.pool();
    let link = RedisLink::start().await;
    let guard = ReservationGuard::new(link.app_client().await, app.redis.prefix());
    let guarded = Reservations::new(
        pool.clone(),
        pool.clone(),
        Some(guard),
        ReservationMode::Batched,
    );
    let unguarded = Reservations::new(pool.clone(), pool.clone(), None, ReservationMode::Batched);
    let available = || guard_available(&app, event.event_id, event.ticket_type_id);

    let first = guarded
        .reserve(event_id, hold(event.ticket_type_id, 1), &test_metadata())
        .await;
    assert!(first.unwrap().is_held());
    let rest = unguarded
        .reserve(event_id, hold(event.ticket_type_id, 3), &test_metadata())
        .await;
    assert!(rest.unwrap().is_held());
    assert_eq!(available().await, Some(3), "the guard missed the log's 3");

    link.answer_next_late();
    let late = guarded
        .reserve(event_id, hold(event.ticket_type_id, 2), &test_metadata())
        .await
        .unwrap();
    assert!(
        matches!(late, HoldOutcome::Refused(HoldRefusal::SoldOut { .. })),
        "{late:?}"
    );
    // By now Redis has answered every call of the request, the late one included. The
    // give-back's answer waits behind the late one; on a loaded machine it can come too
    // late as well, and then the guard is dropped: either way it stops counting the 2.
    tokio::time::sleep(LATE_BY).await;
    let left = available().await;
    assert!(
        matches!(left, Some(3) | None),
        "the admission of 2 ran and must be given back (3 left) or the guard dropped: {left:?}"
    );
}

/// A hold the log released while Redis refused the guard's release (and the drop after
/// it) is not left counted until it lapses: the guard is in doubt, and once Redis answers
/// again the next request drops it and rebuilds it from the log. When a failed release was
/// only logged, the guard went on turning buyers away from the released tickets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_released_while_redis_refuses_is_not_left_in_the_guard() {
    let app = spawn_reservation_app(&[]).await;
    let event = app.create_published_event(4, 4).await;
    let event_id = EventId::from_uuid(event.event_id);
    let link = RedisLink::start().await;
    let guard = ReservationGuard::new(link.client().await, app.redis.prefix());
    let pool = app.database.pool();
    let reservations = Reservations::new(
        pool.clone(),
        pool.clone(),
        Some(guard),
        ReservationMode::Batched,
    );
    let first = hold(event.ticket_type_id, 4);
    let reservation_id = first.reservation_id;
    let held = reservations
        .reserve(event_id, first, &test_metadata())
        .await;
    assert!(held.unwrap().is_held());

    link.refuse(true);
    let released = reservations
        .release(event_id, reservation_id, &test_metadata())
        .await;
    assert!(
        matches!(released, Ok(Ok(()))),
        "the log released it: {released:?}"
    );
    assert_eq!(
        guard_available(&app, event.event_id, event.ticket_type_id).await,
        Some(0),
        "Redis refused both the release and the drop: the guard still counts the hold"
    );

    link.refuse(false);
    let again = reservations
        .reserve(event_id, hold(event.ticket_type_id, 4), &test_metadata())
        .await;
    assert!(
        again.as_ref().is_ok_and(HoldOutcome::is_held),
        "the released tickets are on sale again: {again:?}"
    );
    assert_eq!(reservations.drop_doubtful_guards().await, 0);
}

/// `quantity` tickets of one ticket type.
fn lines(ticket_type_id: Uuid, quantity: u32) -> Vec<HoldLine> {
    vec![HoldLine {
        ticket_type_id: TicketTypeId::from_uuid(ticket_type_id),
        quantity: Quantity::parse(quantity).unwrap(),
    }]
}

/// A request to hold `quantity` tickets of one ticket type for 15 minutes.
fn hold(ticket_type_id: Uuid, quantity: u32) -> HoldRequest {
    HoldRequest {
        reservation_id: ReservationId::new(),
        lines: lines(ticket_type_id, quantity),
        expires_at: Utc::now() + TimeDelta::minutes(15),
        code: None,
        if_code_used_up: Default::default(),
    }
}

/// Sells the held `lines` of `reservation_id` as `order_id`, as a payment does.
async fn sell(
    reservations: &Reservations,
    event_id: EventId,
    reservation_id: ReservationId,
    order_id: OrderId,
    lines: Vec<HoldLine>,
) {
    let (_, catalogue) = reservations.inventory(event_id).await.unwrap();
    let command = InventoryCommand::SellHold {
        event: Box::new(catalogue),
        reservation_id,
        order_id,
        lines,
        code: None,
        now: Utc::now(),
    };
    let sold = reservations
        .decide(event_id, command, &test_metadata())
        .await;
    assert_eq!(sold.unwrap().unwrap().len(), 1);
}

/// Puts the sold `lines` of `order_id` back on sale, as its refund does.
async fn return_tickets(
    reservations: &Reservations,
    event_id: EventId,
    order_id: OrderId,
    lines: Vec<HoldLine>,
) {
    let command = InventoryCommand::ReturnTickets {
        order_id,
        refund_number: 1,
        lines,
        code_use: None,
        now: Utc::now(),
    };
    let returned = reservations
        .decide(event_id, command, &test_metadata())
        .await;
    assert_eq!(returned.unwrap().unwrap().len(), 1);
}

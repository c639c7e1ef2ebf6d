//! Check-ins against a real event store: one admission per ticket, even when several
//! doors scan the same code at once, and revocation decided from the order's history in
//! the log (no projector runs here, so no read model could have told).

use std::sync::Arc;

use carneau_commands::tickets::Door;
use carneau_commands::CommandContext;
use carneau_commands::{AggregateStore, CommandError};
use carneau_domain::account::EmailAddress;
use carneau_domain::admission::AdmissionError;
use carneau_domain::order::{IssuedTicket, Order, OrderCommand, OrderLine, PlacedOrder};
use carneau_domain::order::{PaymentProvider, RefundReason};
use carneau_domain::{
    AccountId, Currency, EventId, Money, OrderId, Quantity, ReservationId, TicketId, TicketTypeId,
};
use carneau_testkit::TestDatabase;
use chrono::{Duration, Utc};

fn agent() -> CommandContext {
    CommandContext::account(AccountId::new(), false, None)
}

/// A paid order of `event` with `count` tickets, straight through the order aggregate.
struct PaidOrder {
    store: AggregateStore<Order>,
    order_id: OrderId,
    tickets: Vec<TicketId>,
}

impl PaidOrder {
    async fn issue(db: &TestDatabase, event: EventId, count: u32) -> Self {
        let store = AggregateStore::<Order>::new(db.pool().clone(), ());
        let reservation_id = ReservationId::new();
        let order_id = OrderId::for_reservation(reservation_id);
        let ticket_type_id = TicketTypeId::new();
        let unit_price = Money::new(2_500, Currency::parse("EUR").unwrap());
        let now = Utc::now();
        let tickets: Vec<TicketId> = (0..count).map(|_| TicketId::new()).collect();
        let placed = PlacedOrder {
            attendees: Vec::new(),
            order_id,
            event_id: event,
            reservation_id,
            buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
            account_id: None,
            lines: vec![OrderLine {
                ticket_type_id,
                name: "General".to_owned(),
                quantity: Quantity::parse(count).unwrap(),
                unit_price,
                list_price: None,
            }],
            total: Money::new(2_500 * i64::from(count), unit_price.currency),
            provider: PaymentProvider::Simulated,
            session_id: "sim_1".to_owned(),
            checkout_url: "http://shop.test/checkout".to_owned(),
            payment_due_by: now + Duration::minutes(15),
            placed_at: now,
            code: None,
        };
        let order = Self {
            store,
            order_id,
            tickets,
        };
        order.execute(OrderCommand::Place(Box::new(placed))).await;
        order
            .execute(OrderCommand::RecordPayment {
                provider_event_id: "evt_paid".to_owned(),
                session_id: "sim_1".to_owned(),
                payment_reference: None,
                amount: None,
                now,
            })
            .await;
        let issued = order
            .tickets
            .iter()
            .map(|ticket_id| IssuedTicket {
                attendee: None,
                ticket_id: *ticket_id,
                ticket_type_id,
            })
            .collect();
        order
            .execute(OrderCommand::IssueTickets {
                tickets: issued,
                now,
            })
            .await;
        order
    }

    async fn execute(&self, command: OrderCommand) {
        self.store
            .execute(
                &self.order_id.to_aggregate_id(),
                command,
                None,
                &carneau_domain::EventMetadata::process(
                    carneau_domain::Process::Test,
                    carneau_domain::Cause::Operator,
                ),
            )
            .await
            .unwrap();
    }

    /// Decides a refund (`None`: the whole order); the provider has not answered yet.
    async fn refund(&self, ticket_ids: Option<Vec<TicketId>>) {
        self.execute(OrderCommand::RequestRefund {
            ticket_ids,
            reason: RefundReason::RequestedByOrganiser,
            give_back_code: false,
            now: Utc::now(),
        })
        .await;
    }
}

async fn scan(door: &Door, ticket: TicketId, event: EventId) -> Result<(), AdmissionError> {
    match door.check_in(ticket, event, Utc::now(), &agent()).await {
        Ok(_) => Ok(()),
        Err(CommandError::Rejected(refusal)) => Err(refusal),
        Err(other) => panic!("unexpected outcome: {other}"),
    }
}

#[tokio::test]
async fn ten_doors_scanning_one_ticket_at_once_admit_it_once() {
    let db = TestDatabase::create().await.unwrap();
    let door = Arc::new(Door::new(db.pool().clone()));
    let event = EventId::new();
    let ticket = PaidOrder::issue(&db, event, 1).await.tickets[0];
    let scans: Vec<_> = (0..10)
        .map(|_| {
            let door = door.clone();
            tokio::spawn(async move { door.check_in(ticket, event, Utc::now(), &agent()).await })
        })
        .collect();
    let mut admitted = Vec::new();
    let mut refused = Vec::new();
    for scan in scans {
        match scan.await.unwrap() {
            Ok(check_in) => admitted.push(check_in),
            Err(CommandError::Rejected(AdmissionError::AlreadyCheckedIn {
                checked_in_by, ..
            })) => refused.push(checked_in_by),
            Err(other) => panic!("unexpected outcome: {other}"),
        }
    }
    assert_eq!(admitted.len(), 1);
    assert_eq!(refused.len(), 9);
    assert!(refused.iter().all(|by| *by == admitted[0].checked_in_by));
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'Admission' AND aggregate_id = $1",
    )
    .bind(ticket.to_aggregate_id())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn a_refund_in_the_log_stops_its_tickets_at_the_next_scan() {
    let db = TestDatabase::create().await.unwrap();
    let door = Door::new(db.pool().clone());
    let event = EventId::new();
    let partly = PaidOrder::issue(&db, event, 3).await;
    let [kept, refunded, scanned_then_refunded] = partly.tickets[..] else {
        unreachable!()
    };
    let whole = PaidOrder::issue(&db, event, 2).await;
    let untouched = PaidOrder::issue(&db, event, 1).await;

    assert_eq!(scan(&door, scanned_then_refunded, event).await, Ok(()));
    // A partial refund, decided and not yet carried out by the provider.
    partly
        .refund(Some(vec![refunded, scanned_then_refunded]))
        .await;
    whole.refund(None).await;

    assert_eq!(
        scan(&door, refunded, event).await,
        Err(AdmissionError::Revoked)
    );
    assert_eq!(
        scan(&door, scanned_then_refunded, event).await,
        Err(AdmissionError::Revoked)
    );
    for ticket in &whole.tickets {
        assert_eq!(
            scan(&door, *ticket, event).await,
            Err(AdmissionError::Revoked)
        );
    }
    assert_eq!(scan(&door, kept, event).await, Ok(()));
    assert_eq!(scan(&door, untouched.tickets[0], event).await, Ok(()));
    assert_eq!(
        scan(&door, TicketId::new(), event).await,
        Err(AdmissionError::NotIssued)
    );
    let admissions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Admission'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(
        admissions, 3,
        "only the first scans of valid tickets are recorded"
    );
}

//! The tickets projector folds a batch into a few statements: applied one event per
//! batch or all at once, the same story leaves the same rows.

use std::num::NonZeroU32;

use carneau_domain::account::EmailAddress;
use carneau_domain::admission::{AdmissionEvent, DeviceId, OfflineScan};
use carneau_domain::ids::{EventId, OrderId, TicketId, TicketTypeId};
use carneau_domain::money::{Currency, Money};
use carneau_domain::order::{IssuedTicket, OrderEvent, RefundReason};
use carneau_domain::{AccountId, Actor, Process};
use carneau_projections::tickets::TicketsProjector;
use carneau_projections::{ProjectorRunner, RunnerConfig};
use carneau_testkit::TestDatabase;
use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[path = "support/log_streams.rs"]
mod log_streams;

use log_streams::{append_interleaved, catch_up_all, Stream};

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("EUR").unwrap(),
    }
}

fn issued(
    order_id: OrderId,
    event_id: EventId,
    tickets: &[TicketId],
    at: DateTime<Utc>,
) -> OrderEvent {
    OrderEvent::TicketsIssued {
        order_id,
        event_id,
        buyer_email: EmailAddress::parse("ada@example.com").unwrap(),
        account_id: None,
        tickets: tickets
            .iter()
            .map(|ticket_id| IssuedTicket {
                attendee: None,
                ticket_id: *ticket_id,
                ticket_type_id: TicketTypeId::from_uuid(Uuid::nil()),
            })
            .collect(),
        issued_at: at,
    }
}

fn checked_in(
    ticket_id: TicketId,
    event_id: EventId,
    at: DateTime<Utc>,
    device: Option<&str>,
) -> AdmissionEvent {
    AdmissionEvent::TicketCheckedIn {
        ticket_id,
        event_id,
        checked_in_at: at,
        checked_in_by: Actor::process(Process::Test),
        offline: device.map(|device| OfflineScan {
            device_id: DeviceId::parse(device).unwrap(),
            synced_at: at + Duration::minutes(30),
        }),
    }
}

async fn tickets_rows(pool: &PgPool) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    for (table, key) in [
        ("tickets", "ticket_id"),
        ("ticket_double_entries", "ticket_id, device_id, scanned_at"),
    ] {
        let sql = format!("SELECT to_jsonb(t) FROM {table} t ORDER BY {key}");
        rows.extend(
            sqlx::query_scalar::<_, serde_json::Value>(&sql)
                .fetch_all(pool)
                .await
                .unwrap(),
        );
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_issues_revokes_and_admits_gives_the_rows_of_one_event_per_batch() {
    // Given two orders of one event told interleaved with their tickets' admissions: the
    // first order's ticket refunded (requested, then done later), the second's admitted
    // online then scanned again offline on a second device (a double entry), and an
    // offline admission of the first order's other ticket sent twice.
    let event_id = EventId::from_uuid(Uuid::now_v7());
    let (first, second) = (OrderId::new(), OrderId::new());
    let (a1, a2, b1) = (TicketId::new(), TicketId::new(), TicketId::new());
    let t0 = Utc::now().trunc_subsecs(0);
    let minutes = |m: i64| t0 + Duration::minutes(m);
    let streams = [
        Stream::of(
            "Order",
            first.to_aggregate_id(),
            vec![
                issued(first, event_id, &[a1, a2], minutes(1)),
                OrderEvent::RefundRequested {
                    refund_number: 1,
                    ticket_ids: vec![a1],
                    amount: eur(2_500),
                    reason: RefundReason::RequestedByOrganiser,
                    requested_at: minutes(3),
                    code_given_back: None,
                },
                OrderEvent::TicketsRefunded {
                    order_id: first,
                    event_id,
                    refund_number: 1,
                    ticket_ids: vec![a1],
                    amount: eur(2_500),
                    refunded_at: minutes(9),
                    provider_refund_id: None,
                    surplus_payment: false,
                },
            ],
        ),
        Stream::of(
            "Order",
            second.to_aggregate_id(),
            vec![issued(second, event_id, &[b1], minutes(2))],
        ),
        Stream::of(
            "Admission",
            b1.to_aggregate_id(),
            vec![
                checked_in(b1, event_id, minutes(60), None),
                AdmissionEvent::DuplicateEntryRecorded {
                    ticket_id: b1,
                    event_id,
                    device_id: DeviceId::parse("door-2").unwrap(),
                    scanned_at: minutes(61),
                    scanned_by: Actor::Account {
                        account_id: AccountId::from_uuid(Uuid::nil()),
                    },
                    synced_at: minutes(70),
                    admitted_at: minutes(60),
                    admitted_by: Actor::process(Process::Test),
                    admitted_device_id: None,
                },
            ],
        ),
        Stream::of(
            "Admission",
            a2.to_aggregate_id(),
            vec![
                checked_in(a2, event_id, minutes(62), Some("door-1")),
                checked_in(a2, event_id, minutes(63), Some("door-3")),
            ],
        ),
    ];
    let order = [0, 1, 0, 2, 3, 2, 0, 3];

    // When one database applies it one event per batch and another in a single batch.
    let one_by_one = TestDatabase::create().await.unwrap();
    let all_at_once = TestDatabase::create().await.unwrap();
    for database in [&one_by_one, &all_at_once] {
        append_interleaved(database.pool(), &streams, &order).await;
    }
    let single = RunnerConfig {
        batch_size: NonZeroU32::MIN,
        ..RunnerConfig::default()
    };
    catch_up_all(
        ProjectorRunner::new(single),
        one_by_one.pool(),
        &TicketsProjector,
        order.len(),
    )
    .await;
    catch_up_all(
        ProjectorRunner::default(),
        all_at_once.pool(),
        &TicketsProjector,
        order.len(),
    )
    .await;

    // Then both hold the same rows, and they say what the story did: the first
    // revocation and the first admission keep their times.
    let rows = tickets_rows(all_at_once.pool()).await;
    assert_eq!(tickets_rows(one_by_one.pool()).await, rows);
    let ticket = |ticket_id: TicketId| {
        rows.iter()
            .find(|row| {
                row["ticket_id"] == ticket_id.as_uuid().to_string()
                    && row.get("issued_at").is_some()
            })
            .unwrap()
    };
    // PostgreSQL prints its own time format: compare instants, not texts.
    let at = |m: i64| json!(minutes(m).to_rfc3339());
    assert_eq!(ticket(a1)["revoked_at"], at(3));
    assert_eq!(ticket(a1)["checked_in_at"], json!(null));
    assert_eq!(
        (
            &ticket(a2)["checked_in_at"],
            &ticket(a2)["checked_in_device"]
        ),
        (&at(62), &json!("door-1"))
    );
    assert_eq!(ticket(a2)["revoked_at"], json!(null));
    assert_eq!(
        (
            &ticket(b1)["checked_in_at"],
            &ticket(b1)["checked_in_device"]
        ),
        (&at(60), &json!(null))
    );
    let doubles: Vec<_> = rows
        .iter()
        .filter(|row| row.get("admitted_at").is_some())
        .map(|row| (row["ticket_id"].clone(), row["device_id"].clone()))
        .collect();
    assert_eq!(
        doubles,
        vec![(json!(b1.as_uuid().to_string()), json!("door-2"))]
    );
}

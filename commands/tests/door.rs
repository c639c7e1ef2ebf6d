//! Check-ins against a real event store: one admission per ticket, even when several
//! doors scan the same code at once.

use std::sync::Arc;

use carneau_commands::catalogue::{Actor, CommandContext};
use carneau_commands::tickets::Door;
use carneau_commands::CommandError;
use carneau_domain::admission::AdmissionError;
use carneau_domain::{AccountId, EventId, TicketId};
use carneau_testkit::TestDatabase;
use chrono::Utc;

fn agent() -> CommandContext {
    CommandContext {
        actor: Actor::Account {
            account_id: AccountId::new(),
            admin: false,
        },
        request_id: None,
    }
}

#[tokio::test]
async fn ten_doors_scanning_one_ticket_at_once_admit_it_once() {
    let db = TestDatabase::create().await.unwrap();
    let door = Arc::new(Door::new(db.pool().clone()));
    let (event, ticket) = (EventId::new(), TicketId::new());
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

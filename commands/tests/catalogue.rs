//! The catalogue's command handling against a real PostgreSQL event store.

use carneau_commands::{Catalogue, CommandContext, CommandError, IdempotencyKey};
use carneau_domain::event::{
    EventCommand, EventDetails, EventDetailsChange, EventError, TimeZone, Venue,
};
use carneau_domain::ids::AccountId;
use carneau_domain::money::Currency;
use carneau_domain::text::{Description, Title, VenueAddress, VenueName};
use carneau_testkit::TestDatabase;
use chrono::{TimeZone as _, Utc};

fn details(title: &str) -> EventDetails {
    EventDetails {
        attendee_questions: Default::default(),
        title: Title::parse(title).unwrap(),
        description: Description::parse("").unwrap(),
        venue: Venue {
            name: VenueName::parse("Olympia").unwrap(),
            address: VenueAddress::parse("").unwrap(),
        },
        starts_at: Utc.with_ymd_and_hms(2030, 6, 1, 19, 0, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2030, 6, 1, 23, 0, 0).unwrap(),
        time_zone: TimeZone::parse("Europe/Paris").unwrap(),
    }
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

/// The organiser who creates the events of these tests.
fn organiser() -> AccountId {
    AccountId::from_uuid(uuid::Uuid::from_u128(0x0A))
}

fn acting_as(account_id: AccountId, admin: bool) -> CommandContext {
    CommandContext::account(account_id, admin, Some("test".to_owned()))
}

/// The organiser acting on their own events.
fn admin() -> CommandContext {
    acting_as(organiser(), false)
}

#[tokio::test]
async fn a_retried_create_returns_the_first_event_and_appends_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let key = IdempotencyKey::parse("create-1").unwrap();

    let (first, created) = catalogue
        .create_draft(Some(&key), organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();
    let (again, created_again) = catalogue
        .create_draft(Some(&key), organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();

    assert!(created);
    assert!(!created_again);
    assert_eq!(first.state.id(), again.state.id());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_reused_key_with_other_details_is_refused() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let key = IdempotencyKey::parse("create-2").unwrap();
    catalogue
        .create_draft(Some(&key), organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();

    let reused = catalogue
        .create_draft(Some(&key), organiser(), details("Blues"), eur(), &admin())
        .await;

    assert!(matches!(reused, Err(CommandError::IdempotencyKeyReused)));
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_appends_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let (created, _) = catalogue
        .create_draft(None, organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();
    let id = created.state.id().unwrap();
    let rename = |title: &str| {
        EventCommand::EditDetails(EventDetailsChange {
            title: Some(Title::parse(title).unwrap()),
            ..Default::default()
        })
    };
    catalogue
        .execute(id, rename("Jazz I"), Some(1), &admin())
        .await
        .unwrap();

    let stale = catalogue
        .execute(id, rename("Jazz II"), Some(1), &admin())
        .await;

    assert!(matches!(stale, Err(CommandError::Conflict)));
    let current = catalogue.load(id).await.unwrap().unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(current.state.details().unwrap().title.as_str(), "Jazz I");
}

#[tokio::test]
async fn concurrent_commands_either_append_or_conflict_never_both() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = std::sync::Arc::new(Catalogue::new(db.pool().clone()));
    let (created, _) = catalogue
        .create_draft(None, organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();
    let id = created.state.id().unwrap();

    let attempts: Vec<_> = (0..20)
        .map(|n| {
            let catalogue = catalogue.clone();
            tokio::spawn(async move {
                let command = EventCommand::EditDetails(EventDetailsChange {
                    title: Some(Title::parse(format!("Jazz {n}")).unwrap()),
                    ..Default::default()
                });
                catalogue.execute(id, command, None, &admin()).await
            })
        })
        .collect();
    let mut appended = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => appended += 1,
            Err(CommandError::Conflict) => {}
            Err(other) => panic!("unexpected outcome: {other}"),
        }
    }

    let current = catalogue.load(id).await.unwrap().unwrap();
    assert!(appended >= 1);
    assert_eq!(current.version, 1 + appended);
}

#[tokio::test]
async fn only_the_events_organiser_or_an_admin_may_change_it() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let (created, _) = catalogue
        .create_draft(None, organiser(), details("Jazz"), eur(), &admin())
        .await
        .unwrap();
    let event_id = created.state.id().unwrap();
    let rename = |title: &str| {
        EventCommand::EditDetails(EventDetailsChange {
            title: Some(Title::parse(title).unwrap()),
            ..EventDetailsChange::default()
        })
    };
    let stranger = AccountId::from_uuid(uuid::Uuid::from_u128(0x0B));
    let refused = catalogue
        .execute(event_id, rename("Taken"), None, &acting_as(stranger, false))
        .await;
    assert!(matches!(
        refused,
        Err(CommandError::Rejected(EventError::NotOrganiser))
    ));
    let by_admin = catalogue
        .execute(event_id, rename("Fixed"), None, &acting_as(stranger, true))
        .await
        .unwrap();
    assert_eq!(by_admin.version, 2);
    let by_owner = catalogue
        .execute(event_id, rename("Mine"), None, &admin())
        .await
        .unwrap();
    assert_eq!(by_owner.version, 3);
}

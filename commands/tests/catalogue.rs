//! The catalogue's command handling against a real PostgreSQL event store.

use carneau_commands::catalogue::CommandContext;
use carneau_commands::{Catalogue, CommandError, IdempotencyKey};
use carneau_domain::event::{EventCommand, EventDetails, EventDetailsChange, TimeZone, Venue};
use carneau_domain::money::Currency;
use carneau_domain::text::{Description, Title, VenueAddress, VenueName};
use carneau_testkit::TestDatabase;
use chrono::{TimeZone as _, Utc};

fn details(title: &str) -> EventDetails {
    EventDetails {
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

fn admin() -> CommandContext {
    CommandContext {
        actor: "admin".to_owned(),
        request_id: Some("test".to_owned()),
    }
}

#[tokio::test]
async fn a_retried_create_returns_the_first_event_and_appends_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let key = IdempotencyKey::parse("create-1").unwrap();

    let (first, created) = catalogue
        .create_draft(Some(&key), details("Jazz"), eur(), &admin())
        .await
        .unwrap();
    let (again, created_again) = catalogue
        .create_draft(Some(&key), details("Jazz"), eur(), &admin())
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
        .create_draft(Some(&key), details("Jazz"), eur(), &admin())
        .await
        .unwrap();

    let reused = catalogue
        .create_draft(Some(&key), details("Blues"), eur(), &admin())
        .await;

    assert!(matches!(reused, Err(CommandError::IdempotencyKeyReused)));
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_appends_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let catalogue = Catalogue::new(db.pool().clone());
    let (created, _) = catalogue
        .create_draft(None, details("Jazz"), eur(), &admin())
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
        .create_draft(None, details("Jazz"), eur(), &admin())
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

use carneau_domain::text::Description;
use chrono::{DateTime, Duration, Utc};

use super::*;

fn search(text: &str) -> ListingFilter {
    ListingFilter {
        text: Some(text.to_owned()),
        ..everything()
    }
}

/// Now, to the second (PostgreSQL keeps microseconds, `Utc::now` has nanoseconds).
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap()
}

async fn sorted_titles(pool: &PgPool, filter: &ListingFilter) -> Vec<String> {
    let page = listing(pool, filter).await.unwrap();
    let mut titles: Vec<String> = titles(&page).into_iter().map(str::to_owned).collect();
    titles.sort();
    titles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_matches_words_of_title_venue_and_description_and_parts_of_title_and_venue() {
    let db = database().await;
    let pool = db.pool();
    for (title, venue) in [
        ("Jazz at dusk", "Olympia"),
        ("Rock night", "Zénith"),
        ("100% Jazz", "Bataclan"),
        ("1000 voices", "Salle Pleyel"),
    ] {
        EventStream::published(pool, details(title, venue, at(6, 1, 19)), &[2_500]).await;
    }
    let mut hidden_draft = details("Rock draft", "Olympia", at(6, 1, 19));
    hidden_draft.description = Description::parse("Rock").unwrap();
    EventStream::draft(pool, hidden_draft).await;
    project(pool, &CatalogueProjector::new(None)).await;

    let cases: [(&str, &[&str]); 12] = [
        ("rock", &["Rock night"]),
        ("JAZZ", &["100% Jazz", "Jazz at dusk"]),
        ("olympia", &["Jazz at dusk"]),
        ("zénith", &["Rock night"]),
        ("Olymp", &["Jazz at dusk"]),
        ("ck nig", &["Rock night"]),
        (
            "standards",
            &["100% Jazz", "1000 voices", "Jazz at dusk", "Rock night"],
        ),
        ("%", &["100% Jazz"]),
        // A wildcard `%` would let "1000 voices" match too.
        ("100%", &["100% Jazz"]),
        ("_", &[]),
        ("jazz olympia", &["Jazz at dusk"]),
        ("opera", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            sorted_titles(pool, &search(text)).await,
            expected,
            "{text:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_bound_the_listing_and_ended_events_are_hidden_by_default() {
    let db = database().await;
    let pool = db.pool();
    for (title, starts_at) in [
        ("June", at(6, 1, 19)),
        ("July", at(7, 1, 19)),
        ("August", at(8, 1, 19)),
        ("Ended", now() - Duration::days(3)),
        ("Running", now() - Duration::hours(1)),
    ] {
        EventStream::published(pool, details(title, "Olympia", starts_at), &[2_500]).await;
    }
    project(pool, &CatalogueProjector::new(None)).await;

    let page = listed(pool).await;
    assert_eq!(titles(&page), ["Running", "June", "July", "August"]);

    let from = |starts_from: DateTime<Utc>| ListingFilter {
        starts_from: Some(starts_from),
        ..everything()
    };
    let page = listing(pool, &from(at(7, 1, 19))).await.unwrap();
    assert_eq!(titles(&page), ["July", "August"], "from is inclusive");
    let page = listing(pool, &from(now() - Duration::days(30)))
        .await
        .unwrap();
    assert_eq!(
        titles(&page),
        ["Ended", "Running", "June", "July", "August"]
    );

    let before = ListingFilter {
        starts_before: Some(at(8, 1, 19)),
        ..everything()
    };
    let page = listing(pool, &before).await.unwrap();
    assert_eq!(
        titles(&page),
        ["Running", "June", "July"],
        "to is exclusive"
    );

    let between = ListingFilter {
        starts_from: Some(at(6, 15, 0)),
        starts_before: Some(at(7, 15, 0)),
        ..everything()
    };
    assert_eq!(titles(&listing(pool, &between).await.unwrap()), ["July"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_the_listing_once_in_a_stable_order() {
    let db = database().await;
    let pool = db.pool();
    let mut expected = Vec::new();
    // Three share a start time: the id breaks the tie.
    for (n, starts_at) in [
        at(9, 1, 19),
        at(6, 1, 19),
        at(6, 1, 19),
        at(5, 1, 19),
        at(6, 1, 19),
        at(8, 1, 19),
        at(7, 1, 19),
    ]
    .into_iter()
    .enumerate()
    {
        let title = format!("Event {n}");
        let event =
            EventStream::published(pool, details(&title, "Olympia", starts_at), &[900]).await;
        expected.push((starts_at, event.id));
    }
    expected.sort();
    let expected: Vec<Uuid> = expected.into_iter().map(|(_, id)| id).collect();
    project(pool, &CatalogueProjector::new(None)).await;

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut filter = ListingFilter {
        limit: 2,
        ..ListingFilter::default()
    };
    loop {
        let page = listing(pool, &filter).await.unwrap();
        assert_eq!(
            listing(pool, &filter).await.unwrap(),
            page,
            "a page reads the same twice"
        );
        pages += 1;
        seen.extend(page.items.iter().map(|item| item.id));
        let Some(cursor) = page.next_cursor else {
            assert_eq!(page.items.len(), 1);
            break;
        };
        assert_eq!(page.items.len(), 2);
        filter.cursor = Some(ListingCursor::parse(&cursor).unwrap());
        assert!(pages < 10, "the cursor does not move");
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, expected);

    // A last page that is exactly full has no cursor; one short of it has one.
    let whole = ListingFilter {
        limit: 7,
        ..ListingFilter::default()
    };
    let page = listing(pool, &whole).await.unwrap();
    assert_eq!((page.items.len(), page.next_cursor), (7, None));
    let almost = ListingFilter {
        limit: 6,
        ..ListingFilter::default()
    };
    let page = listing(pool, &almost).await.unwrap();
    let rest = ListingFilter {
        cursor: Some(ListingCursor::parse(&page.next_cursor.unwrap()).unwrap()),
        ..almost
    };
    let last = listing(pool, &rest).await.unwrap();
    assert_eq!(
        last.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [expected[6]]
    );
    assert_eq!(last.next_cursor, None);
}

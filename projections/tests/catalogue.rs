//! The catalogue projector and its queries against a real PostgreSQL: drafts stay with
//! their organiser, publishing lists an event from its cheapest ticket, later changes
//! show, replays change nothing, and a projected change reaches readers of the cache.

#[path = "support/catalogue_events.rs"]
mod catalogue_events;
#[path = "support/catching_up.rs"]
mod catching_up;
/// The public listing's text, date and page filters.
#[path = "catalogue/listing.rs"]
mod listing_filters;

use std::sync::atomic::{AtomicUsize, Ordering};

use carneau_domain::event::{EventCatalogueEvent, TicketType};
use carneau_domain::money::Money;
use carneau_domain::text::{TicketTypeName, Title};
use carneau_projections::cache::{CacheScope, CachedJson, ResponseCache};
use carneau_projections::catalogue::{
    event_detail, listing, CatalogueProjector, EventListingPage, ListingCursor, ListingFilter,
};
use carneau_projections::{read_after, Batch, LogPosition, Projector, ProjectorRunner};
use carneau_testkit::TestRedis;
use sqlx::PgPool;
use uuid::Uuid;

use catalogue_events::*;
use catching_up::project;

fn everything() -> ListingFilter {
    ListingFilter {
        limit: 100,
        ..ListingFilter::default()
    }
}

async fn listed(pool: &PgPool) -> EventListingPage {
    listing(pool, &everything()).await.unwrap()
}

fn titles(page: &EventListingPage) -> Vec<&str> {
    page.items.iter().map(|item| item.title.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_shown_to_its_organiser_only() {
    let db = database().await;
    let pool = db.pool();
    let starts_at = at(6, 1, 19);
    let mut draft = EventStream::draft(pool, details("Jazz at dusk", "Olympia", starts_at)).await;
    draft
        .append(pool, [added(ticket_type("Standing", 2_500, starts_at))])
        .await;

    project(pool, &CatalogueProjector::new(None)).await;

    assert!(listed(pool).await.items.is_empty());
    assert_eq!(event_detail(pool, draft.id, false).await.unwrap(), None);
    let organiser_view = event_detail(pool, draft.id, true).await.unwrap().unwrap();
    assert_eq!(organiser_view.status, "draft");
    assert_eq!(organiser_view.title, "Jazz at dusk");
    assert_eq!(organiser_view.ticket_types.len(), 1);
    assert_eq!(organiser_view.published_at, None);
    assert_eq!(organiser_view.version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_is_listed_from_its_cheapest_ticket() {
    let db = database().await;
    let pool = db.pool();
    let starts_at = at(6, 1, 19);
    let mut event = EventStream::draft(pool, details("Jazz at dusk", "Olympia", starts_at)).await;
    event
        .append(
            pool,
            [
                added(ticket_type("Balcony", 3_000, starts_at)),
                added(ticket_type("Standing", 1_500, starts_at)),
                added(ticket_type("Seated", 2_500, starts_at)),
            ],
        )
        .await;
    event.append(pool, [published()]).await;

    project(pool, &CatalogueProjector::new(None)).await;

    let page = listed(pool).await;
    assert_eq!(page.items.len(), 1);
    let summary = &page.items[0];
    assert_eq!(summary.id, event.id);
    assert_eq!(summary.venue.name, "Olympia");
    assert_eq!(
        (summary.starts_at, summary.time_zone.as_str()),
        (starts_at, "Europe/Paris")
    );
    let price_from = summary.price_from.as_ref().unwrap();
    assert_eq!(
        (price_from.amount_minor, price_from.currency.as_str()),
        (1_500, "EUR")
    );
    assert_eq!(page.next_cursor, None);

    let detail = event_detail(pool, event.id, false).await.unwrap().unwrap();
    assert_eq!(detail.status, "published");
    assert_eq!(detail.published_at, Some(at(2, 1, 12)));
    let names: Vec<&str> = detail
        .ticket_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Balcony", "Standing", "Seated"],
        "in the order they were added"
    );
    assert_eq!(detail.ticket_types[1].price.amount_minor, 1_500);
    assert_eq!(detail.ticket_types[1].capacity, 100);
    assert_eq!(detail.version, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_ticket_type_changes_show_in_the_listing_and_the_detail() {
    let db = database().await;
    let pool = db.pool();
    let starts_at = at(6, 1, 19);
    let mut event = EventStream::draft(pool, details("Jazz at dusk", "Olympia", starts_at)).await;
    let balcony = ticket_type("Balcony", 3_000, starts_at);
    let standing = ticket_type("Standing", 1_500, starts_at);
    event
        .append(
            pool,
            [added(balcony.clone()), added(standing.clone()), published()],
        )
        .await;
    project(pool, &CatalogueProjector::new(None)).await;

    let moved_to = at(7, 14, 20);
    let cheaper_balcony = TicketType {
        price: Money::new(1_000, eur()),
        ..balcony.clone()
    };
    let late = ticket_type("Late entry", 2_000, moved_to);
    event
        .append(
            pool,
            [
                EventCatalogueEvent::EventDetailsEdited {
                    details: details("Blues at midnight", "Bataclan", moved_to),
                },
                EventCatalogueEvent::TicketTypeChanged {
                    ticket_type: cheaper_balcony,
                },
            ],
        )
        .await;
    project(pool, &CatalogueProjector::new(None)).await;

    let summary = listed(pool).await.items.remove(0);
    assert_eq!(summary.title, "Blues at midnight");
    assert_eq!(summary.venue.name, "Bataclan");
    assert_eq!(summary.starts_at, moved_to);
    assert_eq!(summary.price_from.unwrap().amount_minor, 1_000);
    // The search vector follows the edit.
    let search = |text: &str| ListingFilter {
        text: Some(text.to_owned()),
        ..everything()
    };
    assert_eq!(
        listing(pool, &search("midnight"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(listing(pool, &search("dusk"))
        .await
        .unwrap()
        .items
        .is_empty());

    event
        .append(
            pool,
            [
                EventCatalogueEvent::TicketTypeRemoved {
                    ticket_type_id: balcony.id,
                },
                added(late.clone()),
            ],
        )
        .await;
    project(pool, &CatalogueProjector::new(None)).await;

    let detail = event_detail(pool, event.id, false).await.unwrap().unwrap();
    let ids: Vec<Uuid> = detail.ticket_types.iter().map(|t| t.id).collect();
    assert_eq!(ids, [standing.id.as_uuid(), late.id.as_uuid()]);
    assert_eq!(detail.title, "Blues at midnight");
    assert_eq!(detail.version, 8);
    let summary = listed(pool).await.items.remove(0);
    assert_eq!(summary.price_from.unwrap().amount_minor, 1_500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_leaves_the_listing_and_its_detail_says_why() {
    let db = database().await;
    let pool = db.pool();
    let mut event = EventStream::published(
        pool,
        details("Jazz at dusk", "Olympia", at(6, 1, 19)),
        &[2_500],
    )
    .await;
    let other = EventStream::published(
        pool,
        details("Rock night", "Zénith", at(6, 2, 19)),
        &[2_500],
    )
    .await;
    project(pool, &CatalogueProjector::new(None)).await;
    assert_eq!(listed(pool).await.items.len(), 2);

    let cancelled_at = at(3, 1, 12);
    event
        .append(
            pool,
            [EventCatalogueEvent::EventCancelled {
                cancelled_at,
                reason: Some("The band is ill.".to_owned()),
            }],
        )
        .await;
    project(pool, &CatalogueProjector::new(None)).await;

    let page = listed(pool).await;
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [other.id]
    );
    let detail = event_detail(pool, event.id, false).await.unwrap().unwrap();
    assert_eq!(detail.status, "cancelled");
    assert_eq!(detail.cancelled_at, Some(cancelled_at));
    assert_eq!(
        detail.cancellation_reason.as_deref(),
        Some("The band is ill.")
    );
    assert_eq!(
        detail.published_at,
        Some(at(2, 1, 12)),
        "kept after cancelling"
    );
}

/// Every column of both read-model tables but the time of the last write.
async fn read_model_rows(pool: &PgPool) -> Vec<serde_json::Value> {
    sqlx::query_scalar(
        "SELECT to_jsonb(e) - 'updated_at' FROM catalogue_events e
          UNION ALL
         SELECT to_jsonb(t) FROM catalogue_ticket_types t
          ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_log_again_or_rebuilding_gives_the_same_rows() {
    let db = database().await;
    let pool = db.pool();
    let projector = CatalogueProjector::new(None);
    let starts_at = at(6, 1, 19);
    let mut event = EventStream::draft(pool, details("Jazz at dusk", "Olympia", starts_at)).await;
    let balcony = ticket_type("Balcony", 3_000, starts_at);
    event
        .append(
            pool,
            [
                added(balcony.clone()),
                added(ticket_type("Standing", 1_500, starts_at)),
                EventCatalogueEvent::TicketTypeChanged {
                    ticket_type: TicketType {
                        name: TicketTypeName::parse("Upper balcony").unwrap(),
                        ..balcony.clone()
                    },
                },
                published(),
                EventCatalogueEvent::TicketTypeRemoved {
                    ticket_type_id: balcony.id,
                },
                added(ticket_type("Late entry", 2_000, starts_at)),
            ],
        )
        .await;
    let mut edited = details("Jazz at dusk", "Olympia", starts_at);
    edited.title = Title::parse("Jazz at dawn").unwrap();
    event
        .append(
            pool,
            [EventCatalogueEvent::EventDetailsEdited { details: edited }],
        )
        .await;
    EventStream::published(pool, details("Rock night", "Zénith", at(6, 2, 19)), &[900]).await;
    project(pool, &projector).await;
    let projected = read_model_rows(pool).await;
    assert_eq!(projected.len(), 2 + 3, "two events, three ticket types");

    // A batch delivered again, onto the rows it made and onto an empty read model.
    let log = read_after(pool, LogPosition::START, 1_000).await.unwrap();
    let batch = Batch {
        events: &log,
        after: LogPosition::START,
        through: log
            .last()
            .map_or(LogPosition::START, |event| event.position),
    };
    let mut tx = pool.begin().await.unwrap();
    projector.apply(&mut tx, batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read_model_rows(pool).await, projected);
    sqlx::query("DELETE FROM catalogue_events")
        .execute(pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    projector.apply(&mut tx, batch).await.unwrap();
    projector.apply(&mut tx, batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read_model_rows(pool).await, projected);

    let applied = ProjectorRunner::default()
        .rebuild(pool, &projector, |conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM catalogue_events")
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert_eq!(applied, log.len() as u64);
    assert_eq!(read_model_rows(pool).await, projected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projected_change_reaches_readers_of_the_cache() {
    let db = database().await;
    let pool = db.pool();
    let redis = TestRedis::create().await.unwrap();
    let cache = ResponseCache::new(redis.client().clone(), redis.prefix());
    let projector = CatalogueProjector::new(Some(cache.clone()));
    let mut event = EventStream::published(
        pool,
        details("Jazz at dusk", "Olympia", at(6, 1, 19)),
        &[2_500],
    )
    .await;
    project(pool, &projector).await;

    let loads = AtomicUsize::new(0);
    let id = event.id;
    let detail_scope = CacheScope::Event(id);
    let listing_key = everything().cache_key();
    let read_detail = || {
        cache.get_or_load(&detail_scope, "public", || async {
            loads.fetch_add(1, Ordering::SeqCst);
            let detail = event_detail(pool, id, false).await?;
            Ok(detail.map(|d| serde_json::to_string(&d)).transpose()?)
        })
    };
    let read_listing = || {
        cache.get_or_load(&CacheScope::Listing, &listing_key, || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(Some(serde_json::to_string(&listed(pool).await)?))
        })
    };
    let title_in = |json: Option<CachedJson>| -> String {
        let value: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
        let title = value
            .get("title")
            .or_else(|| value.pointer("/items/0/title"));
        title.unwrap().as_str().unwrap().to_owned()
    };
    assert_eq!(title_in(read_detail().await.unwrap()), "Jazz at dusk");
    assert_eq!(title_in(read_listing().await.unwrap()), "Jazz at dusk");
    assert_eq!(title_in(read_detail().await.unwrap()), "Jazz at dusk");
    assert_eq!(title_in(read_listing().await.unwrap()), "Jazz at dusk");
    assert_eq!(
        loads.load(Ordering::SeqCst),
        2,
        "the second reads were hits"
    );

    event
        .append(
            pool,
            [EventCatalogueEvent::EventDetailsEdited {
                details: details("Blues at midnight", "Olympia", at(6, 1, 19)),
            }],
        )
        .await;
    project(pool, &projector).await;

    assert_eq!(title_in(read_detail().await.unwrap()), "Blues at midnight");
    assert_eq!(title_in(read_listing().await.unwrap()), "Blues at midnight");
    assert_eq!(loads.load(Ordering::SeqCst), 4);
}

//! A buyer browsing the catalogue over HTTP: what organisers publish shows up in the
//! listing and the event's page, drafts stay hidden, cancellations are explained, and
//! edits get past the response cache. Read models are built asynchronously, so every
//! public read that follows a command waits with `eventually`.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::support::{
    event_request_starting, expect_event, in_days, spawn_app, ticket_type_request, Caller,
};

fn listed(page: &carneau_projections::catalogue::EventListingPage, id: Uuid) -> bool {
    page.items.iter().any(|item| item.id == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_is_listed_with_its_cheapest_price() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    for (name, price) in [("Balcony", 4500), ("Standing", 2500), ("Box", 9000)] {
        app.add_ticket_type(draft.id, &ticket_type_request(name, price))
            .await;
    }
    app.publish(draft.id).await;

    let page = app
        .eventually_listing("", "the event in the listing", |page| {
            listed(page, draft.id)
        })
        .await;
    let summary = &page.items[0];
    assert_eq!(summary.id, draft.id);
    assert_eq!(summary.title, "Jazz at Dusk");
    assert_eq!(summary.venue.name, "Le Sunset");
    assert_eq!(summary.time_zone, "Europe/Paris");
    let price_from = summary.price_from.as_ref().unwrap();
    assert_eq!(
        (price_from.amount_minor, price_from.currency.as_str()),
        (2500, "EUR")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_shows_its_ticket_types_in_the_order_they_were_added() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    // Not in price order, nor in name order: the organiser's order is what buyers see.
    for (name, price) in [("Standing", 2500), ("Box", 9000), ("Balcony", 4500)] {
        app.add_ticket_type(draft.id, &ticket_type_request(name, price))
            .await;
    }
    let published = app.publish(draft.id).await;

    let detail = app
        .eventually_public_event(draft.id, "the published event's page", |d| {
            d.status == "published"
        })
        .await;
    let names: Vec<&str> = detail
        .ticket_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["Standing", "Box", "Balcony"]);
    assert_eq!(detail.ticket_types, published.ticket_types);
    assert_eq!(detail.title, "Jazz at Dusk");
    assert_eq!(detail.version, published.version);
    assert!(detail.published_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_hidden_from_buyers_but_shown_to_its_organiser() {
    let app = spawn_app().await;
    let draft = app.create_draft("Jazz at Dusk").await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    // The read model holds the draft: a 404 now is the rule, not a projection lagging.
    app.wait_for_read_model(draft.id, 2).await;

    assert_eq!(app.public_event(draft.id).await, None);
    assert!(!listed(&app.listing("").await, draft.id));
    let (seen, _) = app.organiser_event(draft.id).await;
    assert_eq!(seen.status, "draft");
    assert_eq!(seen.ticket_types.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_says_why_and_leaves_the_listing() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    app.eventually_listing("", "the event in the listing", |page| {
        listed(page, event.id)
    })
    .await;

    let cancelled = app.cancel(event.id, Some("The band is snowed in.")).await;
    assert_eq!(cancelled.status, "cancelled");

    let detail = app
        .eventually_public_event(event.id, "the cancellation on the event's page", |d| {
            d.status == "cancelled"
        })
        .await;
    assert_eq!(
        detail.cancellation_reason.as_deref(),
        Some("The band is snowed in.")
    );
    assert!(detail.cancelled_at.is_some());
    app.eventually_listing("", "the event gone from the listing", |page| {
        !listed(page, event.id)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_title_gets_past_the_cached_page_and_listing() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    app.eventually_public_event(event.id, "the published event's page", |_| true)
        .await;
    app.eventually_listing("", "the event in the listing", |page| {
        listed(page, event.id)
    })
    .await;
    // Both answers are now cached: without invalidation they would stay for the TTL.
    let cached = app.cached_values().await;
    let cached_detail = cached
        .iter()
        .filter(|value| value.contains("Jazz at Dusk") && value.contains("ticket_types"))
        .count();
    let cached_listing = cached
        .iter()
        .filter(|value| value.contains("Jazz at Dusk") && value.contains("\"items\""))
        .count();
    assert_eq!((cached_detail, cached_listing), (1, 1), "{cached:?}");

    let path = format!("/organiser/events/{}", event.id);
    let edit = json!({"title": "Jazz at Midnight"});
    expect_event(
        app.patch_json_as(&path, &edit, Caller::Organiser).await,
        StatusCode::OK,
    )
    .await;

    app.eventually_public_event(event.id, "the new title on the event's page", |d| {
        d.title == "Jazz at Midnight"
    })
    .await;
    app.eventually_listing("", "the new title in the listing", |page| {
        page.items
            .iter()
            .any(|item| item.id == event.id && item.title == "Jazz at Midnight")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_change_reaches_the_cheapest_price_in_the_listing() {
    let app = spawn_app().await;
    let event = app.published_event("Jazz at Dusk").await;
    app.eventually_listing("", "the event in the listing", |page| {
        listed(page, event.id)
    })
    .await;

    let path = format!(
        "/organiser/events/{}/ticket-types/{}",
        event.id, event.ticket_types[0].id
    );
    let change = json!({"price": {"amount_minor": 1500, "currency": "EUR"}});
    expect_event(
        app.patch_json_as(&path, &change, Caller::Organiser).await,
        StatusCode::OK,
    )
    .await;

    app.eventually_listing("", "the lower price in the listing", |page| {
        page.items.iter().any(|item| {
            item.id == event.id && item.price_from.as_ref().map(|p| p.amount_minor) == Some(1500)
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_shows_upcoming_events_first_a_page_at_a_time() {
    let app = spawn_app().await;
    let mut expected = Vec::new();
    for (title, days) in [("Third", 50), ("First", 10), ("Second", 30)] {
        let draft = app
            .create_event(&event_request_starting(title, in_days(days)))
            .await;
        let mut sale = ticket_type_request("Standing", 2500);
        sale["sale_closes_at"] = json!(in_days(5));
        app.add_ticket_type(draft.id, &sale).await;
        app.publish(draft.id).await;
        expected.push((days, draft.id));
    }
    expected.sort();
    let expected: Vec<Uuid> = expected.into_iter().map(|(_, id)| id).collect();

    for id in &expected {
        app.wait_for_read_model(*id, 3).await;
    }

    let first = app.listing("limit=2").await;
    let cursor = first
        .next_cursor
        .clone()
        .expect("a cursor to the next page");
    let second = app.listing(&format!("limit=2&cursor={cursor}")).await;
    assert_eq!(second.next_cursor, None, "the second page is the last");

    let seen: Vec<Uuid> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|item| item.id)
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_finds_events_by_words_and_by_dates() {
    let app = spawn_app().await;
    let jazz = app
        .create_event(&event_request_starting("Jazz at Dusk", in_days(30)))
        .await;
    let blues = app
        .create_event(&event_request_starting("Blues at Noon", in_days(60)))
        .await;
    for id in [jazz.id, blues.id] {
        app.add_ticket_type(id, &ticket_type_request("Standing", 2500))
            .await;
        app.publish(id).await;
    }
    app.eventually_listing("", "both events listed", |page| page.items.len() == 2)
        .await;

    let ids = |page: carneau_projections::catalogue::EventListingPage| -> Vec<Uuid> {
        page.items.iter().map(|item| item.id).collect()
    };
    assert_eq!(ids(app.listing("q=blues").await), [blues.id]);
    let (from, to) = (in_days(20).to_rfc3339(), in_days(40).to_rfc3339());
    let query = format!("from={}&to={}", urlencode(&from), urlencode(&to));
    assert_eq!(ids(app.listing(&query).await), [jazz.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listing_finds_an_event_by_the_city_of_its_venue() {
    let app = spawn_app().await;
    let mut in_lyon = event_request_starting("Jazz at Dusk", in_days(30));
    in_lyon["venue"] = json!({"name": "Le Sirius", "address": "4 quai Augagneur, 69003 Lyon"});
    let lyon = app.create_event(&in_lyon).await;
    let paris = app
        .create_event(&event_request_starting("Blues at Noon", in_days(60)))
        .await;
    for id in [lyon.id, paris.id] {
        app.add_ticket_type(id, &ticket_type_request("Standing", 2500))
            .await;
        app.publish(id).await;
    }
    app.eventually_listing("", "both events listed", |page| page.items.len() == 2)
        .await;

    let found = app.listing("q=lyon").await;
    let ids: Vec<Uuid> = found.items.iter().map(|item| item.id).collect();
    assert_eq!(ids, [lyon.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_is_not_found() {
    let app = spawn_app().await;
    assert_eq!(app.public_event(Uuid::new_v4()).await, None);
}

/// Percent-encodes a query value (`+` in a time zone offset would read as a space).
fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

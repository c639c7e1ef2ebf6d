//! The bytes of removed images: deleted once no image of any event is the same file,
//! left alone while an upload may be about to name them, and swept later (hourly, or
//! `carneau images sweep`) when a removal could not delete them.

use std::time::{Duration, SystemTime};

use carneau_commands::event_images::{grace_cutoff, sweep};
use carneau_testkit::images;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::event_images::{draft, upload, walk};
use crate::support::cli::{carneau, stdout};
use crate::support::{expect_event, spawn_app, spawn_app_with, Caller, TestApp};

fn content_hash(file: &[u8]) -> String {
    Sha256::digest(file)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Uploads `file` to `event_id` and answers the new image's id.
async fn add(app: &TestApp, event_id: Uuid, file: &[u8]) -> Uuid {
    let added = upload(app, event_id, file.to_vec(), "A picture").await;
    added.images.last().unwrap().id
}

async fn remove(app: &TestApp, event_id: Uuid, image_id: Uuid) {
    let path = format!("/organiser/events/{event_id}/images/{image_id}");
    expect_event(
        app.delete_as(&path, Caller::Organiser).await,
        StatusCode::OK,
    )
    .await;
}

/// Renditions of `file` in the PostgreSQL store.
async fn stored(app: &TestApp, file: &[u8]) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM event_image_blobs WHERE content_hash = $1")
        .bind(content_hash(file))
        .fetch_one(app.database.pool())
        .await
        .unwrap()
}

/// Makes every stored rendition an hour old, past the grace an upload in flight has.
async fn age_blobs(app: &TestApp) {
    sqlx::query("UPDATE event_image_blobs SET stored_at = now() - interval '1 hour'")
        .execute(app.database.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_image_s_bytes_go_unless_another_event_has_the_same_file() {
    let app = spawn_app().await;
    let (first, second) = (draft(&app).await, draft(&app).await);
    let shared = images::png(400, 300);
    let own = images::png(500, 300);
    let shared_on_first = add(&app, first, &shared).await;
    let shared_on_second = add(&app, second, &shared).await;
    let own_on_first = add(&app, first, &own).await;
    age_blobs(&app).await;

    remove(&app, first, shared_on_first).await;
    assert!(
        stored(&app, &shared).await > 0,
        "the second event still has it"
    );
    remove(&app, first, own_on_first).await;
    assert_eq!(stored(&app, &own).await, 0);
    remove(&app, second, shared_on_second).await;
    assert_eq!(stored(&app, &shared).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_takes_unnamed_bytes_once_old_enough_and_can_run_again() {
    let app = spawn_app().await;
    let event_id = draft(&app).await;
    let kept = images::png(300, 200);
    let gone = images::png(310, 200);
    let kept_id = add(&app, event_id, &kept).await;
    let gone_id = add(&app, event_id, &gone).await;
    // Removed at once: its bytes are too fresh to tell from an upload in flight.
    remove(&app, event_id, gone_id).await;
    assert!(stored(&app, &gone).await > 0);
    // An upload cut off between storing its bytes and appending its fact.
    let orphan = b"an upload that never got its fact".to_vec();
    app.state
        .event_images
        .store()
        .put(&content_hash(&orphan), 480, images::jpeg(480, 240))
        .await
        .unwrap();

    let sweep_now = || carneau(&app.database, &app.redis, &[], &["images", "sweep"]);
    let fresh = sweep_now().await;
    assert!(fresh.status.success(), "{fresh:?}");
    assert!(
        stdout(&fresh).contains("0 no longer used"),
        "{}",
        stdout(&fresh)
    );
    assert!(stored(&app, &gone).await > 0 && stored(&app, &orphan).await > 0);

    age_blobs(&app).await;
    let swept = sweep_now().await;
    assert!(swept.status.success(), "{swept:?}");
    assert!(
        stdout(&swept).contains("2 no longer used"),
        "{}",
        stdout(&swept)
    );
    assert_eq!(stored(&app, &gone).await, 0);
    assert_eq!(stored(&app, &orphan).await, 0);
    assert!(stored(&app, &kept).await > 0);
    let (event, _) = app.organiser_event(event_id).await;
    assert_eq!(event.images[0].id, kept_id);
    let served = app
        .get_as(&event.images[0].sources[0].url, Caller::Organiser)
        .await;
    assert_eq!(served.status(), StatusCode::OK);

    let again = sweep_now().await;
    assert!(
        stdout(&again).contains("0 no longer used"),
        "{}",
        stdout(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_store_deletes_the_files_of_removed_images() {
    let root = std::env::temp_dir().join(format!("carneau-images-{}", Uuid::new_v4()));
    let setting = format!("dir:{}", root.display());
    let app = spawn_app_with(&[("CARNEAU_IMAGE_STORE", setting.as_str())]).await;
    let event_id = draft(&app).await;
    let kept = add(&app, event_id, &images::jpeg(300, 200)).await;
    let removed = add(&app, event_id, &images::jpeg(700, 400)).await;
    assert_eq!(walk(&root).len(), 3, "300; 480 and 700");
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for file in walk(&root) {
        let file = std::fs::File::options().write(true).open(file).unwrap();
        file.set_modified(an_hour_ago).unwrap();
    }
    remove(&app, event_id, removed).await;
    assert_eq!(walk(&root).len(), 1, "{:?}", walk(&root));

    // Fresh bytes of a removed image stay until a sweep finds them old enough.
    let fresh = add(&app, event_id, &images::png(320, 200)).await;
    remove(&app, event_id, fresh).await;
    assert_eq!(walk(&root).len(), 2);
    let store = app.state.event_images.store().clone();
    let pool = app.database.pool();
    let early = sweep(pool, store.as_ref(), grace_cutoff(chrono::Utc::now()))
        .await
        .unwrap();
    assert_eq!(early.deleted, 0);
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let late = sweep(pool, store.as_ref(), grace_cutoff(later))
        .await
        .unwrap();
    assert_eq!(late.deleted, 1);
    assert_eq!(walk(&root).len(), 1);
    let (event, _) = app.organiser_event(event_id).await;
    assert_eq!(event.images.len(), 1);
    assert_eq!(event.images[0].id, kept);
    std::fs::remove_dir_all(root).ok();
}

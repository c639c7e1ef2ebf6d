//! An organiser's event images over HTTP: uploaded as multipart, re-encoded, described,
//! ordered, removed; served to buyers once the event is published, cacheable for a year;
//! every bad file a 422 with its own type. Stores: PostgreSQL (default) and a directory.

use carneau_testkit::images;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::{
    expect_event, expect_problem, spawn_app, spawn_app_with, ticket_type_request, Caller, TestApp,
};
use carneau_projections::catalogue::EventDetail;

pub(crate) fn form(file: Vec<u8>, alt: &str) -> Form {
    Form::new()
        .part("file", Part::bytes(file).file_name("poster.bin"))
        .text("alt", alt.to_owned())
}

pub(crate) async fn upload_as(
    app: &TestApp,
    event_id: Uuid,
    form: Form,
    caller: Caller<'_>,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/organiser/events/{event_id}/images"),
        caller,
    )
    .multipart(form)
    .send()
    .await
    .unwrap()
}

pub(crate) async fn upload(app: &TestApp, event_id: Uuid, file: Vec<u8>, alt: &str) -> EventDetail {
    let response = upload_as(app, event_id, form(file, alt), Caller::Organiser).await;
    expect_event(response, StatusCode::CREATED).await
}

/// Sends only the headers of an upload declaring `length` bytes, and reads the answer.
async fn declare_upload_without_body(app: &TestApp, event_id: Uuid, length: u64) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = reqwest::Url::parse(&app.url("/")).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /organiser/events/{event_id}/images HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n",
        url.host_str().unwrap(),
        app.organiser.token,
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 16 * 1024];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer before the body")
        .unwrap();
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

/// A draft with a ticket type, ready to publish.
pub(crate) async fn draft(app: &TestApp) -> Uuid {
    let draft = app.create_draft("Poster night").await;
    app.add_ticket_type(draft.id, &ticket_type_request("Standing", 2500))
        .await;
    draft.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poster_uploaded_to_a_draft_shows_on_the_listing_and_page_once_published() {
    let app = spawn_app().await;
    let event_id = draft(&app).await;
    let added = upload(&app, event_id, images::png(1650, 800), "The band on stage").await;
    let image = &added.images[0];
    assert_eq!(image.alt, "The band on stage");
    assert_eq!((image.width, image.height), (1650, 800));
    let widths: Vec<u32> = image.sources.iter().map(|s| s.width).collect();
    assert_eq!(widths, [480, 960, 1600]);

    // The organiser sees the draft's image; the public does not, yet.
    let own = &image.sources[1].url;
    assert!(own.starts_with(&format!("/organiser/events/{event_id}/images/")));
    let fetched = app.get_as(own, Caller::Organiser).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.headers()[CONTENT_TYPE], "image/jpeg");
    let jpeg = fetched.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 960);
    let public_path = format!("/events/{event_id}/images/{}/960", image.id);
    expect_problem(
        app.get(&public_path).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    app.publish(event_id).await;
    let detail = app
        .eventually_public_event(event_id, "the page with its poster", |d| {
            !d.images.is_empty()
        })
        .await;
    assert_eq!(detail.images[0].sources[1].url, public_path);
    let page = app
        .eventually_listing("", "the card with its poster", |page| {
            page.items.iter().any(|item| item.poster.is_some())
        })
        .await;
    let poster = page.items[0].poster.as_ref().unwrap();
    assert_eq!(poster.alt, "The band on stage");

    let served = app.get(&public_path).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(served.headers()[CONTENT_TYPE], "image/jpeg");
    let tag = served.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(served.bytes().await.unwrap(), jpeg);
    let again = app
        .request(Method::GET, &public_path, Caller::Anonymous)
        .header(IF_NONE_MATCH, tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // A width that was not stored is no image.
    let other_width = format!("/events/{event_id}/images/{}/1234", image.id);
    expect_problem(
        app.get(&other_width).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_file_is_a_422_with_its_own_type_and_changes_nothing() {
    let app = spawn_app_with(&[("CARNEAU_IMAGE_MAX_BYTES", "200000")]).await;
    let event_id = draft(&app).await;
    let before = app.stored_event_count().await;
    let whole = images::jpeg(800, 600);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"plain text, not an image".to_vec(),
            "image-format-unsupported",
        ),
        (images::gif(), "image-format-unsupported"),
        (images::svg(), "image-format-unsupported"),
        (whole[..whole.len() / 3].to_vec(), "image-unreadable"),
        (
            images::png_claiming(100_000, 100_000),
            "image-too-many-pixels",
        ),
        (vec![0xFF; 300_000], "image-too-large"),
    ];
    for (file, slug) in cases {
        let response = upload_as(&app, event_id, form(file, "A poster"), Caller::Organiser).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, slug).await;
        assert_eq!(problem.errors[0].field, "file", "{slug}");
        assert!(
            problem.detail.ends_with('.'),
            "a sentence: {}",
            problem.detail
        );
        if slug == "image-too-large" {
            // A limit under a MiB is said in KiB, not "0 MiB".
            assert!(problem.detail.contains("195.3 KiB"), "{}", problem.detail);
        }
    }
    // Far over the limit the body is not even read: still the file's 422, answered from
    // the declared length alone (sending the body too would race the server closing).
    let answer = declare_upload_without_body(&app, event_id, 2_000_000).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains("image-too-large"), "{answer}");
    assert!(answer.contains("at most 195.3 KiB"), "{answer}");

    let no_alt = Form::new().part("file", Part::bytes(images::png(100, 100)));
    let problem = expect_problem(
        upload_as(&app, event_id, no_alt, Caller::Organiser).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(problem.errors[0].field, "alt");
    let long_alt = "x".repeat(301);
    let problem = expect_problem(
        upload_as(
            &app,
            event_id,
            form(images::png(100, 100), &long_alt),
            Caller::Organiser,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(problem.errors[0].field, "alt");
    let json_body = app
        .post_json_as(
            &format!("/organiser/events/{event_id}/images"),
            &json!({"alt": "A poster"}),
            Caller::Organiser,
        )
        .await;
    expect_problem(
        json_body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    assert_eq!(app.stored_event_count().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_described_reordered_removed_and_capped() {
    let app = spawn_app().await;
    let event_id = draft(&app).await;
    for n in 1..=3 {
        upload(
            &app,
            event_id,
            images::png(200 + n, 100),
            &format!("Picture {n}"),
        )
        .await;
    }
    let (event, _) = app.organiser_event(event_id).await;
    let ids: Vec<Uuid> = event.images.iter().map(|image| image.id).collect();

    let path = |id: Uuid| format!("/organiser/events/{event_id}/images/{id}");
    let described = app
        .patch_json_as(
            &path(ids[1]),
            &json!({"alt": "The crowd"}),
            Caller::Organiser,
        )
        .await;
    assert_eq!(
        expect_event(described, StatusCode::OK).await.images[1].alt,
        "The crowd"
    );

    let order = format!("/organiser/events/{event_id}/image-order");
    let reordered = app
        .send(
            Method::PUT,
            &order,
            Caller::Organiser,
            Some(&json!({"image_ids": [ids[2], ids[0], ids[1]]})),
        )
        .await;
    let alts: Vec<String> = expect_event(reordered, StatusCode::OK)
        .await
        .images
        .into_iter()
        .map(|image| image.alt)
        .collect();
    assert_eq!(alts, ["Picture 3", "Picture 1", "The crowd"]);
    let mismatched = app
        .send(
            Method::PUT,
            &order,
            Caller::Organiser,
            Some(&json!({"image_ids": [ids[0], ids[1]]})),
        )
        .await;
    let problem = expect_problem(
        mismatched,
        StatusCode::UNPROCESSABLE_ENTITY,
        "image-order-mismatch",
    )
    .await;
    assert_eq!(problem.errors[0].field, "image_ids");

    let removed = app.delete_as(&path(ids[0]), Caller::Organiser).await;
    assert_eq!(expect_event(removed, StatusCode::OK).await.images.len(), 2);
    let gone = app.delete_as(&path(ids[0]), Caller::Organiser).await;
    expect_problem(gone, StatusCode::NOT_FOUND, "unknown-image").await;

    for n in 3..9 {
        upload(&app, event_id, images::png(100 + n, 100), "Another").await;
    }
    let ninth = upload_as(
        &app,
        event_id,
        form(images::png(90, 90), "One too many"),
        Caller::Organiser,
    )
    .await;
    expect_problem(ninth, StatusCode::UNPROCESSABLE_ENTITY, "too-many-images").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_with_the_same_key_adds_the_image_once() {
    let app = spawn_app().await;
    let event_id = draft(&app).await;
    let send = || async {
        app.request(
            Method::POST,
            &format!("/organiser/events/{event_id}/images"),
            Caller::Organiser,
        )
        .header("Idempotency-Key", "poster-upload-1")
        .multipart(form(images::png(300, 200), "Poster"))
        .send()
        .await
        .unwrap()
    };
    expect_event(send().await, StatusCode::CREATED).await;
    let again = expect_event(send().await, StatusCode::OK).await;
    assert_eq!(again.images.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organiser_can_neither_upload_nor_see_a_draft_image() {
    let app = spawn_app().await;
    let event_id = draft(&app).await;
    let added = upload(&app, event_id, images::png(300, 200), "Poster").await;
    let other = app.other_organiser().await;
    let refused = upload_as(
        &app,
        event_id,
        form(images::png(300, 200), "Mine"),
        Caller::Session(&other),
    )
    .await;
    expect_problem(refused, StatusCode::FORBIDDEN, "not-event-organiser").await;
    let peek = app
        .get_as(&added.images[0].sources[0].url, Caller::Session(&other))
        .await;
    expect_problem(peek, StatusCode::FORBIDDEN, "not-event-organiser").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_store_keeps_the_renditions_as_files() {
    let root = std::env::temp_dir().join(format!("carneau-images-{}", Uuid::new_v4()));
    let setting = format!("dir:{}", root.display());
    let app = spawn_app_with(&[("CARNEAU_IMAGE_STORE", setting.as_str())]).await;
    let event_id = draft(&app).await;
    let added = upload(&app, event_id, images::jpeg(1000, 500), "Poster").await;
    let files: Vec<_> = walk(&root);
    assert_eq!(files.len(), 3, "{files:?}");
    let fetched = app
        .get_as(&added.images[0].sources[2].url, Caller::Organiser)
        .await;
    assert_eq!(fetched.status(), StatusCode::OK);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM event_image_blobs")
        .fetch_one(app.database.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing in PostgreSQL with the directory store");
    std::fs::remove_dir_all(root).ok();
}

pub(crate) fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

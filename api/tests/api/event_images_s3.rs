//! Event images in an S3-compatible bucket: a real S3 server (moto's, started per test
//! on a free port) takes the renditions and loses them to the sweep once removed; an
//! unreachable bucket is a 503 to retry.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carneau_commands::event_images::{grace_cutoff, sweep};
use carneau_testkit::images;
use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;

use crate::event_images::{draft, form, upload, upload_as};
use crate::support::{expect_problem, spawn_app_with, Caller, TestApp};

const BUCKET: &str = "carneau-images";

/// A moto S3 server of this test's own, stopped when dropped.
struct S3Server {
    process: Child,
    url: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Starts `moto_server` with a bucket, or `None` (the test then says it is skipped) if
/// the program is not installed (`pip install 'moto[server]'`; scripts/test installs it).
async fn start_s3() -> Option<S3Server> {
    let port = free_port();
    let process = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(process) => process,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "SKIPPED: moto_server is not installed (pip install 'moto[server]'); \
                 the S3 image store was not tested"
            );
            return None;
        }
        Err(error) => panic!("starting moto_server: {error}"),
    };
    let server = S3Server {
        process,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(created) = client.put(format!("{}/{BUCKET}", server.url)).send().await {
            assert!(created.status().is_success(), "creating the bucket");
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not answer on {} within 30 s", server.url);
}

/// The keys in the bucket under `prefix`, read straight from the server.
async fn keys_in_bucket(s3: &S3Server, prefix: &str) -> Vec<String> {
    let listing = reqwest::get(format!("{}/{BUCKET}?list-type=2&prefix={prefix}", s3.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    listing
        .split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
        .collect()
}

async fn app_on(s3_endpoint: &str) -> TestApp {
    spawn_app_with(&[
        ("CARNEAU_IMAGE_STORE", "s3://carneau-images/events"),
        ("CARNEAU_IMAGE_S3_ENDPOINT", s3_endpoint),
        ("AWS_ACCESS_KEY_ID", "carneau-test"),
        ("AWS_SECRET_ACCESS_KEY", "carneau-test-secret"),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_uploaded_to_an_s3_bucket_is_served_from_its_objects() {
    let Some(s3) = start_s3().await else { return };
    let app = app_on(&s3.url).await;
    let event_id = draft(&app).await;
    let added = upload(&app, event_id, images::jpeg(1000, 500), "The stage").await;
    let image_id = added.images[0].id;

    let keys = keys_in_bucket(&s3, "events/").await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    for width in [480, 960, 1000] {
        assert!(
            keys.iter()
                .any(|key| key.ends_with(&format!("-{width}.jpg"))),
            "no rendition {width} wide in {keys:?}"
        );
    }

    app.publish(event_id).await;
    app.eventually_public_event(event_id, "the page with its image", |detail| {
        !detail.images.is_empty()
    })
    .await;
    let served = app
        .get(&format!("/events/{event_id}/images/{image_id}/960"))
        .await;
    assert_eq!(served.status(), StatusCode::OK);
    let served = served.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&served).unwrap().width(), 960);
    let key = keys.iter().find(|key| key.ends_with("-960.jpg")).unwrap();
    // moto refuses anonymous reads of a private object; any signature-shaped header
    // passes (it does not check signatures).
    let object = reqwest::Client::new()
        .get(format!("{}/{BUCKET}/{key}", s3.url))
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=carneau-test/20261203/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=00",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(object.status(), StatusCode::OK);
    let object = object.bytes().await.unwrap();
    assert!(object == served, "the page serves the bucket's object");

    let in_postgres: i64 = sqlx::query_scalar("SELECT count(*) FROM event_image_blobs")
        .fetch_one(app.database.pool())
        .await
        .unwrap();
    assert_eq!(in_postgres, 0, "nothing in PostgreSQL with the S3 store");

    // Removed, its objects go (at the next sweep: they are too fresh to go at once).
    let path = format!("/organiser/events/{event_id}/images/{image_id}");
    assert_eq!(
        app.delete_as(&path, Caller::Organiser).await.status(),
        StatusCode::OK
    );
    assert_eq!(keys_in_bucket(&s3, "events/").await.len(), 3);
    let store = app.state.event_images.store().clone();
    let an_hour_later = chrono::Utc::now() + chrono::Duration::hours(1);
    let swept = sweep(
        app.database.pool(),
        store.as_ref(),
        grace_cutoff(an_hour_later),
    )
    .await
    .unwrap();
    assert_eq!(swept.deleted, 3);
    assert!(keys_in_bucket(&s3, "events/").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_bucket_is_a_503_to_retry_and_adds_nothing() {
    // Nothing listens on a port just freed: every connection is refused.
    let app = app_on(&format!("http://127.0.0.1:{}", free_port())).await;
    let event_id = draft(&app).await;
    let before = app.stored_event_count().await;
    let response = upload_as(
        &app,
        event_id,
        form(images::png(300, 200), "Poster"),
        Caller::Organiser,
    )
    .await;
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    expect_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "image-store-unavailable",
    )
    .await;
    assert!(retry_after.is_some(), "a Retry-After header");
    assert_eq!(app.stored_event_count().await, before);
}

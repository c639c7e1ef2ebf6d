//! Reuse, and what the other requests get while one reads an aged-out state again.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carneau_domain::ids::EventId;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::Recent;

const REUSE: Duration = Duration::from_millis(30);

fn event() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xE1))
}

async fn read(recent: &Recent<u32>, value: u32, reads: &AtomicUsize) -> u32 {
    let state = recent
        .get(event(), || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Infallible>(value)
        })
        .await;
    match state {
        Ok(state) => *state,
        Err(never) => match never {},
    }
}

/// A request reading `value` that has started its read and finishes it when told.
async fn read_slowly(
    recent: &Arc<Recent<u32>>,
    value: u32,
) -> (
    tokio::task::JoinHandle<Result<u32, Infallible>>,
    oneshot::Sender<()>,
) {
    let (started, reading) = oneshot::channel::<()>();
    let (finish, finished) = oneshot::channel::<()>();
    let reader = tokio::spawn({
        let recent = Arc::clone(recent);
        async move {
            recent
                .get(event(), || async move {
                    let _ = started.send(());
                    let _ = finished.await;
                    Ok::<_, Infallible>(value)
                })
                .await
                .map(|state| *state)
        }
    });
    let _ = reading.await;
    (reader, finish)
}

#[tokio::test]
async fn a_state_is_read_once_and_reused_until_it_ages_out() {
    let recent = Recent::reused_for(REUSE, Duration::from_secs(10));
    let reads = AtomicUsize::new(0);
    assert_eq!(read(&recent, 1, &reads).await, 1);
    assert_eq!(read(&recent, 2, &reads).await, 1, "reused");
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    tokio::time::sleep(REUSE * 2).await;
    assert_eq!(read(&recent, 3, &reads).await, 3, "aged out: read again");
    recent.forget(event());
    assert_eq!(read(&recent, 4, &reads).await, 4, "forgotten: read again");
}

#[tokio::test]
async fn while_one_request_reads_an_aged_out_state_again_the_others_answer_with_the_last() {
    let recent = Arc::new(Recent::reused_for(REUSE, Duration::from_secs(10)));
    let reads = AtomicUsize::new(0);
    assert_eq!(read(&recent, 1, &reads).await, 1);
    tokio::time::sleep(REUSE * 2).await;

    // The first request after the state aged out reads it again, slowly.
    let (reader, finish) = read_slowly(&recent, 2).await;

    // Meanwhile another request neither waits nor reads: it gets the last state.
    let other = tokio::time::timeout(Duration::from_secs(1), read(&recent, 3, &reads))
        .await
        .expect("a request waited for another's read");
    assert_eq!(other, 1);
    assert_eq!(reads.load(Ordering::SeqCst), 1, "no second read");

    finish.send(()).unwrap();
    assert_eq!(reader.await.unwrap(), Ok(2));
    assert_eq!(read(&recent, 4, &reads).await, 2, "the new state is reused");
}

#[tokio::test]
async fn a_state_past_the_stale_limit_is_not_answered_while_it_is_read_again() {
    let recent = Arc::new(Recent::reused_for(REUSE, Duration::ZERO));
    let reads = AtomicUsize::new(0);
    assert_eq!(read(&recent, 1, &reads).await, 1);
    tokio::time::sleep(REUSE * 2).await;

    let (reader, finish) = read_slowly(&recent, 2).await;
    let other = tokio::spawn({
        let recent = Arc::clone(&recent);
        async move {
            let reads = AtomicUsize::new(0);
            read(&recent, 3, &reads).await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!other.is_finished(), "a state too old was answered");
    finish.send(()).unwrap();
    assert_eq!(reader.await.unwrap(), Ok(2));
    assert_eq!(
        other.await.unwrap(),
        2,
        "it waited for the read, then reused it"
    );
}

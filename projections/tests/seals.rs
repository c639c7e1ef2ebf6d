//! The event log refuses edits at the source, and the sealer's chain survives a crash:
//! a batch that fails before its commit leaves neither seals nor a moved checkpoint, and
//! the next instance continues the chain with no gap. The JSON the chain covers is
//! PostgreSQL's `jsonb` text, whether our process prints it or PostgreSQL does.

#[path = "support/catching_up.rs"]
mod catching_up;
#[path = "support/json_documents.rs"]
mod json_documents;
#[allow(dead_code)]
#[path = "runner/support.rs"]
mod runner_support;

use std::time::Duration;

use async_trait::async_trait;
use carneau_projections::seals::{
    jsonb_text, read_canonical_after, verify_log, Sealer, Verdict, VerifyOptions, SEALER_NAME,
};
use carneau_projections::{Batch, Interest, LogPosition, Projector, ProjectorRunner};
use sqlx::{PgPool, Postgres, Transaction};

use json_documents::Documents;

use catching_up::project;
use runner_support::{append, database};

/// SQLSTATE `restrict_violation`, which the append-only triggers raise.
const REFUSED: &str = "23001";

#[tokio::test]
async fn the_log_refuses_update_delete_and_truncate() {
    let db = database().await;
    let event_id = append(db.pool(), "stream-a", 0).await;

    for statement in [
        "UPDATE events SET payload = '{\"n\": 99}' WHERE event_id = $1",
        "DELETE FROM events WHERE event_id = $1",
    ] {
        let error = sqlx::query(statement)
            .bind(event_id)
            .execute(db.pool())
            .await
            .unwrap_err();
        let error = error.as_database_error().unwrap();
        assert_eq!(error.code().as_deref(), Some(REFUSED), "{statement}");
        assert!(
            error.message().contains("append-only"),
            "{}",
            error.message()
        );
    }
    let error = sqlx::query("TRUNCATE events")
        .execute(db.pool())
        .await
        .unwrap_err();
    let error = error.as_database_error().unwrap();
    assert_eq!(error.code().as_deref(), Some(REFUSED));
    assert!(error.message().contains("TRUNCATE"), "{}", error.message());

    let n: i64 =
        sqlx::query_scalar("SELECT (payload ->> 'n')::bigint FROM events WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(n, 0, "the event is unchanged");
}

/// The sealer, except that every batch fails after writing its seals, as a crash between
/// the writes and the commit would.
struct CrashingSealer;

#[async_trait]
impl Projector for CrashingSealer {
    fn name(&self) -> &'static str {
        SEALER_NAME
    }

    fn interest(&self) -> Option<Interest> {
        Sealer.interest()
    }

    fn stores_every_stretch(&self) -> bool {
        Sealer.stores_every_stretch()
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        batch: Batch<'_>,
    ) -> anyhow::Result<()> {
        Sealer.apply(tx, batch).await?;
        anyhow::bail!("simulated crash before commit")
    }
}

async fn ordinals(pool: &sqlx::PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT ordinal FROM event_seals ORDER BY transaction_id, global_position")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_crashed_sealer_continues_the_chain_without_a_gap() {
    let db = database().await;
    let pool = db.pool();
    for n in 0..5 {
        append(pool, "before-crash", n).await;
    }
    project(pool, &Sealer).await;
    assert_eq!(ordinals(pool).await, (1..=5).collect::<Vec<_>>());

    for n in 0..4 {
        append(pool, "after-crash", n).await;
    }
    // Another test's open transaction may hold the new events back for a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match ProjectorRunner::default()
            .catch_up(pool, &CrashingSealer)
            .await
        {
            Err(_) => break,
            Ok(0) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Ok(applied) => panic!("the crashing sealer committed {applied} events"),
        }
    }
    assert_eq!(
        ordinals(pool).await,
        (1..=5).collect::<Vec<_>>(),
        "nothing kept"
    );

    // Restarted: a new instance picks the chain up at the committed checkpoint.
    project(pool, &Sealer).await;
    assert_eq!(ordinals(pool).await, (1..=9).collect::<Vec<_>>());
    let verdict = verify_log(pool, VerifyOptions::default(), &mut |_| {})
        .await
        .unwrap();
    let Verdict::Intact(intact) = verdict else {
        panic!("{verdict:?}")
    };
    assert_eq!((intact.sealed, intact.unsealed), (9, 0));
}

/// PostgreSQL's `jsonb` text of each document, in one statement.
async fn printed_by_postgresql(pool: &PgPool, documents: &[String]) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT document::jsonb::text FROM UNNEST($1::text[]) WITH ORDINALITY AS d(document, n)
          ORDER BY n",
    )
    .bind(documents)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn json_is_printed_exactly_as_postgresql_prints_it_as_jsonb() {
    let db = database().await;
    let mut documents = Documents::new(0x005E_A10F_7E57);
    let corpus: Vec<String> = (0..4_000).map(|n| documents.document(n % 5)).collect();
    let printed = printed_by_postgresql(db.pool(), &corpus).await;
    for (document, printed) in corpus.iter().zip(&printed) {
        assert_eq!(
            jsonb_text(document).as_deref(),
            Some(printed.as_str()),
            "document {document:?}"
        );
    }
}

#[tokio::test]
async fn json_left_to_postgresql_is_sealed_as_it_prints_it() {
    let db = database().await;
    let pool = db.pool();
    // A `\u` escape beyond ASCII (PostgreSQL decodes it in the database's encoding), an
    // exponent beyond what our printer takes on, and JSON it prints itself.
    let payloads = [
        r#"{"name": "caf\u00e9", "b": 1}"#,
        r#"{"far": 1e1001, "a": [ 1 ]}"#,
        r#"{"b":1,"a":2}"#,
    ];
    for (sequence, payload) in payloads.iter().enumerate() {
        assert_eq!(jsonb_text(payload).is_none(), sequence < 2, "{payload}");
        sqlx::query(
            "INSERT INTO events
                 (aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
                  metadata)
             VALUES ('TestStream', 'escapes', $1, 'TestAppended', '1.0', $2::json, '{\"x\" : 1}'::json)",
        )
        .bind(sequence as i64)
        .bind(payload)
        .execute(pool)
        .await
        .unwrap();
    }
    let expected: Vec<(String, String)> = sqlx::query_as(
        "SELECT payload::jsonb::text, metadata::jsonb::text FROM events
          ORDER BY transaction_id, global_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    // Another test's open transaction may hold the newest rows back for a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let rows = read_canonical_after(&mut conn, LogPosition::START, 10)
            .await
            .unwrap();
        if rows.len() == payloads.len() || tokio::time::Instant::now() >= deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let read: Vec<(String, String)> = rows
        .into_iter()
        .map(|row| (row.payload, row.metadata))
        .collect();
    assert_eq!(read, expected);

    project(pool, &Sealer).await;
    let verdict = verify_log(pool, VerifyOptions::default(), &mut |_| {})
        .await
        .unwrap();
    let Verdict::Intact(intact) = verdict else {
        panic!("{verdict:?}")
    };
    assert_eq!((intact.sealed, intact.unsealed), (3, 0));
}

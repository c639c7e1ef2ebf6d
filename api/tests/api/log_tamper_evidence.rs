//! Tamper evidence of the event log. After a small sale the sealer has sealed every
//! event and the untouched log verifies. Then, each on its own database, a superuser
//! switches the append-only triggers off (`session_replication_role = replica`) and
//! edits, deletes, inserts or swaps events: `log verify` names the position and the kind.
//! A checkpoint kept outside still shows a tamper whose author recomputed the seals.

use carneau_api::cli::log_verify::{verify, StoredCheckpoints, VerifyRequest};
use carneau_projections::seals::{
    newest_checkpoint, sign_chain_head, BreakKind, CheckpointSigner, LogBreak, Sealer,
    SignedCheckpoint, Verdict,
};
use carneau_projections::{LogPosition, ProjectorRunner};
use sqlx::{Connection, PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::support::cli::carneau_command;
use crate::support::eventually;
use crate::support::payments::PaymentsApp;

/// The checkpoint signing seed of these tests (a test key, nothing else signs with it).
pub(crate) const SIGNING_SEED: &str =
    "4a1f0c9e7b2d6a8f3e5c1b9d7a2f4e6c8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a";

/// An event of the log as the sealer sealed it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SealedEvent {
    pub(crate) position: LogPosition,
    pub(crate) event_id: Uuid,
}

/// A sale (an event published, two tickets paid, one more held) whose events are all
/// sealed.
pub(crate) async fn sealed_sale() -> PaymentsApp {
    sealed_sale_with(&[]).await
}

/// [`sealed_sale`] on an app with these extra settings.
async fn sealed_sale_with(settings: &[(&str, &str)]) -> PaymentsApp {
    let app = PaymentsApp::start(settings).await;
    let on_sale = app.event(10).await;
    let checkout = app.checkout(on_sale, 2).await;
    app.pay(&checkout).await;
    app.hold(on_sale, 1).await;
    let pool = app.app.database.pool().clone();
    eventually("every event sealed", || async {
        let unsealed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_seals s \
              WHERE s.transaction_id = e.transaction_id \
                AND s.global_position = e.global_position)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (unsealed == 0).then_some(())
    })
    .await;
    app
}

pub(crate) async fn sealed_events(pool: &PgPool) -> Vec<SealedEvent> {
    sqlx::query(
        "SELECT e.transaction_id::text, e.global_position, e.event_id \
           FROM events e JOIN event_seals s USING (transaction_id, global_position) \
          ORDER BY e.transaction_id, e.global_position",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|row| SealedEvent {
        position: LogPosition {
            transaction_id: row.get::<String, _>(0).parse().unwrap(),
            global_position: row.get(1),
        },
        event_id: row.get(2),
    })
    .collect()
}

/// A superuser's connection on which the append-only triggers do not fire.
pub(crate) async fn tamperer(app: &PaymentsApp) -> PgConnection {
    let mut connection = PgConnection::connect_with(&app.app.database.connect_options())
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut connection)
        .await
        .unwrap();
    connection
}

async fn tamper(app: &PaymentsApp, statement: &str, event_id: Uuid) {
    let changed = sqlx::query(statement)
        .bind(event_id)
        .execute(&mut tamperer(app).await)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1, "{statement}");
}

async fn verdict(pool: &PgPool, checkpoint: Option<&SignedCheckpoint>) -> Verdict {
    verdict_with(pool, checkpoint, StoredCheckpoints::default()).await
}

/// The verdict of `log verify` with the trusted key, the kept `checkpoint` and `stored`.
pub(crate) async fn verdict_with(
    pool: &PgPool,
    checkpoint: Option<&SignedCheckpoint>,
    stored: StoredCheckpoints,
) -> Verdict {
    let file = checkpoint.map(|checkpoint| {
        let path = std::env::temp_dir().join(format!("checkpoint-{}.json", Uuid::new_v4()));
        std::fs::write(&path, serde_json::to_string(checkpoint).unwrap()).unwrap();
        path
    });
    let request = VerifyRequest {
        checkpoint_file: file.as_deref(),
        trusted_key: Some(signer().public_key()),
        stored_checkpoints: stored,
    };
    let verdict = verify(pool, request, &mut std::io::sink()).await.unwrap();
    if let Some(path) = file {
        std::fs::remove_file(path).ok();
    }
    verdict
}

async fn broken(pool: &PgPool) -> LogBreak {
    match verdict(pool, None).await {
        Verdict::Broken(broken) => broken,
        Verdict::Intact(intact) => panic!("the tamper went unnoticed: {intact}"),
    }
}

pub(crate) fn signer() -> CheckpointSigner {
    CheckpointSigner::from_seed_text(SIGNING_SEED).unwrap()
}

#[tokio::test]
async fn the_sealer_seals_every_event_of_a_sale_and_the_untouched_log_verifies() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool();
    let sealed = sealed_events(pool).await;
    let types: Vec<String> = sqlx::query_scalar("SELECT DISTINCT event_type FROM events")
        .fetch_all(pool)
        .await
        .unwrap();
    for expected in ["EventPublished", "HoldsPlaced", "HoldSold", "TicketsIssued"] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} in {types:?}"
        );
    }

    let Verdict::Intact(intact) = verdict(pool, None).await else {
        panic!("the untouched log does not verify")
    };
    assert!(intact.sealed >= sealed.len() as u64, "{intact}");
    assert!(intact.to_string().starts_with("intact: "), "{intact}");
}

/// A sealed sale, then `statement` run by a tamperer on the event `pick` chooses: that
/// event, and the break `log verify` reports.
async fn tamper_with_one_event(
    statement: &str,
    pick: fn(&[SealedEvent]) -> SealedEvent,
) -> (SealedEvent, LogBreak) {
    let app = sealed_sale().await;
    let target = pick(&sealed_events(app.app.database.pool()).await);
    tamper(&app, statement, target.event_id).await;
    (target, broken(app.app.database.pool()).await)
}

#[tokio::test]
async fn an_edited_payload_is_named_at_its_position() {
    let (target, broken) = tamper_with_one_event(
        "UPDATE events SET payload = '{\"forged\": true}' WHERE event_id = $1",
        |events| events[events.len() / 2],
    )
    .await;
    assert_eq!(broken.position, target.position);
    let event_id = target.event_id;
    assert_eq!(broken.kind, BreakKind::EditedPayload { event_id });
}

#[tokio::test]
async fn an_edited_metadata_is_named_at_its_position() {
    let (target, broken) = tamper_with_one_event(
        "UPDATE events SET metadata = (metadata::jsonb || '{\"actor\": \"nobody\"}')::json \
          WHERE event_id = $1",
        |events| events[events.len() / 3],
    )
    .await;
    assert_eq!(broken.position, target.position);
    let event_id = target.event_id;
    assert_eq!(broken.kind, BreakKind::EditedMetadata { event_id });
}

#[tokio::test]
async fn a_deleted_event_is_named_at_its_position() {
    let (target, broken) =
        tamper_with_one_event("DELETE FROM events WHERE event_id = $1", |events| {
            events[events.len() / 2]
        })
        .await;
    assert_eq!(broken.position, target.position);
    let event_id = target.event_id;
    assert_eq!(broken.kind, BreakKind::Deleted { event_id });
}

#[tokio::test]
async fn an_inserted_event_is_named_at_its_position() {
    let app = sealed_sale().await;
    let events = sealed_events(app.app.database.pool()).await;
    // Into the sealed part of the log: after the last event of an early transaction,
    // before the first event of the next one.
    let host = events
        .windows(2)
        .find(|pair| pair[1].position.transaction_id > pair[0].position.transaction_id)
        .map(|pair| pair[0])
        .unwrap();
    let position = LogPosition {
        transaction_id: host.position.transaction_id,
        global_position: 9_000_000_000,
    };
    let inserted: Uuid = sqlx::query_scalar(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
                             event_version, payload, metadata, transaction_id, global_position) \
         OVERRIDING SYSTEM VALUE \
         VALUES ('Order', $1, 0, 'TicketsRefunded', '1.0', '{}', '{}', $2::text::xid8, $3) \
         RETURNING event_id",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .fetch_one(&mut tamperer(&app).await)
    .await
    .unwrap();

    let broken = broken(app.app.database.pool()).await;
    assert_eq!(broken.position, position);
    assert_eq!(broken.kind, BreakKind::Inserted { event_id: inserted });
}

#[tokio::test]
async fn two_swapped_events_are_named_at_the_first() {
    let app = sealed_sale().await;
    let events = sealed_events(app.app.database.pool()).await;
    let (first, second) = (events[1], events[4]);
    let mut tamperer = tamperer(&app).await;
    let mut tx = tamperer.begin().await.unwrap();
    let pair = format!("'{}', '{}'", first.event_id, second.event_id);
    for statement in [
        format!(
            "CREATE TEMPORARY TABLE swapped AS SELECT * FROM events WHERE event_id IN ({pair})"
        ),
        format!("DELETE FROM events WHERE event_id IN ({pair})"),
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata, recorded_at, event_id, transaction_id, \
                             global_position) \
         OVERRIDING SYSTEM VALUE \
         SELECT mine.aggregate_type, mine.aggregate_id, mine.sequence, mine.event_type, \
                mine.event_version, mine.payload, mine.metadata, mine.recorded_at, \
                mine.event_id, theirs.transaction_id, theirs.global_position \
           FROM swapped mine JOIN swapped theirs ON theirs.event_id <> mine.event_id"
            .to_owned(),
    ] {
        sqlx::query(&statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();

    let broken = broken(app.app.database.pool()).await;
    assert_eq!(broken.position, first.position);
    assert_eq!(
        broken.kind,
        BreakKind::Swapped {
            event_id: second.event_id,
            with: second.position
        }
    );
}

#[tokio::test]
async fn a_checkpoint_shows_a_tamper_hidden_by_recomputed_seals() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool();
    let checkpoint = sign_chain_head(pool, &signer()).await.unwrap().unwrap();
    let Verdict::Intact(intact) = verdict(pool, Some(&checkpoint)).await else {
        panic!("the untouched log does not match its checkpoint")
    };
    assert_eq!(intact.checkpoint.unwrap().position, checkpoint.position);

    let events = sealed_events(pool).await;
    let target = events[2];
    let edit = "UPDATE events SET payload = '{\"forged\": true}' WHERE event_id = $1";
    tamper(&app, edit, target.event_id).await;
    // The attacker rebuilds the whole chain over the forged log.
    ProjectorRunner::default()
        .rebuild(pool, &Sealer, |conn| {
            Box::pin(async move {
                sqlx::query("DELETE FROM event_seals").execute(conn).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert!(
        matches!(
            verdict_with(pool, None, StoredCheckpoints::Skip).await,
            Verdict::Intact(_)
        ),
        "the stored seals alone cannot show a rewritten chain"
    );
    // The checkpoint signed into the database before the rewrite shows it too (unless the
    // attacker also deleted it: hence the copies kept outside).
    let Verdict::Broken(broken) = verdict(pool, None).await else {
        panic!("the stored checkpoint did not show the tamper")
    };
    assert_eq!(broken.position, checkpoint.position);
    assert!(
        matches!(&broken.kind, BreakKind::StoredCheckpoint { problem, .. }
            if matches!(**problem, BreakKind::CheckpointMismatch { .. })),
        "{broken}"
    );

    let Verdict::Broken(broken) = verdict(pool, Some(&checkpoint)).await else {
        panic!("the checkpoint did not show the tamper")
    };
    assert_eq!(broken.position, checkpoint.position);
    assert_eq!(
        broken.kind,
        BreakKind::CheckpointMismatch {
            counted: checkpoint.event_count,
            signed: checkpoint.event_count
        }
    );
}

#[tokio::test]
async fn with_a_signing_key_the_servers_sign_the_head_of_the_resting_log() {
    let app = sealed_sale_with(&[("CARNEAU_AUDIT_SIGNING_KEY", SIGNING_SEED)]).await;
    let pool = app.app.database.pool();
    let head = carneau_projections::seals::chain_head(pool)
        .await
        .unwrap()
        .unwrap();
    // The signer looks every few seconds: give it the time of several looks.
    let patience = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let signed = loop {
        let newest = newest_checkpoint(pool).await.unwrap();
        if let Some(checkpoint) = newest.filter(|c| c.position >= head.position) {
            break checkpoint;
        }
        assert!(
            tokio::time::Instant::now() < patience,
            "no checkpoint signed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    signed
        .verify_signature(Some(&signer().public_key()))
        .unwrap();
    let Verdict::Intact(intact) = verdict(pool, Some(&signed)).await else {
        panic!("the log does not match the servers' checkpoint")
    };
    assert_eq!(intact.checkpoint.unwrap().event_count, signed.event_count);
}

#[tokio::test]
async fn the_carneau_binary_exports_a_checkpoint_and_verifies_against_it() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool();
    let signed = sign_chain_head(pool, &signer()).await.unwrap().unwrap();
    let carneau = |args: &[&str]| {
        carneau_command(&app.app.database, &app.app.redis)
            .env("CARNEAU_AUDIT_SIGNING_KEY", SIGNING_SEED)
            .args(args)
            .output()
            .unwrap()
    };

    let key = carneau(&["log", "public-key"]);
    assert!(key.status.success());
    let key = String::from_utf8(key.stdout).unwrap();
    assert!(key.starts_with(&signer().public_key().to_string()), "{key}");
    assert!(!key.contains(SIGNING_SEED));

    let file = std::env::temp_dir().join(format!("checkpoint-{}.json", Uuid::new_v4()));
    let file_arg = file.to_str().unwrap();
    assert!(carneau(&["log", "checkpoint", "--output", file_arg])
        .status
        .success());
    let exported: SignedCheckpoint =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported, signed);

    let intact = carneau(&["log", "verify", "--checkpoint", file_arg]);
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(intact.status.success(), "{stdout}");
    assert!(stdout.starts_with("intact: "), "{stdout}");

    let events = sealed_events(pool).await;
    let target = events[events.len() / 2];
    tamper(
        &app,
        "DELETE FROM events WHERE event_id = $1",
        target.event_id,
    )
    .await;
    let tampered = carneau(&["log", "verify", "--checkpoint", file_arg]);
    std::fs::remove_file(&file).ok();
    let stderr = String::from_utf8_lossy(&tampered.stderr);
    assert_eq!(tampered.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("broken at {}", target.position)),
        "{stderr}"
    );
    assert!(stderr.contains("deleted"), "{stderr}");
}

#[tokio::test]
async fn verifying_a_database_that_does_not_exist_fails_and_creates_nothing() {
    let database = carneau_testkit::TestDatabase::create().await.unwrap();
    let redis = carneau_testkit::TestRedis::create().await.unwrap();
    let missing = format!("carneau_missing_{}", Uuid::new_v4().simple());
    let server = carneau_testkit::server_url();
    let url = format!("{}/{missing}", server.rsplit_once('/').unwrap().0);

    let verified = carneau_command(&database, &redis)
        .env("DATABASE_URL", &url)
        .args(["log", "verify"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert_eq!(verified.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(
        verified.stdout.is_empty(),
        "an empty log must not read as intact"
    );

    let created: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&missing)
            .fetch_one(database.pool())
            .await
            .unwrap();
    assert!(!created, "verify created the database it was pointed at");
}

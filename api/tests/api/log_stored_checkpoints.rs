//! `carneau log verify` checks the signed checkpoints the servers stored in
//! `event_seal_checkpoints`: each must be signed by the trusted key, and the recomputed
//! chain must reach its head. A checkpoint forged in the database is named. And of the
//! signers every server runs, one signs at a time.

use carneau_api::cli::log_verify::StoredCheckpoints;
use carneau_projections::seals::checkpoints::CHECKPOINT_CHECK_INTERVAL;
use carneau_projections::seals::{
    run_checkpoint_signer, sign_chain_head, stored_checkpoints, BreakKind, CheckpointSigner, Seal,
    Verdict,
};
use tokio_util::sync::CancellationToken;

use crate::log_tamper_evidence::{
    sealed_events, sealed_sale, signer, tamperer, verdict_with, SIGNING_SEED,
};
use crate::support::cli::{carneau, stdout};

/// A second signing seed: another process's key, to tell whose checkpoints are stored.
const OTHER_SEED: &str = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

#[tokio::test]
async fn verify_checks_the_stored_checkpoints_and_names_a_forged_one() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool();
    let signed = sign_chain_head(pool, &signer()).await.unwrap().unwrap();
    let key = [("CARNEAU_AUDIT_SIGNING_KEY", SIGNING_SEED)];
    let (database, redis) = (&app.app.database, &app.app.redis);

    let intact = carneau(database, redis, &key, &["log", "verify"]).await;
    let summary = stdout(&intact);
    assert!(intact.status.success(), "{summary}");
    assert!(
        summary.contains("matches the 1 stored checkpoint checked"),
        "{summary}"
    );

    // A superuser edits the stored head: its signature no longer matches.
    sqlx::query("UPDATE event_seal_checkpoints SET head_seal = $1")
        .bind(Seal::digest("forged").0.as_slice())
        .execute(&mut tamperer(&app).await)
        .await
        .unwrap();
    let forged = carneau(database, redis, &key, &["log", "verify"]).await;
    let stderr = String::from_utf8_lossy(&forged.stderr);
    assert_eq!(forged.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "broken at {} (event #{}): the stored checkpoint signed {}",
            signed.position,
            signed.event_count,
            signed.signed_at.format("%Y-%m-%dT%H:%M:%S"),
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("by key {}: ", signed.key_id)),
        "{stderr}"
    );
    assert!(stderr.contains("signature does not match"), "{stderr}");
    // Told not to look at the stored checkpoints, verify sees only the intact seals.
    let skipped = carneau(
        database,
        redis,
        &key,
        &["log", "verify", "--stored-checkpoints", "0"],
    )
    .await;
    assert!(skipped.status.success(), "{}", stdout(&skipped));
}

#[tokio::test]
async fn a_stored_checkpoint_signed_over_another_head_is_a_finding() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool();
    let events = sealed_events(pool).await;
    // Signed with the real key, but over a head that is not the chain's at that position
    // (what a holder of the key would sign to cover a rewritten log).
    let position = events[2].position;
    let wrong = signer().sign(position, 3, Seal::digest("rewritten"), chrono::Utc::now());
    sqlx::query(
        "INSERT INTO event_seal_checkpoints (transaction_id, global_position, event_count, \
                                             head_seal, signed_at, public_key, signature) \
         VALUES ($1::text::xid8, $2, 3, $3, $4, $5, $6)",
    )
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .bind(wrong.head_seal.0.as_slice())
    .bind(wrong.signed_at)
    .bind(wrong.public_key.0.as_bytes().as_slice())
    .bind(wrong.signature.0.to_bytes().as_slice())
    .execute(pool)
    .await
    .unwrap();

    let Verdict::Broken(broken) = verdict_with(pool, None, StoredCheckpoints::All).await else {
        panic!("a checkpoint over another head went unnoticed")
    };
    assert_eq!(broken.position, position);
    let BreakKind::StoredCheckpoint {
        problem, key_id, ..
    } = broken.kind
    else {
        panic!("not a stored checkpoint: {broken}")
    };
    assert_eq!(key_id, signer().public_key().key_id());
    assert_eq!(
        *problem,
        BreakKind::CheckpointMismatch {
            counted: 3,
            signed: 3
        }
    );
    // Only the newest one checked: the bad one is older than the head signed now.
    sign_chain_head(pool, &signer()).await.unwrap().unwrap();
    let newest = verdict_with(pool, None, StoredCheckpoints::Newest(1)).await;
    assert!(matches!(newest, Verdict::Intact(_)), "{newest:?}");
}

/// Who signed the stored checkpoints: one key id per checkpoint, in the order signed.
async fn signers_of_stored(pool: &sqlx::PgPool) -> Vec<String> {
    stored_checkpoints(pool, None)
        .await
        .unwrap()
        .into_iter()
        .map(|checkpoint| checkpoint.key_id)
        .collect()
}

#[tokio::test]
async fn of_two_checkpoint_signers_on_one_database_one_signs_and_the_other_takes_over() {
    let app = sealed_sale().await;
    let pool = app.app.database.pool().clone();
    // Two processes' signers, told apart by their keys. Each alone signs the resting
    // head within a look or two (every 5 s), whatever the other has signed.
    let keys = [
        signer(),
        CheckpointSigner::from_seed_text(OTHER_SEED).unwrap(),
    ];
    let stops = [CancellationToken::new(), CancellationToken::new()];
    for (key, stop) in keys.iter().zip(&stops) {
        tokio::spawn(run_checkpoint_signer(
            pool.clone(),
            (*pool.connect_options()).clone(),
            key.clone(),
            stop.clone(),
        ));
    }
    let first = within_looks("a checkpoint signed", || async {
        signers_of_stored(&pool).await.first().cloned()
    })
    .await;
    // Three more looks of both: still one signer only.
    tokio::time::sleep(CHECKPOINT_CHECK_INTERVAL * 3).await;
    let signed = signers_of_stored(&pool).await;
    assert!(signed.iter().all(|key| *key == first), "{signed:?}");

    // The active one stops (its process ends): the other takes the lock and signs.
    let active = keys
        .iter()
        .position(|key| key.public_key().key_id() == first)
        .unwrap();
    stops[active].cancel();
    let other = keys[1 - active].public_key().key_id();
    within_looks("the standby to sign", || async {
        signers_of_stored(&pool)
            .await
            .contains(&other)
            .then_some(())
    })
    .await;
    stops[1 - active].cancel();
}

/// Waits for `probe` to see something, for up to a few looks of a signer (a standby
/// looks every 5 s; `eventually`'s patience is shorter).
async fn within_looks<T, Fut: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut probe: impl FnMut() -> Fut,
) -> T {
    let deadline = tokio::time::Instant::now() + CHECKPOINT_CHECK_INTERVAL * 6;
    loop {
        if let Some(seen) = probe().await {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited too long for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

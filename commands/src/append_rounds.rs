//! Appends of many aggregates of one type committed together, in rounds.
//!
//! During a paying rush every order appends twice (placed; paid with its tickets), each
//! append a statement, a commit and a wake-up of every projector in PostgreSQL, and a
//! pooled connection in this process. One task per store takes the appends that queued
//! while its previous round was in flight and inserts them in one statement, so one
//! commit: in a quiet moment an append goes alone at once, under load a round gathers
//! what arrived during one commit, with no timer, as the reservation desk gathers holds.
//!
//! Optimistic versioning is unchanged. A round is inserted all or none, so when one of
//! its appends collides with another writer's (or the round fails otherwise) nothing of
//! it is in, and each append is tried again alone, side by side, and gets its own verdict
//! as if there had been no round. A round whose outcome is unknown (the connection lost
//! at commit) is tried again the same way: an append that did go in then collides with
//! itself and its caller reads the aggregate again, as after losing any race.

use metrics::counter;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::event_store::{self, AppendError, EncodedAppend, StoreError};
use crate::metrics::{APPENDS_IN_ROUNDS, APPEND_ROUNDS};

/// The most appends one round inserts: a few hundred rows, one statement of well under a
/// megabyte.
const ROUND_LIMIT: usize = 128;
/// Appends waiting for a round; a caller past it waits for room.
const QUEUE_CAPACITY: usize = 4_096;

/// The round task of one aggregate type on one pool.
#[derive(Debug)]
pub struct AppendRounds {
    pool: PgPool,
    aggregate_type: &'static str,
    appends: mpsc::Sender<Queued>,
}

/// One caller's append and where its verdict goes.
struct Queued {
    append: EncodedAppend,
    reply: Reply,
}

/// Where one append's verdict goes.
type Reply = oneshot::Sender<Result<(), AppendError>>;

impl AppendRounds {
    /// Starts committing appends of `aggregate_type` on `pool` in rounds; the task ends
    /// when this is dropped. Must be called inside a Tokio runtime.
    pub fn start(pool: PgPool, aggregate_type: &'static str) -> Self {
        let (appends, inbox) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(pool.clone(), aggregate_type, inbox));
        Self {
            pool,
            aggregate_type,
            appends,
        }
    }

    /// Appends `append` in the next round: `Ok` once committed, [`AppendError::Conflict`]
    /// (and nothing appended) if the aggregate moved past the version it was decided on.
    pub async fn append(&self, append: EncodedAppend) -> Result<(), AppendError> {
        if append.is_empty() {
            return Ok(());
        }
        let (reply, verdict) = oneshot::channel();
        let queued = Queued { append, reply };
        let append = match self.appends.send(queued).await {
            Ok(()) => match verdict.await {
                Ok(verdict) => return verdict,
                // The task stopped with this append in hand (it cannot, short of a panic),
                // so whether it went in is unknown: "retry later", and the retry reads.
                Err(_) => return Err(AppendError::Store(task_gone())),
            },
            Err(mpsc::error::SendError(queued)) => queued.append,
        };
        alone(&self.pool, self.aggregate_type, append).await
    }
}

/// The round task: one round at a time, each of whatever queued meanwhile.
async fn run(pool: PgPool, aggregate_type: &'static str, mut inbox: mpsc::Receiver<Queued>) {
    while let Some(first) = inbox.recv().await {
        let mut round = vec![first];
        while round.len() < ROUND_LIMIT {
            match inbox.try_recv() {
                Ok(queued) => round.push(queued),
                Err(_) => break,
            }
        }
        commit(&pool, aggregate_type, round).await;
    }
}

/// Inserts `round` in one statement and answers every caller; when a round of several
/// fails, inserts each of its appends alone, side by side, and answers each its own
/// verdict (a round of one has had its own).
#[tracing::instrument(name = "append_round", skip_all, fields(aggregate = aggregate_type, appends = round.len()))]
async fn commit(pool: &PgPool, aggregate_type: &'static str, round: Vec<Queued>) {
    let (appends, replies): (Vec<EncodedAppend>, Vec<_>) = round
        .into_iter()
        .map(|queued| (queued.append, queued.reply))
        .unzip();
    let count = appends.len() as u64;
    match insert(pool, aggregate_type, &appends).await {
        Ok(()) => {
            counter!(APPEND_ROUNDS, "aggregate" => aggregate_type, "outcome" => "committed")
                .increment(1);
            counter!(APPENDS_IN_ROUNDS, "aggregate" => aggregate_type).increment(count);
            for reply in replies {
                // A caller that gave up waiting has nothing to be told.
                let _ = reply.send(Ok(()));
            }
        }
        Err(error) if count == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
        Err(error) => {
            counter!(APPEND_ROUNDS, "aggregate" => aggregate_type, "outcome" => "split")
                .increment(1);
            tracing::debug!(%error, appends = count, "round not committed; its appends go alone");
            split(pool, aggregate_type, appends, replies).await;
        }
    }
}

/// Each of a failed round's appends alone, side by side, each answered its own verdict.
async fn split(
    pool: &PgPool,
    aggregate_type: &'static str,
    appends: Vec<EncodedAppend>,
    replies: Vec<Reply>,
) {
    let mut alone_appends = JoinSet::new();
    for (append, reply) in appends.into_iter().zip(replies) {
        let pool = pool.clone();
        alone_appends.spawn(async move {
            let verdict = alone(&pool, aggregate_type, append).await;
            if verdict.is_ok() {
                counter!(APPENDS_IN_ROUNDS, "aggregate" => aggregate_type).increment(1);
            }
            let _ = reply.send(verdict);
        });
    }
    while alone_appends.join_next().await.is_some() {}
}

/// One append in a statement of its own.
async fn alone(
    pool: &PgPool,
    aggregate_type: &str,
    append: EncodedAppend,
) -> Result<(), AppendError> {
    insert(pool, aggregate_type, std::slice::from_ref(&append)).await
}

async fn insert(
    pool: &PgPool,
    aggregate_type: &str,
    appends: &[EncodedAppend],
) -> Result<(), AppendError> {
    let mut conn = pool.acquire().await.map_err(StoreError::from)?;
    event_store::insert(&mut conn, aggregate_type, appends).await
}

/// What a caller is told when the task stopped with its append in hand: the store is
/// unavailable to it for now.
fn task_gone() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

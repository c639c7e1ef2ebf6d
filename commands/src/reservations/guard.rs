//! The Redis reservation guard: a fast, atomic admission filter in front of the event log.
//!
//! It turns away holds that cannot succeed (sold out) without touching PostgreSQL and
//! tracks in-flight holds with their expiry. A ticket type in a capacity pool is admitted
//! only within both its own capacity and the pool's, in the same script. It is derived state: when it is missing the
//! caller rebuilds it from the log, and the log's decision always wins afterwards.
//!
//! Each operation is one Lua script call on four keys of one event, all under the hash
//! tag `{<event_id>}` so the guard works on a cluster too (the `layout` module names them).

mod layout;
mod shared_calls;
mod terms;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use carneau_domain::ids::{EventId, ReservationId, TicketTypeId};
use carneau_domain::inventory::{CodeUse, IfCodeUsedUp};
use fred::prelude::{Client, FromValue, HashesInterface, KeysInterface, LuaInterface};
use fred::types::scripts::Script;
use fred::types::Value;
use tokio::sync::oneshot;
use tracing::instrument;

use layout::{decode_admission, encode_hold, merge_lines, EventKeys, Scripts};
use shared_calls::{CallQueues, Waiting};
pub use terms::{
    Admission, Followed, GuardCode, GuardCodeStock, GuardHold, GuardLine, GuardPool, GuardSnapshot,
    GuardStock, Replaced,
};

/// How long a guard outlives its latest hold before Redis drops it as abandoned.
pub const GUARD_IDLE_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// How many marks of payment facts followed in place the guard keeps (the latest ones):
/// enough for facts followed out of order by concurrent payments, bounded however many
/// payments an event takes. A fact older than every mark kept, and newer than the
/// guard's snapshot, makes the guard ask to be rebuilt ([`Followed::Disagrees`]).
pub const FOLLOWED_MARKS_KEPT: u32 = 1024;

/// How far past [`GUARD_IDLE_LIFETIME_MS`] an admission pushes the guard's expiry, so that
/// only about one admission per this period rewrites the expiry of the keys.
pub const GUARD_EXPIRY_SLACK_MS: i64 = 60 * 60 * 1000;

/// How many ARGV fields each request takes in `admit.lua`.
const ADMISSION_FIELDS: usize = 9;
/// How many ARGV fields each payment fact takes in `follow.lua`.
const FOLLOW_FIELDS: usize = 6;

/// Why the guard could not answer; callers treat every error as "guard unavailable".
#[derive(Debug, Clone, thiserror::Error)]
pub enum GuardError {
    /// Redis failed or refused the command.
    #[error("Redis failed a reservation guard command")]
    Redis(#[from] fred::error::Error),
    /// A script replied with something this code does not understand.
    #[error("the reservation guard replied unexpectedly: {0}")]
    UnexpectedReply(String),
    /// The caller asked for something that cannot be recorded.
    #[error("invalid reservation guard request: {0}")]
    InvalidRequest(&'static str),
    /// The batch carrying the request ended without answering it.
    #[error("the reservation guard's batch ended without an answer")]
    Unanswered,
}

/// Admission filter for holds, kept in Redis under `prefix`.
#[derive(Debug, Clone)]
pub struct ReservationGuard {
    redis: Client,
    prefix: String,
    /// Admissions waiting for their event's next script call (see `shared_calls`).
    admissions: Arc<CallQueues<Waiting<ADMISSION_FIELDS, Admission>>>,
    /// Payment facts waiting for their event's next call of `follow.lua`.
    follows: Arc<CallQueues<Waiting<FOLLOW_FIELDS, Followed>>>,
}

impl ReservationGuard {
    /// A guard keeping its keys under `prefix` on `redis` (a connected client).
    pub fn new(redis: Client, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            admissions: Arc::default(),
            follows: Arc::default(),
        }
    }

    /// Admits a hold of `lines` (all or nothing), with its uses of a promo code within the
    /// code's limit (`code`; or, when they do not fit and the buyer asked so, the lines
    /// alone: [`Admission::AdmittedWithoutCode`]), until `expires_at_ms`, after dropping the
    /// event's holds that lapsed by `now_ms`. Lines of the same ticket type are summed.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn admit(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
        lines: &[GuardLine],
        code: Option<&GuardCode>,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<Admission, GuardError> {
        let lines = merge_lines(lines);
        if lines.is_empty() {
            return Err(GuardError::InvalidRequest(
                "a hold needs at least one ticket",
            ));
        }
        if expires_at_ms <= now_ms {
            return Err(GuardError::InvalidRequest(
                "a hold must expire after it starts",
            ));
        }
        let keep_until_ms = expires_at_ms.saturating_add(GUARD_IDLE_LIFETIME_MS);
        let (code_line, max_uses, if_used_up) = match code {
            Some(code) => (
                layout::code_line(&code.code_use.code),
                code.max_uses.to_string(),
                match code.if_used_up {
                    IfCodeUsedUp::HoldWithoutCode => "hold_without_code".to_owned(),
                    IfCodeUsedUp::Refuse => String::new(),
                },
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let fields = [
            now_ms.to_string(),
            expires_at_ms.to_string(),
            reservation_id.to_string(),
            keep_until_ms.to_string(),
            keep_until_ms
                .saturating_add(GUARD_EXPIRY_SLACK_MS)
                .to_string(),
            encode_hold(&lines, code.map(|code| &code.code_use)),
            code_line,
            max_uses,
            if_used_up,
        ];
        let admission = self.in_shared_call(event_id, fields, &ADMISSIONS).await?;
        if let Admission::SoldOut {
            ticket_type_id,
            available,
        } = admission
        {
            tracing::debug!(%ticket_type_id, available, "hold refused by the guard: sold out");
        }
        Ok(admission)
    }

    /// Asks `call`'s script about one request (its `fields`) in the event's next call,
    /// together with the requests that come meanwhile; starts the event's flight if none
    /// runs.
    async fn in_shared_call<const FIELDS: usize, T: Send + 'static>(
        &self,
        event_id: EventId,
        fields: [String; FIELDS],
        call: &'static SharedCall<FIELDS, T>,
    ) -> Result<T, GuardError> {
        let (answer, answered) = oneshot::channel();
        if (call.queues)(self).push(event_id, Waiting { fields, answer }) {
            let guard = self.clone();
            tokio::spawn(async move { guard.fly(event_id, call).await });
        }
        answered.await.map_err(|_| GuardError::Unanswered)?
    }

    /// Sends the event's requests waiting for `call`, a batch per script call, until none
    /// waits, and answers each with its reply. A task of its own: a caller that goes away
    /// must not strand the others' answers.
    async fn fly<const FIELDS: usize, T>(&self, event_id: EventId, call: &SharedCall<FIELDS, T>) {
        let script = (call.script)(Scripts::get());
        let shared = (call.shared)();
        while let Some(batch) = (call.queues)(self).next_batch(event_id) {
            let (args, answers) = shared_calls::into_call(&shared, batch);
            let asked = answers.len();
            let replies = self
                .run::<Vec<Value>>(script, event_id, args)
                .await
                .and_then(|replies| {
                    if replies.len() == asked {
                        Ok(replies)
                    } else {
                        Err(unexpected(format!(
                            "{} replies to {asked} requests",
                            replies.len()
                        )))
                    }
                });
            match replies {
                Ok(replies) => {
                    for (reply, answer) in replies.into_iter().zip(answers) {
                        // A caller that went away no longer needs its answer.
                        let _ = answer.send((call.decode)(reply));
                    }
                }
                Err(error) => {
                    for answer in answers {
                        let _ = answer.send(Err(error.clone()));
                    }
                }
            }
        }
    }

    /// Gives the tickets of a hold back. Idempotent: an unknown or lapsed hold is a no-op.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn release(
        &self,
        event_id: EventId,
        reservation_id: ReservationId,
    ) -> Result<(), GuardError> {
        let args = vec![reservation_id.to_string()];
        let _: i64 = self.run(&Scripts::get().release, event_id, args).await?;
        Ok(())
    }

    /// Follows a sale appended to the log at `log_version`: the hold's tickets stop being
    /// held and `lines` (the log's) count as sold. An unlapsed sale (`late == false`) of a
    /// hold the guard does not have [`Disagrees`](Followed::Disagrees); a late sale of a
    /// hold the guard already purged only adds `lines` to sold. Idempotent per version.
    /// `code_use` (the sale's promo code uses) counts as spent.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn sell(
        &self,
        event_id: EventId,
        log_version: u64,
        reservation_id: ReservationId,
        lines: &[GuardLine],
        code_use: Option<&CodeUse>,
        late: bool,
    ) -> Result<Followed, GuardError> {
        let kind = if late { "sell_late" } else { "sell" };
        let fields = [
            log_version.to_string(),
            kind.to_owned(),
            reservation_id.to_string(),
            encode_hold(&merge_lines(lines), code_use),
            String::new(),
            String::new(),
        ];
        self.follow(event_id, fields).await
    }

    /// Follows a hold extension appended to the log at `log_version`: the hold now lapses
    /// at `expires_at_ms`. A hold the guard does not have [`Disagrees`](Followed::Disagrees).
    /// Idempotent per version.
    #[instrument(skip_all, fields(event_id = %event_id, reservation_id = %reservation_id))]
    pub async fn extend(
        &self,
        event_id: EventId,
        log_version: u64,
        reservation_id: ReservationId,
        expires_at_ms: i64,
    ) -> Result<Followed, GuardError> {
        let keep_until_ms = expires_at_ms.saturating_add(GUARD_IDLE_LIFETIME_MS);
        let fields = [
            log_version.to_string(),
            "extend".to_owned(),
            reservation_id.to_string(),
            expires_at_ms.to_string(),
            keep_until_ms.to_string(),
            keep_until_ms
                .saturating_add(GUARD_EXPIRY_SLACK_MS)
                .to_string(),
        ];
        self.follow(event_id, fields).await
    }

    /// Follows refunded tickets going back on sale, appended to the log at `log_version`:
    /// `lines` stop counting as sold, and `code_use` (uses an organiser gave back) as
    /// spent. Fewer sold than returned [`Disagrees`](Followed::Disagrees). Idempotent per
    /// version.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn return_tickets(
        &self,
        event_id: EventId,
        log_version: u64,
        lines: &[GuardLine],
        code_use: Option<&CodeUse>,
    ) -> Result<Followed, GuardError> {
        let fields = [
            log_version.to_string(),
            "return".to_owned(),
            String::new(),
            encode_hold(&merge_lines(lines), code_use),
            String::new(),
            String::new(),
        ];
        self.follow(event_id, fields).await
    }

    /// Installs `snapshot` only if the event's guard does not exist (or is broken),
    /// atomically: a guard that another process loaded meanwhile is kept. Returns whether
    /// it was installed.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn load_if_missing(
        &self,
        event_id: EventId,
        snapshot: &GuardSnapshot,
    ) -> Result<bool, GuardError> {
        Ok(self.install(event_id, snapshot, "if_missing").await? == 1)
    }

    /// Replaces the event's guard with `snapshot`, atomically (the log disagreed with it),
    /// unless the guard counts facts after the snapshot's `log_version`: a rebuild that
    /// read the log before a refund's return was followed in place must not wipe it.
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn replace(
        &self,
        event_id: EventId,
        snapshot: &GuardSnapshot,
    ) -> Result<Replaced, GuardError> {
        match self.install(event_id, snapshot, "replace").await? {
            1 => Ok(Replaced::Installed),
            -1 => Ok(Replaced::Stale),
            other => Err(unexpected(other)),
        }
    }

    /// Records a catalogue change of one ticket type's capacity (adding the type if new).
    /// A guard that is not loaded stays absent: its next load reads the log anyway.
    #[instrument(skip_all, fields(event_id = %event_id, ticket_type_id = %ticket_type_id))]
    pub async fn set_capacity(
        &self,
        event_id: EventId,
        ticket_type_id: TicketTypeId,
        capacity: u32,
    ) -> Result<(), GuardError> {
        let args = vec![ticket_type_id.to_string(), capacity.to_string()];
        let _: i64 = self
            .run(&Scripts::get().set_capacity, event_id, args)
            .await?;
        Ok(())
    }

    /// Deletes the event's guard; the next admission answers [`Admission::NotLoaded`].
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn forget(&self, event_id: EventId) -> Result<(), GuardError> {
        let _: i64 = self.redis.del(self.keys(event_id).all()).await?;
        Ok(())
    }

    /// Whether the event's guard is loaded (one key read; a guard with a key lost is found
    /// broken, and rebuilt, by its next admission).
    #[instrument(skip_all, fields(event_id = %event_id))]
    pub async fn is_loaded(&self, event_id: EventId) -> Result<bool, GuardError> {
        Ok(self
            .redis
            .hexists(self.keys(event_id).meta(), "loaded")
            .await?)
    }

    /// Tickets of one type still free at `now_ms`, or `None` when the guard (or this ticket
    /// type in it) is not loaded. For tests and diagnostics; it purges lapsed holds too.
    #[instrument(skip_all, fields(event_id = %event_id, ticket_type_id = %ticket_type_id))]
    pub async fn available(
        &self,
        event_id: EventId,
        ticket_type_id: TicketTypeId,
        now_ms: i64,
    ) -> Result<Option<u32>, GuardError> {
        let args = vec![now_ms.to_string(), ticket_type_id.to_string()];
        let reply: Option<i64> = self.run(&Scripts::get().available, event_id, args).await?;
        reply
            .map(|free| u32::try_from(free).map_err(|_| unexpected(free)))
            .transpose()
    }

    /// Follows one payment fact (`fields` of `follow.lua`) in the event's next call of
    /// the script, shared with the facts that come meanwhile (a paying rush follows a
    /// sale and an extension per order).
    async fn follow(
        &self,
        event_id: EventId,
        fields: [String; FOLLOW_FIELDS],
    ) -> Result<Followed, GuardError> {
        self.in_shared_call(event_id, fields, &FOLLOWS).await
    }

    async fn install(
        &self,
        event_id: EventId,
        snapshot: &GuardSnapshot,
        mode: &'static str,
    ) -> Result<i64, GuardError> {
        let latest_hold_ms = snapshot.holds.iter().map(|hold| hold.expires_at_ms).max();
        let keep_until_ms = latest_hold_ms
            .unwrap_or(i64::MIN)
            .max(wall_clock_ms())
            .saturating_add(GUARD_IDLE_LIFETIME_MS);
        let args = layout::install_args(mode, keep_until_ms, snapshot)?;
        self.run(&Scripts::get().install, event_id, args).await
    }

    /// Runs one guard script on the event's keys: EVALSHA, or EVAL with the script's body
    /// when Redis forgot it (restart, SCRIPT FLUSH). EVAL caches it again, and unlike
    /// SCRIPT LOAD then EVALSHA it leaves no gap for another flush to fall into.
    async fn run<R: FromValue>(
        &self,
        script: &Script,
        event_id: EventId,
        args: Vec<String>,
    ) -> Result<R, GuardError> {
        let keys = self.keys(event_id).all();
        match script
            .evalsha(&self.redis, keys.clone(), args.clone())
            .await
        {
            Err(error) if error.details().starts_with("NOSCRIPT") => {
                let lua = script.lua().ok_or_else(|| unexpected(error))?;
                Ok(self.redis.eval(lua.clone(), keys, args).await?)
            }
            result => Ok(result?),
        }
    }

    fn keys(&self, event_id: EventId) -> EventKeys {
        EventKeys::new(&self.prefix, event_id)
    }
}

/// A kind of request whose calls the requests of one event share: where they wait, the
/// script, the ARGV every call has after the count, and how one request's reply reads.
struct SharedCall<const FIELDS: usize, T> {
    queues: fn(&ReservationGuard) -> &CallQueues<Waiting<FIELDS, T>>,
    script: fn(&Scripts) -> &Script,
    shared: fn() -> Vec<String>,
    decode: fn(Value) -> Result<T, GuardError>,
}

/// Hold requests, decided by `admit.lua`.
static ADMISSIONS: SharedCall<ADMISSION_FIELDS, Admission> = SharedCall {
    queues: |guard| &guard.admissions,
    script: |scripts| &scripts.admit,
    shared: Vec::new,
    decode: decode_admission_reply,
};

/// Payment facts, followed by `follow.lua`, which keeps [`FOLLOWED_MARKS_KEPT`] marks.
static FOLLOWS: SharedCall<FOLLOW_FIELDS, Followed> = SharedCall {
    queues: |guard| &guard.follows,
    script: |scripts| &scripts.follow,
    shared: || vec![FOLLOWED_MARKS_KEPT.to_string()],
    decode: decode_followed,
};

/// One admission's reply in a batch of `admit.lua`.
fn decode_admission_reply(reply: Value) -> Result<Admission, GuardError> {
    match reply {
        Value::Array(reply) => decode_admission(reply),
        other => Err(unexpected(other)),
    }
}

/// One fact's reply in a batch of `follow.lua`.
fn decode_followed(reply: Value) -> Result<Followed, GuardError> {
    match reply.as_str().as_deref() {
        Some("applied") => Ok(Followed::Applied),
        Some("already_counted") => Ok(Followed::AlreadyCounted),
        Some("not_loaded") => Ok(Followed::NotLoaded),
        Some("disagrees") => Ok(Followed::Disagrees),
        _ => Err(unexpected(reply)),
    }
}

fn unexpected(reply: impl std::fmt::Debug) -> GuardError {
    GuardError::UnexpectedReply(format!("{reply:?}"))
}

fn wall_clock_ms() -> i64 {
    // A clock before 1970 only shortens the guard's life, which is always safe.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

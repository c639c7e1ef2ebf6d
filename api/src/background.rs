//! The background tasks of a `carneau` process: projectors, the response cache's follower
//! of invalidations, the sealer of the event log and its checkpoint signer, the hold sweeper, the waiting lists' offers, the image sweeper, the payments process manager, the tickets
//! email and buyer notices process managers and the mail sender. Each projector is active in one process at a time (the runner's advisory lock), and sweeps
//! are safe to run everywhere, so every `carneau serve` starts all of them.

use std::sync::Arc;
use std::time::Duration;

use carneau_commands::event_images::run_image_sweeper;
use carneau_commands::mail::{Delivery, MailSender, MailSenderConfig};
use carneau_commands::reservations::sweeper::run_sweeper;
use carneau_commands::reservations::waiting_offers::run_waiting_offers;
use carneau_projections::read_models::{read_models, Following};
use carneau_projections::seals::{run_checkpoint_signer, Sealer};
use carneau_projections::{Projector, ProjectorRunner, RunnerConfig};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::buyer_notices::BuyerNotices;
use crate::database::pool_beside;
use crate::mail_composer::MailComposer;
use crate::payments_process::run_payments_process;
use crate::state::AppState;
use crate::ticket_mail::TicketMailer;
use crate::waiting_list_mail::WaitingListMail;

/// Starts every background task; they stop when `shutdown` is cancelled.
pub fn spawn_background(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let composer = MailComposer::start();
    let mut projectors: Vec<(RunnerConfig, Arc<dyn Projector>)> =
        read_models(Some(state.cache.clone()))
            .into_iter()
            .map(|model| (read_model_pace(model.following), model.projector))
            .collect();
    projectors.extend([
        (
            mail_pace(),
            Arc::new(TicketMailer {
                codes: state.ticket_codes.clone(),
                catalogue: state.catalogue.clone(),
                payments: state.payments.clone(),
                order_keys: state.order_keys.clone(),
                public_url: state.config.accounts.public_url.clone(),
                api_public_url: state.config.payments.api_public_url.clone(),
                mail_from: state.config.tickets.mail_from.clone(),
                composer: composer.clone(),
            }) as Arc<dyn Projector>,
        ),
        (
            mail_pace(),
            Arc::new(BuyerNotices {
                payments: state.payments.clone(),
                catalogue: state.catalogue.clone(),
                order_keys: state.order_keys.clone(),
                public_url: state.config.accounts.public_url.clone(),
                mail_from: state.config.tickets.mail_from.clone(),
            }),
        ),
        (
            mail_pace(),
            Arc::new(WaitingListMail {
                catalogue: state.catalogue.clone(),
                reservation_tokens: state.reservation_tokens.clone(),
                public_url: state.config.accounts.public_url.clone(),
                mail_from: state.config.tickets.mail_from.clone(),
            }),
        ),
        (sealer_pace(), Arc::new(Sealer)),
    ]);
    // One connection for each projector this process may lead, so no batch waits for one
    // behind the requests of a rush.
    let batches = pool_beside(
        &state.pool,
        u32::try_from(projectors.len()).unwrap_or(u32::MAX),
    );
    let mut tasks: Vec<JoinHandle<()>> = projectors
        .into_iter()
        .map(|(pace, projector)| {
            ProjectorRunner::new(pace)
                .with_sessions(state.session_options.clone())
                .spawn(batches.clone(), projector, shutdown.clone())
        })
        .collect();
    tasks.extend([
        // Every process serves cached reads: each follows the invalidations itself.
        state.cache.follow_invalidations(shutdown.clone()),
        tokio::spawn(mail_sender(state).run(shutdown.clone())),
        tokio::spawn(run_sweeper(
            state.pool.clone(),
            state.reservations.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(run_waiting_offers(
            state.pool.clone(),
            state.reservations.clone(),
            state.config.waiting_offer_lifetime,
            shutdown.clone(),
        )),
        tokio::spawn(run_image_sweeper(
            state.pool.clone(),
            state.event_images.store().clone(),
            shutdown.clone(),
        )),
        tokio::spawn(run_payments_process(
            state.pool.clone(),
            state.payments.clone(),
            state.config.payments.process_interval,
            state.config.payments.pending_payment_limit,
            shutdown.clone(),
        )),
    ]);
    match &state.config.audit_signing_key {
        Some(signer) => tasks.push(tokio::spawn(run_checkpoint_signer(
            state.pool.clone(),
            state.session_options.clone(),
            signer.clone(),
            shutdown,
        ))),
        None => warn!(
            "CARNEAU_AUDIT_SIGNING_KEY is not set: the event log is sealed, \
             but no checkpoint of it is signed"
        ),
    }
    tasks
}

/// The sealer's pace: its lag only has to stay well under a second, so after a
/// notification it lets appends gather for a while and seals them in one batch, rather
/// than taking a transaction per commit from a flash sale's hot path.
fn sealer_pace() -> RunnerConfig {
    RunnerConfig {
        settle_after_notify: SEALER_SETTLE,
        ..read_model_pace(Following::InBatches)
    }
}

/// A read model's pace. They live only in PostgreSQL, so a batch's commit need not wait
/// for the disk (a crash loses the batch with its checkpoint, and it is applied again),
/// and the appends of a sale do not queue behind their flushes. The sealer's chain is
/// the same: a lost batch is sealed again, to the same seals.
///
/// During a sale every commit notifies every projector. One followed closely (buyers
/// watch availability) reads again a few milliseconds after a read that found nothing
/// new yet (a notified row is not readable while an older transaction is open); the
/// others let appends gather for a moment and take one transaction for all of them.
fn read_model_pace(following: Following) -> RunnerConfig {
    let durable_elsewhere = RunnerConfig {
        synchronous_commit: false,
        ..RunnerConfig::default()
    };
    match following {
        Following::Closely => RunnerConfig {
            notify_repoll_delay: CLOSE_REPOLL_DELAY,
            notify_repolls: CLOSE_REPOLLS,
            ..durable_elsewhere
        },
        Following::InBatches => RunnerConfig {
            settle_after_notify: GATHER_SETTLE,
            ..durable_elsewhere
        },
    }
}

/// The tickets mailer's and the buyer notices' pace: their batches queue emails, so a
/// batch's commit waits for the disk (an email queued by a lost batch would be queued,
/// and sent, again); and nobody waits on an email by the millisecond, so appends gather
/// as for the read models that are not followed closely.
fn mail_pace() -> RunnerConfig {
    RunnerConfig {
        settle_after_notify: GATHER_SETTLE,
        ..RunnerConfig::default()
    }
}

/// How long the sealer lets appends gather after a notification.
const SEALER_SETTLE: Duration = Duration::from_millis(250);
/// How long the projectors not followed closely let appends gather after a notification.
const GATHER_SETTLE: Duration = Duration::from_millis(25);
/// The first re-read of a read model followed closely after a notification; each next
/// one waits twice as long.
const CLOSE_REPOLL_DELAY: Duration = Duration::from_millis(4);
/// How many re-reads follow a notification (4 ms to about 0.5 s).
const CLOSE_REPOLLS: u32 = 8;

/// The mail sender: SMTP when `CARNEAU_SMTP_URL` is set, the log otherwise.
fn mail_sender(state: &AppState) -> MailSender {
    let url = state
        .config
        .tickets
        .smtp_url
        .as_ref()
        .map(|url| url.expose());
    // The configuration already parsed the URL, the only way this can fail.
    let delivery = Delivery::from_url(url).unwrap_or(Delivery::Log);
    MailSender::new(state.pool.clone(), delivery, MailSenderConfig::default())
}

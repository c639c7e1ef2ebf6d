//! `carneau`: serves the Carneau Engine HTTP API, migrates its database, creates accounts,
//! audits the event log (export, verify, replay, reconcile), prints its OpenAPI document. Errors end the process with one `error: …` line and a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use std::net::SocketAddr;

use anyhow::Context;
use carneau_api::account_bootstrap::{ensure_account, Ensured};
use carneau_api::cli::images::ImagesCommand;
use carneau_api::cli::log::LogCommand;
use carneau_api::cli::mail::MailCommand;
use carneau_api::cli::projections::ProjectionsCommand;
use carneau_api::{app, database, seed, state, telemetry, AppState, Config};
use carneau_domain::account::{Password, Role};
use carneau_domain::Process;
use carneau_projections::cache::ResponseCache;
use clap::{Parser, Subcommand};
use fred::prelude::ClientLike;

/// mimalloc instead of glibc's malloc: in a paying rush a quarter of the server's CPU
/// went to glibc's malloc and free (docs/benchmarks.md, "Where a paid order's time goes").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "carneau", version, about = "Carneau Engine: event ticketing.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates and migrates the database if needed, then serves the HTTP API.
    Serve {
        /// Loads the demo accounts and catalogue before serving (their password comes
        /// from CARNEAU_DEMO_PASSWORD).
        #[arg(long)]
        seed: bool,
    },
    /// Manages accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Reads the event log: exports it, verifies its seal chain, prints signed checkpoints.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Creates the database if needed and applies pending migrations.
    Migrate,
    /// Audits the event log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Replays the event log from position zero into scratch read models and prints, per
    /// projector, events read, rows written, seconds and events/s.
    Replay {
        /// Also compares every rebuilt read model with the live one, row by row, printing
        /// each difference and exiting non-zero if there is one.
        #[arg(long)]
        verify: bool,
    },
    /// Lists the read models, or rebuilds one while the API keeps serving.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Lists the mail the sender gave up on (dead letters), or sends it again.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Deletes the stored bytes of images no event has any more.
    Images {
        #[command(subcommand)]
        command: ImagesCommand,
    },
    /// Prints the OpenAPI document as JSON (needs no database).
    Openapi {
        /// Writes the document to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Creates an account with a role (or grants the role to an existing account). The
    /// password is read from CARNEAU_NEW_ACCOUNT_PASSWORD, never from a flag, so it stays
    /// out of shell history and process listings.
    Create {
        /// The account's email.
        #[arg(long)]
        email: String,
        /// How the person is called.
        #[arg(long)]
        name: String,
        /// `organiser`, `admin` or `auditor`.
        #[arg(long)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recomputes an event's tickets and money from the event log alone and compares them
    /// with its sales page: exit 0 when they match, 3 when they differ.
    Reconcile {
        /// The event.
        #[arg(long)]
        event: uuid::Uuid,
        /// Prints the whole reconciliation as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The environment variable `accounts create` reads the password from.
const NEW_ACCOUNT_PASSWORD_VAR: &str = "CARNEAU_NEW_ACCOUNT_PASSWORD";
/// The environment variable `serve --seed` reads the demo accounts' password from.
const DEMO_PASSWORD_VAR: &str = "CARNEAU_DEMO_PASSWORD";

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let outcome = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(cli.command)),
        Err(error) => Err(anyhow::Error::new(error).context("starting the Tokio runtime")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            // A finding, not a failure to run: auditors' scripts tell them apart.
            if carneau_api::cli::is_finding(&error) {
                ExitCode::from(carneau_api::cli::FINDING_EXIT_CODE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error and its causes on one line. Many errors repeat their cause in their own
/// message; a cause already said is not said twice.
fn one_line(error: &anyhow::Error) -> String {
    let mut said: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !said.last().is_some_and(|previous| previous.contains(&text)) {
            said.push(text);
        }
    }
    said.join(": ").replace('\n', " ")
}

/// A panic prints one line (through the logs once they are set up), not a backtrace dump.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string().replace('\n', " ");
        if tracing::dispatcher::has_been_set() {
            tracing::error!(panic = %message, "panic");
        } else {
            eprintln!("error: panic: {message}");
        }
    }));
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Openapi { output } => print_openapi(output),
        Command::Migrate => {
            let config = load_config()?;
            let telemetry = telemetry::init(&config)?;
            let outcome = migrate(&config).await;
            telemetry.shutdown().await;
            outcome
        }
        Command::Serve { seed } => {
            let config = Arc::new(load_config()?);
            let demo_password = if seed {
                Some(password_from_env(DEMO_PASSWORD_VAR)?)
            } else {
                None
            };
            let telemetry = telemetry::init(&config)?;
            // Boxed: the server's future is deep enough to overflow the compiler's layout limit.
            let outcome = Box::pin(serve(config, demo_password)).await;
            telemetry.shutdown().await;
            outcome
        }
        // No telemetry: its log lines go to standard output, where the report goes.
        Command::Audit {
            command: AuditCommand::Reconcile { event, json },
        } => carneau_api::cli::reconcile::run(&load_config()?, event, json).await,
        Command::Replay { verify } => {
            with_read_models(|pool, cache| {
                Box::pin(async move { carneau_api::cli::replay::run(&pool, cache, verify).await })
            })
            .await
        }
        Command::Projections { command } => {
            with_read_models(|pool, cache| {
                Box::pin(
                    async move { carneau_api::cli::projections::run(&pool, cache, command).await },
                )
            })
            .await
        }
        Command::Mail { command } => {
            with_read_models(|pool, _cache| {
                Box::pin(async move {
                    carneau_api::cli::mail::run(&pool, command, &mut std::io::stdout()).await
                })
            })
            .await
        }
        Command::Images { command } => {
            let images = load_config()?.images;
            with_read_models(move |pool, _cache| {
                Box::pin(async move {
                    carneau_api::cli::images::run(&pool, &images, command, &mut std::io::stdout())
                        .await
                })
            })
            .await
        }
        // No telemetry: standard output carries only the answer.
        Command::Log { command } => carneau_api::cli::log::run(load_config()?, command).await,
        Command::Accounts {
            command: AccountsCommand::Create { email, name, role },
        } => {
            let config = Arc::new(load_config()?);
            let password = password_from_env(NEW_ACCOUNT_PASSWORD_VAR)?;
            let telemetry = telemetry::init(&config)?;
            let outcome = Box::pin(create_account(config, &email, &name, role, &password)).await;
            telemetry.shutdown().await;
            outcome
        }
    }
}

/// Runs `work` with the database (migrated) and, if Redis answers, the response cache.
async fn with_read_models<F>(work: F) -> anyhow::Result<()>
where
    F: FnOnce(
        sqlx::PgPool,
        Option<ResponseCache>,
    ) -> futures::future::BoxFuture<'static, anyhow::Result<()>>,
{
    let config = load_config()?;
    let telemetry = telemetry::init(&config)?;
    let pool = database::connect_for_command(&config).await?;
    let outcome = async {
        database::migrate(&pool).await?;
        // Without Redis the cached responses simply age out (their TTL).
        let redis = state::connect_redis(&config).await.ok();
        let cache = redis
            .clone()
            .map(|redis| ResponseCache::new(redis, config.redis_prefix.clone()));
        let outcome = work(pool.clone(), cache).await;
        if let Some(redis) = redis {
            redis.quit().await.ok();
        }
        outcome
    }
    .await;
    pool.close().await;
    telemetry.shutdown().await;
    outcome
}

fn load_config() -> anyhow::Result<Config> {
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(error) if error.not_found() => {}
        Err(error) => return Err(anyhow::Error::new(error).context("reading .env")),
    }
    Ok(Config::from_env()?)
}

/// A password from the environment variable `name` (after `.env` is loaded), checked
/// against the password rules.
fn password_from_env(name: &str) -> anyhow::Result<Password> {
    let raw = std::env::var(name).map_err(|_| anyhow::anyhow!("{name} is not set"))?;
    Password::parse(raw).map_err(|error| anyhow::anyhow!("{name} {error}"))
}

#[tracing::instrument(skip_all)]
async fn create_account(
    config: Arc<Config>,
    email: &str,
    name: &str,
    role: Role,
    password: &Password,
) -> anyhow::Result<()> {
    let pool = database::connect_for_command(&config).await?;
    database::migrate(&pool).await?;
    let redis = state::connect_redis(&config).await?;
    let state = AppState::new(pool.clone(), redis.clone(), config)?;
    let ensured = ensure_account(&state, email, name, password, &[role], Process::Cli).await;
    redis.quit().await.ok();
    pool.close().await;
    match ensured? {
        Ensured::Created(id) => println!("created account {id} ({email}) as {role}"),
        Ensured::Existing(id) => {
            println!("account {id} ({email}) existed; granted {role}, password unchanged")
        }
    }
    Ok(())
}

fn print_openapi(output: Option<PathBuf>) -> anyhow::Result<()> {
    let mut document = serde_json::to_string_pretty(&app::openapi())
        .context("serialising the OpenAPI document")?;
    document.push('\n');
    carneau_api::cli::write_output(output.as_deref(), &document)
}

#[tracing::instrument(skip_all)]
async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = database::connect_for_command(config).await?;
    database::migrate(&pool).await?;
    tracing::info!("database schema is up to date");
    pool.close().await;
    Ok(())
}

#[tracing::instrument(skip_all, fields(bind = %config.bind))]
async fn serve(config: Arc<Config>, demo_password: Option<Password>) -> anyhow::Result<()> {
    let pool = database::connect(&config).await?;
    database::migrate_over_session(&config).await?;
    let redis = state::connect_redis(&config).await?;
    let state = AppState::new(pool.clone(), redis.clone(), config.clone())?;
    if let Some(password) = &demo_password {
        seed::seed_demo(&state, password).await?;
    }
    let stop_projectors = tokio_util::sync::CancellationToken::new();
    let projectors = carneau_api::background::spawn_background(&state, stop_projectors.clone());
    let listener = carneau_api::listener::listen(config.bind)
        .with_context(|| format!("cannot listen on CARNEAU_BIND={}", config.bind))?;
    tracing::info!(address = %config.bind, "serving HTTP");
    let metrics_listener = match config.metrics_bind {
        Some(address) => Some(serve_metrics(address, state.clone()).await?),
        None => None,
    };
    // Connection info gives rate limits the client's address.
    let app = carneau_api::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_requested())
        .await
        .context("serving HTTP")?;
    if let Some(listener) = metrics_listener {
        listener.abort();
    }
    stop_projectors.cancel();
    for projector in projectors {
        projector.await.ok();
    }
    tracing::info!("shut down");
    redis.quit().await.ok();
    pool.close().await;
    Ok(())
}

/// Serves the unauthenticated `GET /metrics` on `CARNEAU_METRICS_ADDR`, for a scraper
/// inside a private network; stopped with the API.
async fn serve_metrics(
    address: SocketAddr,
    state: AppState,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = carneau_api::listener::listen(address)
        .with_context(|| format!("cannot listen on CARNEAU_METRICS_ADDR={address}"))?;
    tracing::info!(%address, "serving metrics without authentication");
    let app = carneau_api::routes::metrics::scrape_router(state);
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    }))
}

/// Resolves on ctrl-c or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_requested() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

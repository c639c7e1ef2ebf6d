//! What every handler can reach: the database pool, the Redis client and the
//! configuration. Cheap to clone (all handles are shared).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use carneau_commands::accounts::Sessions;
use carneau_commands::event_images::EventImages;
use carneau_commands::payments::gateway::PaymentGateway;
use carneau_commands::payments::simulated::SimulatedCheckout;
use carneau_commands::payments::stripe::StripeGateway;
use carneau_commands::payments::Payments;
use carneau_commands::rate_limit::RateLimiter;
use carneau_commands::reservations::guard::ReservationGuard;
use carneau_commands::reservations::{Reservations, DESK_POOL_SIZE};
use carneau_commands::tickets::{Door, TicketCodes};
use carneau_commands::vouchers::Vouchers;
use carneau_commands::{Accounts, Catalogue};
use carneau_domain::ticket_code::TicketSecret;
use carneau_projections::cache::ResponseCache;
use fred::prelude::{Builder, Client, ClientLike, ReconnectPolicy};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::config::{Config, TokenSecret};
use crate::metrics::Metrics;
use crate::order_key::OrderKeys;
use crate::reservation_token::ReservationTokens;
use crate::verification_mail::VerificationLinks;
use crate::verification_outbox::OutboxVerificationMail;

/// How long a Redis connection attempt may take: an outage must turn into errors fast.
pub const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);
/// How long one Redis command may take before it fails.
pub const REDIS_COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// The first delay between reconnection attempts (milliseconds, as fred counts them).
const REDIS_RECONNECT_MIN_DELAY_MS: u32 = 100;
/// The longest delay between reconnection attempts (milliseconds).
const REDIS_RECONNECT_MAX_DELAY_MS: u32 = 2_000;
/// How long start-up waits for the first Redis connection.
const REDIS_STARTUP_TIMEOUT: Duration = Duration::from_secs(2);

/// The shared state of the HTTP application: one pointer to [`Services`].
///
/// Every request clones it (axum's `State`), so it is one reference count, not one per
/// handle: the field-by-field clone and drop were 5.6 % of a paying rush's server time
/// (docs/benchmarks.md, "Where a paid order's time goes").
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    /// For set-up before the state is shared (tests swap a handle): a state already
    /// shared is copied first, so a running router never sees a change.
    fn deref_mut(&mut self) -> &mut Services {
        Arc::make_mut(&mut self.0)
    }
}

/// What every handler can reach. New shared handles (the command services, a Stripe
/// client…) are added as fields.
#[derive(Clone)]
pub struct Services {
    /// The PostgreSQL request pool (event store and read models), on `DATABASE_URL`:
    /// transactions and single statements only, so it may go through a transaction
    /// pooler.
    pub pool: PgPool,
    /// Where session-level work connects (the leaders' advisory locks, `LISTEN`):
    /// `CARNEAU_DATABASE_SESSION_URL`, or `DATABASE_URL` without a pooler.
    pub session_options: PgConnectOptions,
    /// The Redis client; every key starts with `config.redis_prefix`.
    pub redis: Client,
    /// The configuration the process started with.
    pub config: Arc<Config>,
    /// Organiser commands on the event catalogue.
    pub catalogue: Arc<Catalogue>,
    /// The Redis cache of query responses.
    pub cache: ResponseCache,
    /// Buyers' holds.
    pub reservations: Arc<Reservations>,
    /// Signs and checks guests' reservation tokens.
    pub reservation_tokens: ReservationTokens,
    /// Accounts and their sessions.
    pub accounts: Arc<Accounts>,
    /// Sign-in and registration rate limits.
    pub rate_limiter: RateLimiter,
    /// Where email verification links go: the mail outbox.
    pub verification_links: VerificationLinks,
    /// Checkout, the provider's events, refunds.
    pub payments: Arc<Payments>,
    /// The simulated checkout, when no Stripe key is configured (its pages need it).
    pub simulated_checkout: Option<Arc<SimulatedCheckout>>,
    /// Issues and checks the keys of guests' order links.
    pub order_keys: OrderKeys,
    /// Signs ticket codes and judges scanned ones (`CARNEAU_TICKET_SECRET`).
    pub ticket_codes: TicketCodes,
    /// Records check-ins at the door.
    pub door: Arc<Door>,
    /// The process's metrics, rendered by `GET /metrics`.
    pub metrics: Metrics,
    /// Uploads of event images and the store their bytes are read from.
    pub event_images: Arc<EventImages>,
    /// Organisers' promo and presale codes.
    pub vouchers: Arc<Vouchers>,
}

impl AppState {
    /// Bundles already-connected handles and the services built on them. Fails when a
    /// setting the configuration could not check is unusable (the Stripe client refuses
    /// `STRIPE_API_BASE`, say), so start-up stops with a message instead of a panic.
    pub fn new(pool: PgPool, redis: Client, config: Arc<Config>) -> anyhow::Result<Self> {
        let session_options = crate::database::session_options(&config)?;
        let guard = ReservationGuard::new(redis.clone(), config.redis_prefix.clone());
        let token_secret = config.token_secret.clone().unwrap_or_else(|| {
            tracing::warn!(
                "CARNEAU_TOKEN_SECRET is not set: reservation tokens stop working on restart"
            );
            TokenSecret::generate()
        });
        let reservations = Arc::new(Reservations::remembering_sold_out_for(
            pool.clone(),
            crate::database::pool_beside(&pool, DESK_POOL_SIZE),
            Some(guard),
            config.reservation_mode,
            config.sold_out_memory,
        ));
        let (gateway, simulated_checkout): (Arc<dyn PaymentGateway>, _) = match &config
            .payments
            .stripe
        {
            Some(stripe) => {
                // The configuration checks only that STRIPE_API_BASE starts with http(s)://;
                // the client parses it further and may refuse it.
                let gateway =
                    StripeGateway::new(stripe.secret_key.expose(), stripe.api_base.as_deref())
                        .context(
                            "cannot build the Stripe client from STRIPE_SECRET_KEY and \
                             STRIPE_API_BASE",
                        )?;
                (Arc::new(gateway), None)
            }
            None => {
                tracing::warn!("STRIPE_SECRET_KEY is not set: payments use the SIMULATED checkout");
                let simulated = Arc::new(SimulatedCheckout::new(
                    pool.clone(),
                    config.payments.api_public_url.clone(),
                ));
                (simulated.clone(), Some(simulated))
            }
        };
        let ticket_secret = match config.tickets.ticket_secret.clone() {
            Some(secret) => secret,
            None => {
                tracing::warn!(
                    "CARNEAU_TICKET_SECRET is not set: ticket codes change when the process restarts"
                );
                // An error rather than unreachable!: whether 32 generated bytes are enough
                // is the domain's minimum to decide, and it may change.
                TicketSecret::new(TokenSecret::generate().expose().to_vec())
                    .context("generating a ticket secret (CARNEAU_TICKET_SECRET is not set)")?
            }
        };
        let sessions = Sessions::new(
            pool.clone(),
            redis.clone(),
            config.redis_prefix.clone(),
            config.accounts.session_lifetime,
        );
        let catalogue = Arc::new(Catalogue::new(pool.clone()));
        let event_images = Arc::new(EventImages::new(
            pool.clone(),
            catalogue.clone(),
            crate::image_store::image_store(&config.images, &pool)?,
            config.images.max_bytes,
        ));
        Ok(Self(Arc::new(Services {
            event_images,
            vouchers: Arc::new(Vouchers::new(pool.clone())),
            session_options,
            accounts: Arc::new(Accounts::new(pool.clone(), sessions)),
            rate_limiter: RateLimiter::new(redis.clone(), &config.redis_prefix),
            verification_links: VerificationLinks::new(Arc::new(OutboxVerificationMail::new(
                pool.clone(),
                config.tickets.mail_from.clone(),
            ))),
            ticket_codes: TicketCodes::new(ticket_secret),
            door: Arc::new(Door::new(pool.clone())),
            metrics: Metrics::install(),
            payments: Arc::new(Payments::new(pool.clone(), reservations.clone(), gateway)),
            simulated_checkout,
            order_keys: OrderKeys::new(token_secret.clone()),
            reservations,
            reservation_tokens: ReservationTokens::new(token_secret),
            catalogue,
            cache: ResponseCache::new(redis.clone(), config.redis_prefix.clone()),
            pool,
            redis,
            config,
        })))
    }
}

/// Builds a Redis client with short timeouts and a reconnect policy that never gives up,
/// without connecting it.
pub fn redis_client(config: &Config) -> anyhow::Result<Client> {
    let mut redis_config = fred::types::config::Config::from_url(config.redis_url.expose())
        .context("invalid REDIS_URL")?;
    if redis_config.tls.is_some() {
        // fred's default would read the system's CA store; ours adds a private CA.
        redis_config.tls = Some(crate::redis_tls::tls_config(
            config.redis_tls_ca_file.as_deref(),
        )?);
    }
    Builder::from_config(redis_config)
        .with_connection_config(|connection| {
            connection.connection_timeout = REDIS_CONNECT_TIMEOUT;
            connection.internal_command_timeout = REDIS_COMMAND_TIMEOUT;
        })
        .with_performance_config(|performance| {
            performance.default_command_timeout = REDIS_COMMAND_TIMEOUT;
        })
        // max_attempts 0 = forever; exponential backoff, base 2.
        .set_policy(ReconnectPolicy::new_exponential(
            0,
            REDIS_RECONNECT_MIN_DELAY_MS,
            REDIS_RECONNECT_MAX_DELAY_MS,
            2,
        ))
        .build()
        .context("building the Redis client")
}

/// Builds the Redis client and waits for its first connection. Fails with one line naming
/// `REDIS_URL` when Redis cannot be reached.
#[tracing::instrument(skip_all, fields(redis_url = %config.redis_url))]
pub async fn connect_redis(config: &Config) -> anyhow::Result<Client> {
    let client = redis_client(config)?;
    let unreachable = || format!("cannot connect to Redis at REDIS_URL={}", config.redis_url);
    let connected = tokio::time::timeout(REDIS_STARTUP_TIMEOUT, client.init()).await;
    match connected {
        Ok(Ok(_connection_task)) => Ok(client),
        Ok(Err(error)) => {
            client.quit().await.ok();
            Err(anyhow::Error::new(error).context(unreachable()))
        }
        Err(_) => {
            client.quit().await.ok();
            Err(anyhow::anyhow!("timed out").context(unreachable()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[tokio::test]
    async fn a_stripe_api_base_the_client_refuses_fails_start_up_with_a_message() {
        // Starts with http://, so the configuration accepts it; the space is not a URI.
        let vars = HashMap::from([
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("STRIPE_SECRET_KEY", "sk_test_123"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_123"),
            ("STRIPE_API_BASE", "http://stripe mock:12111"),
        ]);
        let config = Config::from_lookup(|name| Ok(vars.get(name).map(|v| (*v).to_owned())))
            .expect("the configuration accepts the URL");
        // Neither handle connects until used.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy(config.database.url.expose())
            .unwrap();
        let redis = redis_client(&config).unwrap();
        let Err(error) = AppState::new(pool, redis, Arc::new(config)) else {
            panic!("the Stripe client accepted a base URL with a space");
        };
        let message = format!("{error:#}");
        assert!(message.contains("STRIPE_API_BASE"), "{message}");
    }
}

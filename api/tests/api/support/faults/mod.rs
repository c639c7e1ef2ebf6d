//! The fault suite's cluster: two real `carneau serve` processes on a PostgreSQL cluster
//! and a Redis server of the test's own (never the shared ones, which other tests use),
//! paying through the testkit's fake Stripe. A test starts a paid rush on it
//! ([`paid_rush`]), breaks something part way through, and checks the log
//! ([`invariants`]).

pub mod invariants;
pub mod paid_rush;

use std::sync::Arc;

use carneau_api::state::AppState;
use carneau_domain::account::Role;
use carneau_testkit::own_servers::{OwnPostgres, OwnRedis};
use carneau_testkit::stripe::FakeStripe;
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::accounts::create_account;
use crate::support::own_servers_app::config_of;
use crate::support::payments::WEBHOOK_SECRET;
use crate::support::reservations::http::{Http, OnSale};
use crate::support::serve_process::ServeProcess;

/// Requests each node's pool may hold. Two nodes (pool, four for the desks, up to ten lock
/// and listening connections each, and one per projector each leads) and the test's own
/// pool stay below the own server's 100 connections.
const NODE_POOL_SIZE: &str = "6";
/// Long enough that no hold lapses during a test: every acknowledged hold still counts,
/// and every payment lands on a live hold.
const HOLD_SECONDS: &str = "600";
/// How often the payments process manager looks for work, in milliseconds: fast, so
/// that what a fault left half done is finished within the test.
const PAYMENTS_INTERVAL_MS: &str = "100";

/// Two `carneau serve` nodes on servers of their own.
pub struct FaultCluster {
    /// The PostgreSQL cluster; stop and start it at will.
    pub postgres: OwnPostgres,
    /// The Redis server; stop, flush and start it at will.
    pub redis: OwnRedis,
    /// The Stripe both nodes pay through.
    pub stripe: Arc<FakeStripe>,
    /// The nodes; kill them at will.
    pub nodes: Vec<ServeProcess>,
    /// The test's own pool on the nodes' database, to read the log.
    pub pool: PgPool,
}

impl FaultCluster {
    /// Starts the servers, the fake Stripe, an organiser account and two nodes, and waits
    /// until both nodes are ready. `name` tells the nodes' log files apart.
    pub async fn start(name: &str) -> Self {
        let (postgres, redis) = tokio::task::spawn_blocking(|| {
            (OwnPostgres::start().unwrap(), OwnRedis::start().unwrap())
        })
        .await
        .unwrap();
        let stripe = Arc::new(FakeStripe::start().await.unwrap());
        let settings: Vec<(&'static str, String)> = vec![
            ("DATABASE_URL", postgres.url("carneau", "sslmode=disable")),
            ("REDIS_URL", redis.url()),
            (
                "CARNEAU_REDIS_PREFIX",
                format!("carneau-faults:{}:", Uuid::new_v4().simple()),
            ),
            ("CARNEAU_DATABASE_POOL_SIZE", NODE_POOL_SIZE.to_owned()),
            ("CARNEAU_HOLD_SECONDS", HOLD_SECONDS.to_owned()),
            ("STRIPE_SECRET_KEY", "sk_test_fake".to_owned()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("STRIPE_API_BASE", stripe.base_url().to_owned()),
            (
                "CARNEAU_PAYMENTS_INTERVAL_MS",
                PAYMENTS_INTERVAL_MS.to_owned(),
            ),
            ("CARNEAU_PUBLIC_URL", "http://shop.test".to_owned()),
        ];
        // The database, its schema and the organiser, made the way a node would make
        // them, before any node starts.
        let config = config_of(&settings);
        let pool = carneau_api::database::connect(&config).await.unwrap();
        carneau_api::database::migrate(&pool).await.unwrap();
        let redis_client = carneau_api::state::connect_redis(&config).await.unwrap();
        let state = AppState::new(pool.clone(), redis_client.clone(), Arc::new(config)).unwrap();
        let organiser = create_account(&state, "organiser", &[Role::Organiser]).await;
        drop(state);
        // The test reads the log only: no Redis client left to retry during an outage.
        fred::prelude::ClientLike::quit(&redis_client).await.ok();
        let nodes: Vec<ServeProcess> = ["a", "b"]
            .iter()
            .map(|node| {
                ServeProcess::start(
                    &format!("faults-{name}-{node}"),
                    &settings,
                    &organiser.token,
                )
            })
            .collect();
        for node in &nodes {
            node.http.wait_until_ready().await;
        }
        Self {
            postgres,
            redis,
            stripe,
            nodes,
            pool,
        }
    }

    /// A client of every node, in order.
    pub fn targets(&self) -> Vec<Http> {
        self.nodes.iter().map(|node| node.http.clone()).collect()
    }

    /// A published event with one ticket type of `capacity`, at most `max_per_order` a
    /// buyer, on sale now (made through the first node).
    pub async fn event(&self, capacity: u32, max_per_order: u32) -> OnSale {
        self.nodes[0]
            .http
            .create_published_event(capacity, max_per_order)
            .await
    }

    /// The nodes' log files, to name in a failure.
    pub fn logs(&self) -> Vec<String> {
        self.nodes.iter().map(|node| node.log.clone()).collect()
    }
}

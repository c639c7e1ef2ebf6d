//! An app started the way `carneau serve` starts it (connect, create the database, migrate,
//! background tasks, router), on the servers its configuration names: servers a test
//! started for itself (`carneau_testkit::own_servers`), which it may stop or secure.

use std::collections::HashMap;
use std::sync::Arc;

use carneau_api::config::Config;
use carneau_api::state::AppState;
use carneau_domain::account::Role;
use carneau_projections::cache::ResponseCache;
use fred::prelude::Client;
use sqlx::PgPool;

use crate::support::accounts::{create_account, TestAccount};
use crate::support::reservations::http::Http;
use crate::support::serve;

/// The running app and what a test reaches it by.
pub struct OwnServersApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Its request pool.
    pub pool: PgPool,
    /// Its Redis client.
    pub redis: Client,
    /// Its response cache.
    pub cache: ResponseCache,
    /// An organiser account.
    pub organiser: TestAccount,
    _stop_background: tokio_util::sync::DropGuard,
}

/// A configuration of exactly `settings` (names the test's servers) over the defaults.
pub fn config_of(settings: &[(&'static str, String)]) -> Config {
    let vars: HashMap<&'static str, String> = settings.iter().cloned().collect();
    Config::from_lookup(|name| Ok(vars.get(name).cloned())).unwrap()
}

/// Starts the app on `config`'s servers.
pub async fn spawn_app_on(config: Config) -> OwnServersApp {
    let pool = carneau_api::database::connect(&config).await.unwrap();
    carneau_api::database::migrate(&pool).await.unwrap();
    let redis = carneau_api::state::connect_redis(&config).await.unwrap();
    let state = AppState::new(pool.clone(), redis.clone(), Arc::new(config)).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    carneau_api::background::spawn_background(&state, stop.clone());
    let base_url = serve(carneau_api::router(state.clone())).await;
    let organiser = create_account(&state, "organiser", &[Role::Organiser]).await;
    OwnServersApp {
        base_url,
        pool,
        redis,
        cache: state.cache.clone(),
        organiser,
        _stop_background: stop.drop_guard(),
    }
}

impl OwnServersApp {
    /// A client that sets sales up as the organiser.
    pub fn http(&self) -> Http {
        Http::new(self.base_url.clone(), self.organiser.token.clone())
    }
}

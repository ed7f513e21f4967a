//! Shared application state: cheap to clone, handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::limit::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::cache::ResponseCache;
use crate::change_watch::ChangeWatcher;
use crate::config::Config;
use crate::db::{self, StatementCounter};
use crate::error::AppResult;
use crate::graphql::documents::ParsedDocuments;
use crate::graphql::schema::{self, ApiSchema};
use crate::load::reader::Reader;
use crate::webhook::client::WebhookClient;

/// Everything a request needs: the pool, the schema, the settings. One allocation shared by every
/// clone: the router clones its state for every layer of every request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct Shared {
    pub db: DatabaseConnection,
    /// The connection relations are loaded with (the same pool).
    pub reader: Reader,
    pub schema: ApiSchema,
    /// The schema for anonymous callers in production mode (no field suggestions).
    pub public_schema: Option<ApiSchema>,
    pub config: Arc<Config>,
    /// SQL statements executed on `db` so far.
    pub statements: Arc<StatementCounter>,
    /// Token signing and verification.
    pub tokens: TokenKeys,
    /// Login attempt limits.
    pub login_limiter: LoginLimiter,
    /// Cached answers to anonymous queries.
    pub cache: ResponseCache,
    /// Request rate limits per client address and per account.
    pub request_limiter: crate::rate_limit::RequestLimiter,
    /// Prometheus metrics of this instance.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Permits for requests in flight (`MAX_CONCURRENT_REQUESTS`), shared by every router of
    /// this state.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Turns to execute a GraphQL operation (`GRAPHQL_MAX_EXECUTIONS`).
    pub executions: Arc<tokio::sync::Semaphore>,
    /// Syntax trees of the GraphQL documents seen so far.
    pub documents: ParsedDocuments,
    /// Persisted GraphQL documents, by hash.
    pub persisted: crate::persisted::PersistedDocuments,
    /// The head of the change log, followed.
    pub changes: ChangeWatcher,
    /// The HTTP client webhooks are sent with.
    pub webhooks: WebhookClient,
    /// Sign-in through the OpenID Connect provider, when one is configured.
    pub oidc: Option<crate::auth::oidc::OidcClient>,
    /// The OpenID Connect provider's keys, for its bearer tokens, when one is configured.
    pub provider_keys: Option<crate::auth::jwks::ProviderKeys>,
}

/// The OpenID Connect client and keys of the configured provider; none when it is not configured or
/// its settings are invalid ([`AppState::connect`] refuses those first).
fn oidc_parts(
    config: &Config,
) -> (
    Option<crate::auth::oidc::OidcClient>,
    Option<crate::auth::jwks::ProviderKeys>,
) {
    let settings = config.oidc().and_then(|settings| {
        settings
            .map(|settings| crate::auth::jwks::http_client().map(|http| (settings, http)))
            .transpose()
    });
    match settings {
        Ok(Some((settings, http))) => (
            Some(crate::auth::oidc::OidcClient::new(
                settings.clone(),
                http.clone(),
            )),
            Some(crate::auth::jwks::ProviderKeys::new(settings, http)),
        ),
        Ok(None) => (None, None),
        Err(error) => {
            tracing::error!(%error, "OpenID Connect is off: its settings are invalid");
            (None, None)
        }
    }
}

impl AppState {
    /// Connects to the configured database (without migrating) and builds the schema.
    pub async fn connect(config: Config) -> AppResult<Self> {
        crate::cors::origins(&config)?;
        if config.oidc()?.is_some() {
            crate::auth::jwks::http_client()?;
        }
        let tokens = TokenKeys::new(
            &config.token_secret()?,
            std::time::Duration::from_secs(config.token_ttl_seconds),
        )?;
        let webhooks = WebhookClient::new(&config)?;
        let (db, statements) = db::connect(&config).await?;
        let state = Self::new(db, statements, tokens, webhooks, config);
        if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            state.changes.listen(state.config.database_url.clone());
        }
        Ok(state)
    }

    /// State over an open connection.
    pub fn new(
        db: DatabaseConnection,
        statements: Arc<StatementCounter>,
        tokens: TokenKeys,
        webhooks: WebhookClient,
        config: Config,
    ) -> Self {
        let cache = ResponseCache::new(config.response_cache_mib * 1024 * 1024);
        let changes = ChangeWatcher::start(
            db.clone(),
            cache.clone(),
            std::time::Duration::from_millis(config.change_poll_ms.max(10)),
        );
        let (oidc, provider_keys) = oidc_parts(&config);
        Self(Arc::new(Shared {
            oidc,
            provider_keys,
            reader: Reader::new(db.clone(), statements.clone()),
            changes,
            schema: schema::build(&config),
            public_schema: (config.mode == crate::config::Mode::Production)
                .then(|| schema::build_public(&config)),
            cache,
            documents: ParsedDocuments::default(),
            persisted: crate::persisted::PersistedDocuments::default(),
            login_limiter: LoginLimiter::new(
                config.login_limit_per_account,
                config.login_limit_per_address,
            ),
            request_limiter: crate::rate_limit::RequestLimiter::new(
                config.rate_limit_anonymous_per_minute,
                config.rate_limit_staff_per_minute,
            ),
            metrics: crate::metrics::Metrics::new(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(
                config.max_concurrent_requests.max(1),
            )),
            executions: Arc::new(tokio::sync::Semaphore::new(config.executions())),
            db,
            config: Arc::new(config),
            statements,
            tokens,
            webhooks,
        }))
    }
}

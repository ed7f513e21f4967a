//! Configuration, read once from flags and environment variables; nothing else reads the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The embedded default: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://kleinstadt.sqlite?mode=rwc";

/// Command line of the `kleinstadt` binary.
#[derive(Debug, Parser)]
#[command(
    name = "kleinstadt",
    version,
    about = "The open knowledge base and API of Germany's small-town network"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, load the demo data into an empty database, and serve the API (the default).
    Serve,
    /// Apply all pending migrations (or roll back with --down).
    Migrate {
        /// Roll back this many migrations instead of applying.
        #[arg(long, value_name = "STEPS")]
        down: Option<u32>,
    },
    /// Migrate and load the demo data (GeoNames places and the Kleinstadtakademie facts).
    Seed,
    /// Import or update towns from a GeoNames CSV (geonames_id,name,state,population,lat,lon).
    ImportTowns {
        /// Path of the CSV file.
        csv: PathBuf,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load a data bundle (JSON; format in `bulk::bundle`) in one transaction: towns are matched
    /// by GeoNames id, everything else is added as published; any problem writes nothing.
    ImportBundle {
        /// Path of the JSON file.
        file: PathBuf,
    },
    /// Write a checked online copy of the SQLite database to a new file (PostgreSQL: use pg_dump).
    Backup {
        /// Path of the backup; an existing file is never overwritten.
        file: PathBuf,
    },
    /// Replace the SQLite database by a backup, after checking it, then migrate. Stop the server
    /// first.
    Restore {
        /// Path of the backup.
        file: PathBuf,
    },
    /// Manage webhook endpoints.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Manage persisted GraphQL documents (the documents partner sites run by id).
    Documents {
        #[command(subcommand)]
        command: DocumentCommand,
    },
    /// Print the GraphQL schema (SDL) to stdout or to a file.
    ExportSchema {
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print the OpenAPI document of the REST API (the committed `openapi.json`).
    ExportOpenapi {
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Subcommands of `documents`.
#[derive(Debug, Subcommand)]
pub enum DocumentCommand {
    /// Register each file's exact text (one GraphQL document per file, usually `.graphql`) and
    /// print its id (`sha256:<hex>`) and the file, a line each; a file registered before keeps its
    /// id. Nothing is registered unless every file is a valid GraphQL document.
    Register {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the registered documents: id and name.
    List,
}

/// Subcommands of `user`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from a prompt, or from stdin when it is not a terminal.
    Add {
        /// E-mail address (the login name).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Role of the account.
        #[arg(long, value_enum, default_value_t = RoleArg::Editor)]
        role: RoleArg,
    },
    /// List all accounts.
    List,
    /// Disable an account: it can no longer log in, and its tokens stop working.
    Disable {
        /// E-mail address of the account.
        #[arg(long)]
        email: String,
    },
}

/// Subcommands of `webhook`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register an endpoint; prints its ID and its signing secret (shown this once).
    Add {
        /// The URL that receives the changes (http or https).
        #[arg(long)]
        url: String,
        /// What the endpoint is for.
        #[arg(long)]
        description: Option<String>,
        /// Only changes of these record types (`Event`, `Town`, …), comma-separated; all when omitted.
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Only changes about this event (global ID).
        #[arg(long)]
        event: Option<String>,
        /// Only changes about this town (global ID).
        #[arg(long)]
        town: Option<String>,
        /// Only changes about this model project (global ID).
        #[arg(long)]
        model_project: Option<String>,
    },
    /// List the endpoints with their state.
    List,
    /// Stop delivering to an endpoint.
    Disable {
        /// Global ID of the endpoint.
        id: String,
    },
    /// Deliver to an endpoint again, where it stopped; its failure streak starts anew.
    Enable {
        /// Global ID of the endpoint.
        id: String,
    },
    /// Deliver again every change from a change-log position on.
    Replay {
        /// Global ID of the endpoint.
        id: String,
        /// The first position to deliver again.
        #[arg(long)]
        from: i64,
    },
    /// Send a ping now and print how it went.
    Ping {
        /// Global ID of the endpoint.
        id: String,
    },
}

/// A staff role on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Edits content.
    Editor,
    /// Edits content and manages accounts and personal data.
    Admin,
}

/// A secret value: never printed.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Settings of a kleinstadt instance.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database URL: `sqlite://…` (embedded, default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Address the HTTP server listens on.
    #[arg(
        long = "bind",
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: SocketAddr,
    /// Maximum number of pooled database connections.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,
    /// Maximum depth of a GraphQL query.
    #[arg(long, env = "GRAPHQL_MAX_DEPTH", default_value_t = 16, global = true)]
    pub graphql_max_depth: usize,
    /// Maximum complexity of a GraphQL query (list fields cost their page size times their children).
    #[arg(
        long,
        env = "GRAPHQL_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub graphql_max_complexity: usize,
    /// GraphQL operations executed at once; more wait for a turn. An answer is built whole in
    /// memory before it is sent, so this bounds the memory of large answers under load. 0: twice
    /// the CPU cores.
    #[arg(
        long,
        env = "GRAPHQL_MAX_EXECUTIONS",
        default_value_t = 0,
        global = true
    )]
    pub graphql_max_executions: usize,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Secret for signing tokens (at least 32 bytes). With the embedded SQLite default, one is
    /// generated and kept beside the database file when not given.
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 3600, global = true)]
    pub token_ttl_seconds: u64,
    /// Minutes without a request after which a web-interface session ends.
    #[arg(
        long,
        env = "SESSION_IDLE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub session_idle_minutes: u64,
    /// Hours after sign-in at which a web-interface session ends, however active.
    #[arg(long, env = "SESSION_MAX_HOURS", default_value_t = 10, global = true)]
    pub session_max_hours: u64,
    /// Whether the session cookie is marked `Secure` (sent over HTTPS only); unset: in production
    /// mode only. Set it to `true` wherever the interface is served over HTTPS.
    #[arg(long, env = "SESSION_COOKIE_SECURE", action = clap::ArgAction::Set, global = true)]
    pub session_cookie_secure: Option<bool>,
    /// Memory for cached answers to anonymous queries, in MiB; 0 switches the cache off.
    #[arg(long, env = "RESPONSE_CACHE_MIB", default_value_t = 16, global = true)]
    pub response_cache_mib: u64,
    /// How often every instance looks at the change log's head, in milliseconds: the longest a
    /// cached answer outlives a commit made elsewhere (PostgreSQL also notifies at once).
    #[arg(long, env = "CHANGE_POLL_MS", default_value_t = 1000, global = true)]
    pub change_poll_ms: u64,
    /// The public address of this API (`https://kleinstadt.example`), put before the paths of
    /// links in the change feed and webhook payloads; empty for paths alone.
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "", global = true)]
    pub public_base_url: String,
    /// Login attempts allowed per account and minute.
    #[arg(
        long,
        env = "LOGIN_LIMIT_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub login_limit_per_account: u32,
    /// Login attempts allowed per client address and minute.
    #[arg(
        long,
        env = "LOGIN_LIMIT_PER_ADDRESS",
        default_value_t = 20,
        global = true
    )]
    pub login_limit_per_address: u32,
    /// Origins whose pages may read the public API from the browser (CORS), comma-separated;
    /// `*` allows any. Never with credentials; editing is never open to other origins.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "*", global = true)]
    pub cors_allowed_origins: String,
    /// How long browsers and proxies may reuse a public REST or feed answer, in seconds.
    #[arg(long, env = "HTTP_CACHE_MAX_AGE", default_value_t = 60, global = true)]
    pub http_cache_max_age: u32,
    /// Anonymous GraphQL callers may run registered (persisted) documents only, by `documentId`,
    /// by an Apollo persisted-query hash or by their exact text; staff keep free-form queries.
    #[arg(
        long,
        env = "GRAPHQL_PERSISTED_ONLY",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub graphql_persisted_only: bool,
    /// `development` (default) or `production`: in production, anonymous callers get no GraphQL
    /// introspection and no field suggestions.
    #[arg(long, env = "KLEINSTADT_MODE", value_enum, default_value_t = Mode::Development, global = true)]
    pub mode: Mode,
    /// Largest request body accepted on any route, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Longest time one request may take, in seconds; then it is answered with 503.
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_SECONDS",
        default_value_t = 10,
        global = true
    )]
    pub request_timeout_seconds: u64,
    /// Longest time one SQL statement may run on PostgreSQL, and SQLite waits for a lock, in ms.
    #[arg(
        long,
        env = "DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,
    /// Requests handled at once; more are refused at once with 503 and `Retry-After`.
    #[arg(
        long,
        env = "MAX_CONCURRENT_REQUESTS",
        default_value_t = 256,
        global = true
    )]
    pub max_concurrent_requests: usize,
    /// A client must send its request head within this many seconds.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_SECONDS",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_seconds: u64,
    /// After SIGTERM or Ctrl-C, requests in flight get this many seconds to finish.
    #[arg(
        long,
        env = "SHUTDOWN_GRACE_SECONDS",
        default_value_t = 20,
        global = true
    )]
    pub shutdown_grace_seconds: u64,
    /// Requests per minute and client address for anonymous callers (per instance); 0 = no limit.
    #[arg(
        long,
        env = "RATE_LIMIT_ANONYMOUS_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub rate_limit_anonymous_per_minute: u32,
    /// Requests per minute and account for staff (per instance); 0 = no limit.
    #[arg(
        long,
        env = "RATE_LIMIT_STAFF_PER_MINUTE",
        default_value_t = 1200,
        global = true
    )]
    pub rate_limit_staff_per_minute: u32,
    /// Rows read per statement while streaming a bulk NDJSON export; bounds its memory.
    #[arg(long, env = "EXPORT_CHUNK_ROWS", default_value_t = 500, global = true)]
    pub export_chunk_rows: u32,
    /// Longest time one webhook delivery may take (connecting, sending, answering), in seconds.
    #[arg(
        long,
        env = "WEBHOOK_TIMEOUT_SECONDS",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout_seconds: u64,
    /// Networks webhooks may be sent to although they are not public (loopback, private, …),
    /// comma-separated CIDRs such as `10.8.0.0/16`; empty (the default) allows public addresses only.
    #[arg(
        long,
        env = "WEBHOOK_ALLOWED_NETWORKS",
        default_value = "",
        global = true
    )]
    pub webhook_allowed_networks: String,
    /// Webhook endpoints delivered to at once by this instance.
    #[arg(long, env = "WEBHOOK_CONCURRENCY", default_value_t = 8, global = true)]
    pub webhook_concurrency: usize,
    /// The first retry of a failed webhook waits about this long (milliseconds); each further
    /// failure doubles the wait, up to 12 hours, with ±20% jitter.
    #[arg(
        long,
        env = "WEBHOOK_BACKOFF_BASE_MS",
        default_value_t = 5000,
        global = true
    )]
    pub webhook_backoff_base_ms: u64,
    /// An endpoint that has failed for longer than this (seconds; 3 days by default) is disabled.
    #[arg(
        long,
        env = "WEBHOOK_DISABLE_AFTER_SECONDS",
        default_value_t = 3 * 24 * 3600,
        global = true
    )]
    pub webhook_disable_after_seconds: u64,
    /// How often the webhook dispatcher looks for retries that have become due (milliseconds);
    /// new changes wake it at once.
    #[arg(long, env = "WEBHOOK_POLL_MS", default_value_t = 5000, global = true)]
    pub webhook_poll_ms: u64,
    /// Days the webhook delivery log keeps its entries.
    #[arg(
        long,
        env = "WEBHOOK_LOG_RETENTION_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub webhook_log_retention_days: u32,
    /// Issuer URL of the OpenID Connect provider staff sign in with (exactly as in its tokens'
    /// `iss`); unset switches OpenID Connect off.
    #[arg(long, env = "OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// Client id of kleinstadt at the provider.
    #[arg(long, env = "OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,
    /// Client secret of kleinstadt at the provider.
    #[arg(
        long,
        env = "OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<Secret>,
    /// Dotted path of the claim that lists the provider's roles of the signed-in person.
    #[arg(
        long,
        env = "OIDC_ROLES_CLAIM",
        default_value = "realm_access.roles",
        global = true
    )]
    pub oidc_roles_claim: String,
    /// Provider roles that make an administrator, comma-separated.
    #[arg(
        long,
        env = "OIDC_ADMIN_ROLES",
        default_value = "kleinstadt-admin",
        global = true
    )]
    pub oidc_admin_roles: String,
    /// Provider roles that make an editor, comma-separated.
    #[arg(
        long,
        env = "OIDC_EDITOR_ROLES",
        default_value = "kleinstadt-editor",
        global = true
    )]
    pub oidc_editor_roles: String,
    /// Audience that access tokens of the provider must name to be accepted as bearer tokens.
    #[arg(
        long,
        env = "OIDC_AUDIENCE",
        default_value = "kleinstadt-api",
        global = true
    )]
    pub oidc_audience: String,
    /// Signature algorithms accepted from the provider, comma-separated (RS256, ES256, PS256,
    /// ES384).
    #[arg(
        long,
        env = "OIDC_ALGORITHMS",
        default_value = "RS256,ES256",
        global = true
    )]
    pub oidc_algorithms: String,
}

/// The OpenID Connect settings, checked: what sign-in and bearer verification need.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    /// The issuer URL, compared exactly with `iss`.
    pub issuer: String,
    /// kleinstadt's client id at the provider (the audience of ID tokens).
    pub client_id: String,
    /// kleinstadt's client secret at the provider.
    pub client_secret: Secret,
    /// The path to the roles claim, split at the dots.
    pub roles_claim: Vec<String>,
    /// Provider roles that make an administrator.
    pub admin_roles: Vec<String>,
    /// Provider roles that make an editor.
    pub editor_roles: Vec<String>,
    /// Audience required in bearer access tokens.
    pub audience: String,
    /// Signature algorithms accepted from the provider.
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
}

/// Signature algorithms that may be allowed for the provider: asymmetric only.
const OIDC_ALGORITHMS: [(&str, jsonwebtoken::Algorithm); 4] = [
    ("RS256", jsonwebtoken::Algorithm::RS256),
    ("ES256", jsonwebtoken::Algorithm::ES256),
    ("PS256", jsonwebtoken::Algorithm::PS256),
    ("ES384", jsonwebtoken::Algorithm::ES384),
];

/// How much the server tells anonymous callers about its schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Introspection and suggestions for everyone (GraphiQL works without logging in).
    #[default]
    Development,
    /// Introspection and suggestions for staff only.
    Production,
}

impl Config {
    /// GraphQL operations executed at once: `graphql_max_executions`, or twice the CPU cores.
    pub fn executions(&self) -> usize {
        match self.graphql_max_executions {
            0 => std::thread::available_parallelism().map_or(2, |cores| cores.get()) * 2,
            n => n,
        }
    }

    /// Settings for tests and embedding: the defaults with another database, a fixed token secret
    /// and no response cache.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_max_connections: 5,
            graphql_max_depth: 16,
            graphql_max_complexity: 20_000,
            graphql_max_executions: 0,
            log_format: LogFormat::Text,
            jwt_secret: Some(Secret(
                "test-secret-test-secret-test-secret-0123".to_owned(),
            )),
            token_ttl_seconds: 3600,
            session_idle_minutes: 30,
            session_max_hours: 10,
            session_cookie_secure: None,
            // Tests write behind the API's back; the cache is tested on its own.
            response_cache_mib: 0,
            change_poll_ms: 50,
            public_base_url: String::new(),
            login_limit_per_account: 5,
            login_limit_per_address: 20,
            cors_allowed_origins: "*".to_owned(),
            http_cache_max_age: 60,
            graphql_persisted_only: false,
            mode: Mode::Development,
            max_body_bytes: 1024 * 1024,
            request_timeout_seconds: 10,
            db_statement_timeout_ms: 5000,
            max_concurrent_requests: 256,
            header_read_timeout_seconds: 10,
            shutdown_grace_seconds: 20,
            rate_limit_anonymous_per_minute: 600,
            rate_limit_staff_per_minute: 1200,
            export_chunk_rows: 500,
            webhook_timeout_seconds: 10,
            webhook_allowed_networks: String::new(),
            webhook_concurrency: 8,
            webhook_backoff_base_ms: 5000,
            webhook_disable_after_seconds: 3 * 24 * 3600,
            webhook_poll_ms: 5000,
            webhook_log_retention_days: 30,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_roles_claim: "realm_access.roles".to_owned(),
            oidc_admin_roles: "kleinstadt-admin".to_owned(),
            oidc_editor_roles: "kleinstadt-editor".to_owned(),
            oidc_audience: "kleinstadt-api".to_owned(),
            oidc_algorithms: "RS256,ES256".to_owned(),
        }
    }

    /// Whether the session cookie is `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.session_cookie_secure
            .unwrap_or(self.mode == Mode::Production)
    }

    /// The OpenID Connect settings; `None` when no issuer is set, an error when they are incomplete
    /// or invalid.
    pub fn oidc(&self) -> crate::AppResult<Option<OidcSettings>> {
        use crate::AppError;
        let Some(issuer) = self
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        else {
            return Ok(None);
        };
        let invalid = |message: String| AppError::Internal(message);
        let parsed = url::Url::parse(issuer)
            .map_err(|_| invalid(format!("OIDC_ISSUER is not a URL: {issuer}")))?;
        let loopback = match parsed.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        };
        if !(parsed.scheme() == "https" || parsed.scheme() == "http" && loopback)
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(invalid(
                "OIDC_ISSUER must be an https URL without query or fragment (http only on loopback)"
                    .to_owned(),
            ));
        }
        let required = |value: Option<&str>, name: &str| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("OIDC_ISSUER is set, so {name} must be set too")))
        };
        let client_id = required(self.oidc_client_id.as_deref(), "OIDC_CLIENT_ID")?;
        let client_secret = Secret(required(
            self.oidc_client_secret.as_ref().map(|s| s.0.as_str()),
            "OIDC_CLIENT_SECRET",
        )?);
        let roles_claim: Vec<String> = self
            .oidc_roles_claim
            .trim()
            .split('.')
            .map(str::to_owned)
            .collect();
        if roles_claim.iter().any(String::is_empty) {
            return Err(invalid(format!(
                "OIDC_ROLES_CLAIM is not a dotted claim path: {}",
                self.oidc_roles_claim
            )));
        }
        let audience = required(Some(&self.oidc_audience), "OIDC_AUDIENCE")?;
        let mut algorithms = Vec::new();
        for name in list(&self.oidc_algorithms) {
            let algorithm = OIDC_ALGORITHMS
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, algorithm)| *algorithm)
                .ok_or_else(|| {
                    invalid(format!(
                        "OIDC_ALGORITHMS: {name} is not one of RS256, ES256, PS256, ES384"
                    ))
                })?;
            if !algorithms.contains(&algorithm) {
                algorithms.push(algorithm);
            }
        }
        if algorithms.is_empty() {
            return Err(invalid("OIDC_ALGORITHMS names no algorithm".to_owned()));
        }
        let admin_roles = list(&self.oidc_admin_roles);
        let editor_roles = list(&self.oidc_editor_roles);
        if admin_roles.is_empty() {
            return Err(invalid("OIDC_ADMIN_ROLES names no role".to_owned()));
        }
        Ok(Some(OidcSettings {
            issuer: issuer.to_owned(),
            client_id,
            client_secret,
            roles_claim,
            admin_roles,
            editor_roles,
            audience,
            algorithms,
        }))
    }

    /// The token secret: configured, or (embedded SQLite only) read from or created beside the
    /// database file. PostgreSQL deployments must configure one.
    pub fn token_secret(&self) -> crate::AppResult<Vec<u8>> {
        use crate::AppError;
        if let Some(secret) = &self.jwt_secret {
            if secret.0.len() < crate::auth::token::MIN_SECRET_BYTES {
                return Err(AppError::Internal(format!(
                    "JWT_SECRET must have at least {} bytes",
                    crate::auth::token::MIN_SECRET_BYTES
                )));
            }
            return Ok(secret.0.as_bytes().to_vec());
        }
        let Some(path) = sqlite_file(&self.database_url) else {
            return Err(AppError::Internal(
                "set JWT_SECRET (at least 32 bytes): only the embedded SQLite default generates one".to_owned(),
            ));
        };
        let path = PathBuf::from(format!("{path}.jwt-secret"));
        match std::fs::read_to_string(&path) {
            Ok(secret) if secret.trim().len() >= crate::auth::token::MIN_SECRET_BYTES => {
                Ok(secret.trim().as_bytes().to_vec())
            }
            Ok(_) => Err(AppError::Internal(format!(
                "{} holds a secret shorter than 32 bytes",
                path.display()
            ))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let secret = generate_secret();
                write_private(&path, &secret).map_err(|e| {
                    AppError::Internal(format!("cannot write {}: {e}", path.display()))
                })?;
                tracing::info!(path = %path.display(), "generated a token secret");
                Ok(secret.into_bytes())
            }
            Err(error) => Err(AppError::Internal(format!(
                "cannot read {}: {error}",
                path.display()
            ))),
        }
    }

    /// The file of a SQLite database URL; `None` for PostgreSQL and in-memory databases.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        sqlite_file(&self.database_url).map(PathBuf::from)
    }

    /// The database URL with any password replaced, for logs.
    pub fn database_display(&self) -> String {
        redact_url(&self.database_url)
    }
}

/// The non-empty items of a comma-separated list, trimmed.
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The file path of a SQLite URL, if it names a file.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}

fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_are_found_in_urls() {
        assert_eq!(
            sqlite_file(DEFAULT_DATABASE_URL).as_deref(),
            Some("kleinstadt.sqlite")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }

    #[test]
    fn execution_turns_default_to_twice_the_cores() {
        let mut config = Config::for_database("sqlite::memory:");
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        assert_eq!(config.executions(), 2 * cores);
        config.graphql_max_executions = 3;
        assert_eq!(config.executions(), 3);
    }

    #[test]
    fn oidc_settings_are_checked() -> crate::AppResult<()> {
        let mut config = Config::for_database("sqlite::memory:");
        assert!(config.oidc()?.is_none());
        config.oidc_issuer = Some("https://login.example/realms/bbsr".to_owned());
        assert!(config.oidc().is_err(), "client id and secret are missing");
        config.oidc_client_id = Some("kleinstadt".to_owned());
        config.oidc_client_secret = Some(Secret("s".to_owned()));
        let settings = config
            .oidc()?
            .ok_or(crate::AppError::NotFound("settings"))?;
        assert_eq!(settings.roles_claim, ["realm_access", "roles"]);
        assert_eq!(settings.admin_roles, ["kleinstadt-admin"]);
        assert_eq!(
            settings.algorithms,
            [
                jsonwebtoken::Algorithm::RS256,
                jsonwebtoken::Algorithm::ES256
            ]
        );
        config.oidc_algorithms = "RS256,HS256".to_owned();
        assert!(config.oidc().is_err(), "HS256 is never allowed");
        config.oidc_algorithms = "ES384, PS256".to_owned();
        assert!(config.oidc().is_ok());
        config.oidc_issuer = Some("http://login.example".to_owned());
        assert!(config.oidc().is_err(), "plain http only on loopback");
        config.oidc_issuer = Some("http://127.0.0.1:8443".to_owned());
        assert!(config.oidc().is_ok());
        Ok(())
    }

    #[test]
    fn passwords_are_not_logged() {
        assert_eq!(
            redact_url("postgres://app:secret@db:5432/k"),
            "postgres://app:***@db:5432/k"
        );
        assert_eq!(redact_url(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
    }
}

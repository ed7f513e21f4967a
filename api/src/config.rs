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
    /// Load a data bundle (JSON; format in `service::bundle`) in one transaction: towns are matched
    /// by GeoNames id, everything else is added as published; any problem writes nothing.
    ImportBundle {
        /// Path of the JSON file.
        file: PathBuf,
    },
    /// Print the GraphQL schema (SDL) to stdout or to a file.
    ExportSchema {
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
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
    #[arg(long, env = "GRAPHQL_MAX_DEPTH", default_value_t = 12, global = true)]
    pub graphql_max_depth: usize,
    /// Maximum complexity of a GraphQL query (list fields cost their page size times their children).
    #[arg(
        long,
        env = "GRAPHQL_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub graphql_max_complexity: usize,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl Config {
    /// Settings for tests and embedding: the defaults with another database.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_max_connections: 5,
            graphql_max_depth: 12,
            graphql_max_complexity: 20_000,
            log_format: LogFormat::Text,
        }
    }

    /// The database URL with any password replaced, for logs.
    pub fn database_display(&self) -> String {
        redact_url(&self.database_url)
    }
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
    fn passwords_are_not_logged() {
        assert_eq!(
            redact_url("postgres://app:secret@db:5432/k"),
            "postgres://app:***@db:5432/k"
        );
        assert_eq!(redact_url(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
    }
}

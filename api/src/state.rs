//! Shared application state: cheap to clone, handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::db::{self, StatementCounter};
use crate::error::AppResult;
use crate::graphql::schema::{self, ApiSchema};

/// Everything a request needs: the pool, the schema, the settings.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: ApiSchema,
    pub config: Arc<Config>,
    /// SQL statements executed on `db` so far.
    pub statements: Arc<StatementCounter>,
}

impl AppState {
    /// Connects to the configured database (without migrating) and builds the schema.
    pub async fn connect(config: Config) -> AppResult<Self> {
        let (db, statements) = db::connect(&config).await?;
        Ok(Self::new(db, statements, config))
    }

    /// State over an open connection.
    pub fn new(db: DatabaseConnection, statements: Arc<StatementCounter>, config: Config) -> Self {
        Self {
            schema: schema::build(&config),
            db,
            config: Arc::new(config),
            statements,
        }
    }
}
